"""The learning checkpoint on real Redis does not grow with the store's visitors.

What coupons cost visitors' later sessions needs each visitor's first coupon choice for
a month; that map once rode in every checkpoint (tens of MB at a million visitors a
month, written every hundred rewards). It now lives in the ledger, one key per visitor
that expires with the horizon: ten times the visitors leave the checkpoint the same
size, while the charge still learns from all of them, a bot's sessions still count as
one shopper's at most, and a checkpoint that carried the map moves it into the ledger.
"""

from __future__ import annotations

import asyncio
import functools
import json
import uuid

import msgspec
import pytest
import redis.asyncio as aioredis

from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.learning.bandit import LearningPolicy
from nudges.learning.coupon_waiting import HORIZON_MS, MAX_LATER_PER_VISITOR
from nudges.learning.learners import Learners
from nudges.ledger import RedisLedger
from nudges.stores import Store
from scorer.events import CollectedEvent
from tests.services import services_up
from tests.unit.overlay_helpers import make_product, make_profile, make_store

pytestmark = pytest.mark.services

T0 = 1_790_000_000_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


def _store(experiment: str) -> Store:
    """A store of its own per test: what Redis keeps per store (visitors' coupons, budgets)
    starts empty."""
    return make_store(id=f"st{uuid.uuid4().hex[:10]}", max_cart_value=5_000,
                      experiment={"name": experiment, "policy": "learning", "holdout": 0.0,
                                  "attribution_window_h": 1, "report_margin_pct": 40})


@functools.cache
def _catalogue(store_id: str) -> Catalogue:
    return Catalogue.from_products(store_id, [msgspec.to_builtins(make_product())])


async def _visit(store: Store, ledger: RedisLedger, learners: Learners, visitor: str, at: int,
                 bought: bool) -> CollectedEvent:
    """A price shopper leaving a 400 TRY cart is decided for (coupons allowed until one is
    shown to the visitor); the store's back end reports an order for some of them."""
    session = f"s-{visitor}-{at}"
    moment = Moment(session, visitor, "exit_intent", "en", "bag-1", at)
    decision = await decide(store, make_profile(top="price", confidence=0.7, session_id=session), moment, ledger,
                            _catalogue(store.id), learners=learners)
    await ledger.record(decision.event)
    if bought:
        await ledger.record(CollectedEvent(id=f"p-{uuid.uuid4().hex}", type="purchase", ts=at + 60_000,
                                           at=at + 60_000, received_at=at + 60_000, store_id=store.id,
                                           visitor_id=visitor, session_id=session, order_id=f"o-{session}",
                                           amount=400.0, verified=True))
    return decision.event


async def _month(visitors: int) -> tuple[int, LearningPolicy, RedisLedger, str, Store]:
    """``visitors`` visitors, each deciding twice a day apart; then every reward closed and
    learnt by one process, and the size of the checkpoint it wrote to Redis.

    The decisions are made by a policy that has learnt nothing yet (every allowed incentive
    alike), so that both runs try the same incentives: a value model per incentive tried is
    the part of a checkpoint that rightly grows, with the incentives, not the visitors."""
    ledger = RedisLedger.from_url(services_up().redis_url)
    store = _store(f"size-{uuid.uuid4().hex[:8]}")
    deciding = Learners(sync_s=float("inf"))
    for day in range(2):
        for i in range(visitors):
            await _visit(store, ledger, deciding, f"v-{i:05d}", T0 + day * DAY_MS + i, bought=i % 3 == 0)
    learners = Learners(checkpoint_every=1)
    policy = await learners.current(store, ledger, T0 + 2 * DAY_MS + HOUR_MS)
    checkpoint = await ledger.checkpoint(store.id, store.experiment.name)
    assert checkpoint is not None and checkpoint.split(b"\n")[1] == str(2 * visitors).encode()  # every reward
    return len(checkpoint), policy, ledger, store.experiment.name, store


async def test_ten_times_the_visitors_leave_the_checkpoint_the_same_size() -> None:
    small, small_policy, small_ledger, _, _ = await _month(30)
    large, large_policy, large_ledger, experiment, store = await _month(300)
    try:
        # What the charge learnt grew with the visitors: every first coupon choice and later visit.
        def learnt(policy: LearningPolicy) -> tuple[int, float]:
            w = policy.waiting
            return w.coupon.later + w.other.later, w.coupon.firsts + w.other.firsts
        # (each visitor's second visit, unless the day's coupon budget was spent before its first)
        assert learnt(small_policy)[0] == 30 and learnt(large_policy)[0] > 250
        assert learnt(large_policy)[1] > 5 * learnt(small_policy)[1]
        # The map of 300 visitors would add about 40 bytes each (12 KB); the checkpoint stays within 100 bytes.
        assert sorted(small_policy.own) == sorted(large_policy.own)  # the same incentives tried
        assert abs(large - small) < 100, (small, large)
        # Each visitor's first choice is kept in Redis, expiring with the horizon.
        client = aioredis.from_url(services_up().redis_url)
        try:
            key = f"cartcoach:ledger:{store.id}:fc:{experiment}:v-00000"
            first = json.loads(await client.get(key))
            assert first[0] == T0 and first[3] == 1  # its first visit, and its one later visit counted
            assert 0 < await client.ttl(key) <= HORIZON_MS // 1000
        finally:
            await client.aclose()
    finally:
        await small_ledger.close()
        await large_ledger.close()


async def test_a_bots_many_sessions_count_as_one_shoppers_twenty_even_closed_by_four_processes_at_once() -> None:
    url = services_up().redis_url
    ledger, *others = [RedisLedger.from_url(url) for _ in range(4)]  # four API instances
    store, learners = _store(f"bot-{uuid.uuid4().hex[:8]}"), Learners(sync_s=float("inf"))
    experiment = store.experiment.name
    try:
        sessions = MAX_LATER_PER_VISITOR + 10
        for i in range(sessions):
            await _visit(store, ledger, learners, "v-bot-00001", T0 + i * HOUR_MS, bought=False)
        # All four close the bot's windows at once: each decision once, the visitor's record
        # updated by one of them at a time.
        until = T0 + (sessions + 1) * HOUR_MS
        closed = await asyncio.gather(*(lg.close_learning(store.id, experiment, until, 0.4, 5_000.0)
                                        for lg in (ledger, *others)))
        assert sum(closed) == sessions
        verdicts = [r.waiting for r in await ledger.learning_rewards(store.id, experiment, 0)]
        assert len(verdicts) == sessions
        assert sum(1 for v in verdicts if v is not None and not v.later) == 1  # its first coupon choice
        assert sum(1 for v in verdicts if v is not None and v.later) == MAX_LATER_PER_VISITOR
        policy = await Learners().current(store, ledger, until)
        assert policy.waiting.coupon.later + policy.waiting.other.later == MAX_LATER_PER_VISITOR
    finally:
        for lg in (ledger, *others):
            await lg.close()


async def test_a_checkpoint_carrying_the_visitor_map_loads_and_moves_the_map_into_the_ledger() -> None:
    ledger = RedisLedger.from_url(services_up().redis_url)
    store = _store(f"old-{uuid.uuid4().hex[:8]}")
    experiment = store.experiment.name
    try:
        # A checkpoint as an older version wrote it: the charge's sums and each visitor's first choice.
        old = LearningPolicy(epsilon=store.experiment.exploration)
        head, models = old.to_bytes().split(b"\n", 1)
        meta = json.loads(head)
        meta["waiting"].update(horizon_ms=HORIZON_MS, pruned_at=T0,
                               first={"v-old-00001": [T0, True, 3.0], "v-old-00002": [T0 - HORIZON_MS, False, 1.5]},
                               counted={"v-old-00001": 2})
        meta["waiting"]["coupon"]["firsts"] = 3.0
        fingerprint = f"{store.experiment.policy_model}|{store.experiment.exploration}"
        await ledger.save_checkpoint(store.id, experiment, f"{fingerprint}\n0\n".encode()
                                     + json.dumps(meta).encode() + b"\n" + models)

        learners = Learners(checkpoint_every=1)
        policy = await learners.current(store, ledger, T0)
        assert policy.waiting.coupon.firsts == 3.0 and not policy.first_choices.first  # loaded, map moved out
        client = aioredis.from_url(services_up().redis_url)
        try:
            key = f"cartcoach:ledger:{store.id}:fc:{experiment}:v-old-"
            assert json.loads(await client.get(key + "00001")) == [T0, True, 3.0, 2]
            assert HORIZON_MS // 1000 - 60 < await client.ttl(key + "00001") <= HORIZON_MS // 1000
            assert await client.get(key + "00002") is None  # its horizon had passed: not kept
        finally:
            await client.aclose()
        # The old visitor's next decision is judged against its first choice, now in the ledger.
        await _visit(store, ledger, learners, "v-old-00001", T0 + DAY_MS, bought=False)
        policy = await learners.current(store, ledger, T0 + DAY_MS + 2 * HOUR_MS)
        (reward,) = await ledger.learning_rewards(store.id, experiment, 0)
        assert reward.waiting is not None and reward.waiting.later and reward.waiting.shown
        assert reward.waiting.weight == 3.0 and policy.waiting.coupon.later == 1
        new_head = json.loads((await ledger.checkpoint(store.id, experiment)).split(b"\n", 3)[2])
        assert set(new_head["waiting"]) == {"min_later", "coupon", "other"}  # no map in the new checkpoint
    finally:
        await ledger.close()
