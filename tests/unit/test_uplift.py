"""The uplift simulator: each incentive moves the shoppers it answers, at a price."""

from __future__ import annotations

import statistics

import pytest

from nudges.learning.uplift import NO_FACTS, StoreFacts, UpliftParameters, expected, generate, is_gaming, observe

SHOPPERS = generate(20_000, seed=11)


def _first(reason: str):
    return next(s for s in SHOPPERS if s.primary == reason and s.secondary is None and not is_gaming(s))


def _lift(shopper, incentive: str, cost: float = 0.0, pct: float = 0.0, facts: StoreFacts = NO_FACTS) -> float:
    return expected(shopper, False, incentive, cost, pct, facts).p_buy - expected(shopper, False, "none", 0.0).p_buy


def test_each_incentive_moves_the_shoppers_whose_reason_it_answers_most() -> None:
    price, trust, speed = _first("price"), _first("trust"), _first("shipping_speed")
    coupon = lambda s: _lift(s, "coupon", s.cart * 0.1, 10)  # noqa: E731
    assert coupon(price) > coupon(trust) and coupon(price) > coupon(speed)
    assert _lift(trust, "reviews") > _lift(price, "reviews")
    assert _lift(trust, "return_guarantee") > _lift(speed, "return_guarantee")
    express = lambda s: _lift(s, "free_express_shipping", 49.0)  # noqa: E731
    assert express(speed) > express(price) and express(speed) > express(trust)


def test_a_coupon_shown_to_a_premium_brands_shopper_costs_brand_value_even_without_a_sale() -> None:
    shopper = _first("trust")
    mass = StoreFacts(premium=False, free_shipping_threshold=None, free_returns=True, ships_next_day=True)
    premium = mass._replace(premium=True)
    cost = shopper.cart * 0.1
    gap = expected(shopper, False, "coupon", cost, 10, mass).net - expected(shopper, False, "coupon", cost, 10, premium).net
    assert gap == pytest.approx(UpliftParameters().premium_coupon_brand_cost * shopper.cart)


def test_purchases_pushed_by_pressure_are_refunded_more_often() -> None:
    shopper = _first("indecision")
    calm = expected(shopper, False, "saved_cart", 0.0)
    pressed = expected(shopper, False, "low_stock", 0.0)
    nothing = expected(shopper, False, "none", 0.0)
    assert nothing.p_refund == UpliftParameters().base_refund
    assert pressed.p_refund > calm.p_refund >= nothing.p_refund


def test_about_a_third_of_shoppers_abandon_for_coupons_nearly_half_of_those_under_35() -> None:
    young = [s.gamer for s in SHOPPERS if s.under_35]
    assert 0.30 <= statistics.mean(s.gamer for s in SHOPPERS) <= 0.36
    assert 0.43 <= statistics.mean(young) <= 0.51


def test_a_shopper_who_learnt_to_wait_for_a_coupon_buys_less_without_one() -> None:
    shopper = _first("price")
    assert expected(shopper, False, "none", 0.0, waiting=True).p_buy < expected(shopper, False, "none", 0.0).p_buy


def test_what_a_policy_sees_is_the_true_reason_about_as_often_as_the_reason_model_is_right() -> None:
    right = statistics.mean(observe(s, is_gaming(s)).top_reason == ("price" if is_gaming(s) else s.primary)
                            for s in SHOPPERS[:5000])
    assert 0.65 <= right <= 0.78
    assert [s.cart for s in generate(50, seed=2)] == [s.cart for s in generate(50, seed=2)]
