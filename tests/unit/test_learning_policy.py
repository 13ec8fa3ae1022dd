"""The learning policy: bounded exploration with its propensity, the holdout kept, the
store's policy obeyed, delayed rewards joined from outcomes, evaluation on any log."""

from __future__ import annotations

import asyncio
import functools
import json
import random
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from cartcoach.cli import app
from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.learning.bandit import Action, LearningPolicy, PolicyContext
from nudges.learning.decision_log import join
from nudges.learning.learners import Learners
from nudges.ledger import MemoryLedger
from scorer.events import CollectedEvent
from tests.unit.overlay_helpers import make_product, make_profile, make_store

CTX = {
    r: PolicyContext(reasons={"price": 0.8 if r == "price" else 0.1, "trust": 0.8 if r == "trust" else 0.1},
                     confidence=0.8, risk=0.7, cart_value=400.0, brand_tier="standard", stock_level="normal",
                     boldness=0, device="mobile", channel="exit_intent", coupon_eligible=True)
    for r in ("price", "trust")
}
ACTIONS = [Action("installments", "price", 10.0, 0.5), Action("reviews", "trust", 0.0, 0.5),
           Action("help", "checkout_friction", 0.0, 0.2)]


def test_the_bandit_learns_which_incentive_earns_more_for_which_reason_and_explores_within_its_bound() -> None:
    policy = LearningPolicy(epsilon=0.06, seed=3)
    rnd = random.Random(3)
    best = {"price": 0, "trust": 1}
    for _ in range(3000):
        reason = rnd.choice(("price", "trust"))
        choice = policy.choose(CTX[reason], ACTIONS)
        earns = 0.3 if choice.index == best[reason] else 0.1
        policy.learn(CTX[reason], ACTIONS, choice.index, choice.probability, 400.0 if rnd.random() < earns else 0.0)
    explore = policy.exploration()
    assert explore == pytest.approx(0.06 * 50_000 / 53_000)  # falling with the 3,000 rewards learnt
    for reason, index in best.items():
        pmf = policy.choose(CTX[reason], ACTIONS).pmf
        assert pmf[index] == pytest.approx(1 - explore + explore / 3)  # greedy on the right one
        assert min(pmf) == pytest.approx(explore / 3)  # every other allowed one explored, its share / 3 each
    policy.shared.updates = 10_000_000
    assert min(policy.choose(CTX["price"], ACTIONS).pmf) == pytest.approx(0.01 / 3)  # never under the 1 % floor


def _learning_store(**overrides):
    return make_store(experiment={"name": "learn", "policy": "learning", "holdout": 0.1}, **overrides)


@functools.cache
def _catalogue(store_id: str) -> Catalogue:
    """The one product, parsed once (a catalogue is only read by decisions)."""
    return Catalogue.from_products(store_id, [msgspec.to_builtins(make_product())])


def _decide(store, session: str, learners: Learners):
    profile = make_profile(top="price", confidence=0.7, session_id=session)
    moment = Moment(session, f"v-{session}", "exit_intent", "en", "bag-1", 1_790_000_000_000)
    return asyncio.run(decide(store, profile, moment, MemoryLedger(), _catalogue(store.id), learners=learners))


def test_a_learning_store_keeps_its_holdout_and_logs_every_actions_probability() -> None:
    store, learners = _learning_store(), Learners()
    decisions = [_decide(store, f"s-learn-{i:05d}", learners) for i in range(300)]
    holdout = [d for d in decisions if d.arm.name == "holdout"]
    assert 0.05 < len(holdout) / len(decisions) < 0.16
    assert all(d.shown is None and d.event.propensity == pytest.approx(0.1) for d in holdout)
    for d in decisions:
        if d.arm.name == "holdout":
            continue
        assert d.arm.name == "learning" and d.shown is not None
        props = d.event.props
        names, probs = props["actions"].split(","), [float(p) for p in props["probs"].split(",")]
        assert names[0] == "none" and sum(probs) == pytest.approx(1.0, abs=1e-4)
        assert d.event.propensity == pytest.approx(probs[names.index(d.shown.incentive)], abs=1e-5)
        assert set(names[1:]) <= set(store.policy.allowed_incentives)


def test_a_premium_learning_store_never_offers_a_coupon() -> None:
    policy = {"allowed_incentives": ["reviews", "return_guarantee", "installments", "premium_story", "guest_checkout"],
              "installments": {"max_months": 6, "cost_pct": 2}}
    store, learners = _learning_store(brand_tier="premium", policy=policy), Learners()
    for i in range(100):
        d = _decide(store, f"s-prem-{i:05d}", learners)
        assert "coupon" not in d.event.props["actions"].split(",")
        assert d.shown is None or d.shown.incentive != "coupon"


def test_a_fixed_arms_store_logs_its_arms_as_action_probabilities() -> None:
    store = make_store()  # policy: fixed (the default)
    d = _decide(store, "s-fixed-00001", Learners())
    probs = [float(p) for p in d.event.props["probs"].split(",")]
    assert probs[0] == pytest.approx(0.1) and sum(probs) == pytest.approx(1.0)
    assert d.arm.name in ("holdout", "v1", "v2", "v3")


def _event(i: int, type: str, at: int, **kw) -> CollectedEvent:
    return CollectedEvent(id=f"e-{i:06d}", type=type, ts=at, at=at, received_at=at, store_id="shop",
                          visitor_id=kw.pop("visitor", "v-000001"), session_id="s-000001", **kw)


def _decision(i: int, at: int, incentive: str, visitor: str) -> CollectedEvent:
    props = {"actions": "none,reviews,coupon", "probs": "0.1,0.45,0.45", "costs": "0,20",
             "priors": "0.9,0.4", "reasons": "0.2,0.8,0,0,0", "cost": 20.0 if incentive == "coupon" else 0.0,
             "window_s": 3600, "cart": 200.0, "confidence": 0.8, "trigger": "exit_intent"}
    return _event(i, "overlay_decision", at, experiment="x", arm="learning", incentive=incentive,
                  propensity=0.45, props=props, visitor=visitor)


def test_rewards_are_joined_from_outcomes_within_the_window_once_per_order_net_of_refunds() -> None:
    events = [
        _decision(1, 1_000, "coupon", "v-000001"),
        _event(2, "purchase", 5_000, order_id="o-1", amount=200.0),
        _event(3, "purchase", 6_000, order_id="o-1", amount=200.0),  # the same order again
        _event(4, "refund", 9_000, order_id="o-1", amount=50.0),
        _decision(5, 1_000, "reviews", "v-000002"),
        _event(6, "purchase", 1_000 + 3_600_000 + 1, order_id="o-2", amount=300.0, visitor="v-000002"),  # too late
    ]
    joined = {j.decision_id: j for j in join(reversed(events), margin_pct=40)}
    assert joined["e-000001"].logged.reward == pytest.approx((200 - 50) * 0.4 - 20.0)
    assert joined["e-000001"].logged.chosen == 2
    assert joined["e-000005"].logged.reward == 0.0
    assert joined["e-000005"].context.reasons["trust"] == 0.8


def test_policy_evaluate_reads_a_decision_log_and_prints_each_estimate(tmp_path: Path) -> None:
    rnd = random.Random(8)
    lines = []
    for i in range(400):
        visitor = f"v-{i:06d}"
        incentive = rnd.choices(["none", "reviews", "coupon"], [0.1, 0.45, 0.45])[0]
        lines.append(_decision(2 * i, 1_000, incentive, visitor))
        if rnd.random() < {"none": 0.1, "reviews": 0.4, "coupon": 0.2}[incentive]:
            lines.append(_event(2 * i + 1, "purchase", 2_000, order_id=f"o-{i}", amount=200.0, visitor=visitor))
    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b"\n".join(msgspec.json.encode(e) for e in lines) + b"\n")
    result = CliRunner().invoke(app, ["policy", "evaluate", "--log", str(log), "--policy", "rules",
                                      "--policy", "none", "--margin-pct", "40"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "SNIPS" in result.output and "doubly robust" in result.output
    rules_row = next(line for line in result.output.splitlines() if "│ rules" in line)
    ips_value = float(rules_row.split("│")[2].split()[0])
    assert 20 < ips_value < 44  # reviews: 40 % of 200 TRY × 40 % margin = 32 per decision
    bad = CliRunner().invoke(app, ["policy", "evaluate", "--log", str(log), "--policy", "nonsense"])
    assert bad.exit_code != 0
    model = tmp_path / "policy.model"
    trained = CliRunner().invoke(app, ["policy", "train", "--log", str(log), "--out", str(model), "--margin-pct", "40"])
    assert trained.exit_code == 0, trained.output
    learnt = CliRunner().invoke(app, ["policy", "evaluate", "--log", str(log), "--policy", f"learning:{model}",
                                      "--margin-pct", "40"], terminal_width=200)
    assert learnt.exit_code == 0, learnt.output
    row = next(line for line in learnt.output.splitlines() if "│ learning:" in line)
    assert float(row.split("│")[3].split()[0]) > 20  # SNIPS: it learnt that reviews earn more than coupons


def test_policy_simulate_prints_every_policy_with_intervals_and_saves_the_regret_plot(tmp_path: Path) -> None:
    plot, figures = tmp_path / "regret.png", tmp_path / "figures.json"
    result = CliRunner().invoke(app, ["policy", "simulate", "--sessions", "400", "--warm-start", "300",
                                      "--plot", str(plot), "--json", str(figures)], terminal_width=220)
    assert result.exit_code == 0, result.output
    for name in ("none", "blanket_coupon", "rules", "learning"):
        assert f"│ {name}" in result.output
    assert plot.stat().st_size > 10_000
    data = json.loads(figures.read_text())
    assert data["expected"]["blanket_coupon"]["premium_coupons_shown"] > 0  # the counterfactual ignores policy
    assert data["expected"]["rules"]["premium_coupons_shown"] == 0
    assert data["expected"]["learning"]["premium_coupons_shown"] == 0
    low, high = data["expected"]["none"]["net_margin"][1:3]
    assert low < data["expected"]["none"]["net_margin"][0] < high
    assert data["warm_start"] == 300 and "learning − rules, paired" in result.output
