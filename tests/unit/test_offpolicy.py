"""Off-policy estimates against cases whose answer is known."""

from __future__ import annotations

import random

import pytest

from nudges.learning.offpolicy import Logged, RewardTable, doubly_robust, ips, snips

ACTIONS = ("none", "reviews", "coupon")
#: Expected reward of each action per top reason: the truth every estimate is held to.
TRUTH = {"trust": (0.0, 30.0, 10.0), "price": (0.0, 5.0, 25.0)}
LOGGING = (0.2, 0.4, 0.4)


def _log(n: int, seed: int, noise: float) -> list[Logged]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        reason = rnd.choice(("trust", "price"))
        chosen = rnd.choices(range(3), weights=LOGGING)[0]
        reward = TRUTH[reason][chosen] + rnd.gauss(0.0, noise)
        out.append(Logged(ACTIONS, LOGGING, chosen, reward, reason))
    return out


def _answer_the_reason(logged: list[Logged]) -> list[list[float]]:
    """The candidate: reviews for trust, coupon for price (true value: (30 + 25) / 2)."""
    return [[0.0, 1.0, 0.0] if d.top_reason == "trust" else [0.0, 0.0, 1.0] for d in logged]


def test_a_hand_computed_log_gives_the_hand_computed_estimates() -> None:
    logged = [
        Logged(ACTIONS, (0.5, 0.25, 0.25), 1, 8.0),
        Logged(ACTIONS, (0.5, 0.25, 0.25), 0, 2.0),
        Logged(ACTIONS, (0.5, 0.25, 0.25), 2, 4.0),
    ]
    target = [[0.0, 1.0, 0.0]] * 3  # always reviews: weight 4 on the first decision, 0 elsewhere
    assert ips(logged, target).value == pytest.approx(4 * 8.0 / 3)
    assert snips(logged, target).value == pytest.approx(8.0)
    constant = lambda d, a: 1.0  # noqa: E731  a reward model that says 1 for everything
    # DR: 1 (model) + 4 * (8 - 1) on the first; 1 + 0 on the others.
    assert doubly_robust(logged, target, constant).value == pytest.approx((29.0 + 1.0 + 1.0) / 3)


def test_every_estimator_recovers_a_known_policy_value_within_its_interval() -> None:
    logged = _log(20_000, seed=3, noise=20.0)
    target = _answer_the_reason(logged)
    true_value = (30.0 + 25.0) / 2
    model = RewardTable(logged)
    for estimate in (ips(logged, target), snips(logged, target), doubly_robust(logged, target, model)):
        assert estimate.low <= true_value <= estimate.high, estimate
        assert abs(estimate.value - true_value) < 1.5


def test_doubly_robust_with_the_true_reward_model_is_exact_when_rewards_are_deterministic() -> None:
    logged = _log(500, seed=4, noise=0.0)
    target = _answer_the_reason(logged)
    truth = lambda d, a: TRUTH[d.top_reason][a]  # noqa: E731
    estimate = doubly_robust(logged, target, truth)
    expected = sum(max(TRUTH[d.top_reason][1:]) for d in logged) / len(logged)
    assert estimate.value == pytest.approx(expected)  # exactly, not just within an interval


def test_evaluating_the_logging_policy_itself_gives_the_logged_mean() -> None:
    logged = _log(2_000, seed=5, noise=5.0)
    target = [list(d.probs) for d in logged]
    mean = sum(d.reward for d in logged) / len(logged)
    assert ips(logged, target).value == pytest.approx(mean)
    assert snips(logged, target).value == pytest.approx(mean)
    assert ips(logged, target).effective_n == pytest.approx(len(logged))


def test_a_logged_action_with_no_probability_is_refused() -> None:
    logged = [Logged(ACTIONS, (1.0, 0.0, 0.0), 1, 3.0)]
    with pytest.raises(ValueError, match="probability"):
        ips(logged, [[0.0, 1.0, 0.0]])
