"""Outcomes reach the learning policy online: one bounded reward per decision, from
verified outcomes only, once its attribution window has closed, the same model in every
process that replays the ledger's reward log, and checkpoints a new process starts from."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.learning.decision_log import example_of
from nudges.learning.learners import Learners
from nudges.ledger import MemoryLedger
from scorer.events import CollectedEvent
from tests.unit.overlay_helpers import make_product, make_profile, make_store

T0 = 1_790_000_000_000
WINDOW_MS = 3_600_000  # the store's attribution window: 1 h
AFTER = T0 + WINDOW_MS + 120_000  # the window closed (and its grace passed)


def _store():
    return make_store(experiment={"name": "learn", "policy": "learning", "holdout": 0.0,
                                  "attribution_window_h": 1, "report_margin_pct": 40},
                      max_cart_value=5_000)


async def _decision(store, ledger, learners, session="s-learn-00001", at=T0):
    profile = make_profile(top="price", confidence=0.7, session_id=session)
    catalogue = Catalogue.from_products(store.id, [msgspec.to_builtins(make_product())])
    moment = Moment(session, "v-learn-0001", "exit_intent", "en", "bag-1", at)
    decision = await decide(store, profile, moment, ledger, catalogue, learners=learners)
    await ledger.record(decision.event)
    return decision.event


def _purchase(i: int, at: int, amount: float, verified: bool, order: str = "o-1") -> CollectedEvent:
    return CollectedEvent(id=f"p-{i:06d}", type="purchase", ts=at, at=at, received_at=at, store_id="shop",
                          visitor_id="v-learn-0001", session_id="s-other-0001", order_id=order, amount=amount,
                          verified=verified)


async def _pmf(learners, store, ledger, event, now):
    policy = await learners.current(store, ledger, now)
    ex = example_of(event.props, event.incentive, event.propensity)
    return ex.chosen, policy.choose(ex.context, ex.actions).pmf


def _run(outcomes: list[CollectedEvent], now: int = AFTER, learners: Learners | None = None):
    async def go():
        store, ledger = _store(), MemoryLedger()
        learners_ = learners or Learners()
        event = await _decision(store, ledger, learners_)
        _, before = await _pmf(Learners(), store, MemoryLedger(), event, T0)
        for outcome in outcomes:
            await ledger.record(outcome)
        chosen, after = await _pmf(learners_, store, ledger, event, now)
        return chosen, before, after, await ledger.learning_rewards(store.id, "learn", 0)
    return asyncio.run(go())


def test_a_verified_purchase_in_the_window_moves_the_action_probabilities() -> None:
    chosen, before, after, rewards = _run([_purchase(1, T0 + 60_000, 400.0, verified=True)])
    assert before == pytest.approx([1 / len(before)] * len(before))  # nothing learnt: all alike
    assert max(after) > 0.9  # one incentive is now the greedy one, the rest explored
    assert len(rewards) == 1 and rewards[0].reward == pytest.approx(400.0 * 0.4 - float(rewards[0].decision.props["cost"]))


def test_a_browser_purchase_moves_nothing_and_the_decision_learns_no_sale() -> None:
    chosen, before, after, rewards = _run([_purchase(1, T0 + 60_000, 400.0, verified=False)])
    assert after == pytest.approx(before)
    assert [r.revenue for r in rewards] == [0.0]


def test_nothing_is_learnt_before_the_window_and_its_grace_have_passed() -> None:
    _, before, after, rewards = _run([_purchase(1, T0 + 60_000, 400.0, verified=True)], now=T0 + WINDOW_MS)
    assert after == pytest.approx(before) and rewards == []


def test_one_bounded_reward_per_decision_however_many_orders_and_deliveries() -> None:
    outcomes = [_purchase(1, T0 + 60_000, 4_000.0, True, "o-1"), _purchase(2, T0 + 61_000, 4_000.0, True, "o-1"),
                _purchase(3, T0 + 62_000, 4_000.0, True, "o-2"),
                _purchase(4, T0 + WINDOW_MS + 60_000, 4_000.0, True, "o-3")]  # after the window
    _, _, _, rewards = _run(outcomes)
    assert len(rewards) == 1
    assert rewards[0].revenue == 5_000.0  # two orders of 4,000 in the window, capped at max_cart_value


def test_a_verified_refund_takes_its_order_back() -> None:
    refund = CollectedEvent(id="r-000001", type="refund", ts=T0 + 90_000, at=T0 + 90_000, received_at=T0 + 90_000,
                            store_id="shop", visitor_id="v-learn-0001", session_id="s-other-0001", order_id="o-1",
                            amount=400.0, verified=True)
    chosen, before, after, rewards = _run([_purchase(1, T0 + 60_000, 400.0, True), refund])
    assert rewards[0].revenue == 0.0 and rewards[0].reward == 0.0
    assert after == pytest.approx(before)


def test_every_process_learns_the_same_log_once_and_a_new_one_starts_from_the_checkpoint() -> None:
    async def go():
        store, ledger = _store(), MemoryLedger()
        first, second = Learners(checkpoint_every=1), Learners(checkpoint_every=1)
        events = [await _decision(store, ledger, first, f"s-learn-{i:05d}", T0 + i) for i in range(3)]
        await ledger.record(_purchase(1, T0 + 60_000, 400.0, True))
        pmfs = []
        for learners in (first, second):
            policy = await learners.current(store, ledger, AFTER)
            ex = example_of(events[-1].props, events[-1].incentive, events[-1].propensity)
            pmfs.append(policy.choose(ex.context, ex.actions).pmf)
        assert len(await ledger.learning_rewards(store.id, "learn", 0)) == 3  # closed once, not twice
        restarted = await Learners().current(store, ledger, AFTER)
        pmfs.append(restarted.choose(ex.context, ex.actions).pmf)
        return pmfs, await ledger.checkpoint(store.id, "learn")
    pmfs, checkpoint = asyncio.run(go())
    assert checkpoint is not None and checkpoint.split(b"\n")[1] == b"3"
    assert pmfs[0] == pytest.approx(pmfs[1]) and pmfs[0] == pytest.approx(pmfs[2])
    assert max(pmfs[0]) > 0.9


def test_the_reward_log_says_who_and_when_so_the_coupon_waiting_charge_can_compare_later_visits() -> None:
    async def go():
        store, ledger, learners = _store(), MemoryLedger(), Learners()
        event = await _decision(store, ledger, learners)
        policy = await learners.current(store, ledger, AFTER)
        return event, (await ledger.learning_rewards(store.id, "learn", 0))[0], policy
    event, reward, policy = asyncio.run(go())
    assert (reward.decision.visitor, reward.decision.at) == ("v-learn-0001", T0)
    assert "coupon" in str(event.props["actions"])  # a price shopper, coupons allowed
    verdict = reward.waiting  # its first coupon choice, weighted by its chance, judged when it closed
    assert verdict is not None and not verdict.later and verdict.shown == (event.incentive == "coupon")
    assert verdict.weight > 1.0
    group = policy.waiting.coupon if verdict.shown else policy.waiting.other
    assert group.firsts == verdict.weight  # ... and learnt by the policy from the log
