"""The coupon-waiting charge: what one coupon costs the same visitor's later sessions, from a log."""

from __future__ import annotations

import random

import pytest

from nudges.learning.bandit import Action, LearningPolicy, PolicyContext, Visit
from nudges.learning.coupon_waiting import HORIZON_MS, CouponWaiting, FirstChoices

DAY = 86_400_000


class Waiting:
    """The charge and the visitors' first coupon choices, learnt together as one process does."""

    def __init__(self, min_later: int) -> None:
        self.charge, self.choices = CouponWaiting(min_later=min_later), FirstChoices()

    def learn_one(self, visitor: str, at_ms: int, coupon_allowed: bool, coupon_probability: float,
                  shown_coupon: bool, reward: float, cart: float) -> None:
        verdict = self.choices.judge(visitor, at_ms, coupon_allowed, coupon_probability, shown_coupon)
        self.charge.learn_one(verdict, reward, cart)

    def predict_one(self) -> float:
        return self.charge.predict_one()


def _log(waiting: Waiting, visitors: int, coupon_p, later_rate, seed: int = 7) -> None:
    """Each visitor: a first decision where a coupon is allowed (shown with ``coupon_p(kind)``),
    then one later session worth ``later_rate(kind, shown)`` of its 100 cart."""
    rng = random.Random(seed)
    for v in range(visitors):
        kind = v % 2
        p = coupon_p(kind)
        shown = rng.random() < p
        waiting.learn_one(f"v{v}", 0, True, p, shown, reward=0.0, cart=100.0)
        waiting.learn_one(f"v{v}", 3 * DAY, True, 0.0, False, reward=100.0 * later_rate(kind, shown), cart=100.0)


def test_a_coupon_is_charged_what_the_visitors_shown_one_lose_later() -> None:
    waiting = Waiting(min_later=100)
    # Randomised at ⅓, like the fixed arms: later, coupon receivers keep 10 % of the cart, others 15 %.
    _log(waiting, 6000, lambda kind: 1 / 3, lambda kind, shown: 0.10 if shown else 0.15)
    assert waiting.predict_one() == pytest.approx(5.0, abs=0.01)  # 0.05 of the next 100 cart


def test_who_was_shown_a_coupon_more_often_does_not_pass_for_the_coupons_cost() -> None:
    # The logging policy showed coupons mostly to visitors who earn less later anyway (kind 1)
    # while the coupon itself changes nothing: weighted by the logged chance, the charge is ~0.
    waiting = Waiting(min_later=100)
    _log(waiting, 20_000, lambda kind: 0.9 if kind else 0.1, lambda kind, shown: 0.05 if kind else 0.20)
    assert waiting.predict_one() < 0.5
    naive = Waiting(min_later=100)  # the same log, as if every coupon had been a coin flip
    rng = random.Random(7)
    for v in range(20_000):
        kind = v % 2
        shown = rng.random() < (0.9 if kind else 0.1)
        naive.learn_one(f"v{v}", 0, True, 0.5, shown, 0.0, 100.0)
        naive.learn_one(f"v{v}", 3 * DAY, True, 0.0, False, 100.0 * (0.05 if kind else 0.20), 100.0)
    assert naive.predict_one() > 5.0


def test_only_later_sessions_within_the_horizon_after_a_coupon_choice_count() -> None:
    waiting = Waiting(min_later=1)
    waiting.learn_one("early", 0, False, 0.0, False, 50.0, 100.0)  # no coupon allowed: no group yet
    waiting.learn_one("a", 0, True, 0.5, True, 0.0, 100.0)
    waiting.learn_one("b", 0, True, 0.5, False, 0.0, 100.0)
    assert waiting.predict_one() == 0.0  # neither group has a later session yet
    waiting.learn_one("a", DAY, True, 0.0, False, 5.0, 100.0)
    waiting.learn_one("b", DAY, True, 0.5, False, 25.0, 100.0)
    waiting.learn_one("early", DAY, True, 0.5, False, 99.0, 100.0)  # its first coupon choice: not a later one
    # 20 % of the later cart lost; 2 × 100 of later cart (weight 2 each) per 3 first choices of weight 2
    assert waiting.predict_one() == pytest.approx(0.20 * 400 / 6)
    assert CouponWaiting.from_dict(waiting.charge.to_dict()) == waiting.charge
    waiting.learn_one("a", HORIZON_MS + DAY, True, 0.5, True, 0.0, 100.0)  # past a's horizon: counts for nothing ...
    assert waiting.predict_one() == pytest.approx(0.20 * 400 / 8)  # ... but as a new first choice
    assert set(waiting.choices.first) == {"early", "a"} and waiting.choices.first["a"].at_ms == HORIZON_MS + DAY


def test_the_learning_policy_stops_preferring_a_coupon_once_coupons_are_seen_to_cost_later_visits() -> None:
    ctx = PolicyContext({"price": 0.8, "trust": 0.2}, 0.8, 0.7, 500.0, "standard", None, 0, "mobile", "social", True)
    actions = [Action("coupon", "price", 50.0), Action("reviews", "trust", 0.0)]
    policy = LearningPolicy(epsilon=0.0, seed=3)
    policy.waiting = CouponWaiting(min_later=50)
    rng = random.Random(5)
    for v in range(600):
        shown = v % 2 == 0
        # The coupon's own reward is higher (50 vs 40 TRY) ...
        policy.learn(ctx, actions, 0 if shown else 1, 0.5, 50.0 if shown else 40.0, Visit(f"v{v}", 0, 0.5))
    assert policy.choose(ctx, actions).index == 0
    for v in range(600):
        # ... but the visitors shown one earn 30 TRY less of their next 500 TRY cart.
        later = (10.0 if v % 2 == 0 else 40.0) + rng.uniform(-1, 1)
        policy.learn(ctx._replace(coupon_eligible=v % 2 == 1), actions[1:], 0, 1.0, later,
                     Visit(f"v{v}", 2 * DAY, 0.0))
    assert policy.waiting.predict_one() == pytest.approx(30.0, abs=1.0)
    assert policy.choose(ctx, actions).index == 1
    again = LearningPolicy.from_bytes(policy.to_bytes())
    assert again.waiting == policy.waiting and again.choose(ctx, actions).index == 1
    assert not again.first_choices.first  # the visitors' first choices are not in the saved model


def test_the_simulations_warm_start_is_last_months_other_visitors() -> None:
    from nudges.learning.simulation import make_policy
    from nudges.learning.uplift import START_MS

    learning = make_policy("learning", seed=2, warm_start=400)
    first = learning.policy.first_choices.first
    assert first, "the fixed arms' log has coupon choices"
    assert all(int(v.removeprefix("v-")) >= 10_000_000 and f.at_ms < START_MS for v, f in first.items())


def test_one_visitors_thousand_sessions_count_as_twenty() -> None:
    def charge(sessions: int) -> float:
        waiting = Waiting(min_later=100)
        _log(waiting, 6000, lambda kind: 1 / 3, lambda kind, shown: 0.10 if shown else 0.15)
        waiting.learn_one("bot", 0, True, 1 / 3, True, 0.0, 100.0)
        for i in range(sessions):  # later sessions with big carts and no purchase
            waiting.learn_one("bot", DAY + i, True, 0.0, False, 0.0, 5000.0)
        return waiting.predict_one()
    assert charge(1000) == charge(20) > charge(5)
