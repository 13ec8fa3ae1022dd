"""Features read the signals the reasons need; the rule prior points where the seed says."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorer.events import REASONS
from scorer.features import FEATURES, extract_features
from scorer.rules import RULES, evidence, rule_prior
from tests.unit.scorer_helpers import event, session
from scorer.session import apply


def test_every_feature_is_always_present_and_finite():
    x = extract_features(session("a", "page_view"))
    assert tuple(x) == FEATURES
    assert all(math.isfinite(v) for v in x.values())


@pytest.mark.parametrize(
    ("signals", "reason"),
    [
        (["shipping_info_open"] * 3, "shipping_speed"),
        (["review_view"] * 3 + ["return_policy_view"], "trust"),
        (["price_filter", "price_sort", "coupon_focus"], "price"),
        (["installment_view", "coupon_focus"], "price"),
        (["cart_to_product"] * 3, "indecision"),
        (["checkout_step_enter", "form_error", "form_error", "checkout_step_leave"], "checkout_friction"),
        (["page_view"], "indecision"),  # no clear blocker
    ],
)
def test_the_seeds_signals_point_the_prior_to_their_reason(signals, reason):
    prior = rule_prior(extract_features(session("a", "page_view", *signals)))
    assert max(prior, key=prior.get) == reason


def test_removing_the_dearest_item_reads_as_price_and_says_so():
    state = None
    for i, (kind, price) in enumerate([("cart_add", 30.0), ("cart_add", 250.0), ("cart_remove", 250.0)]):
        state = apply(state, event("a", i, kind, 1000 * (i + 1), price=price, product_id=f"p{price:.0f}"))
    x = extract_features(state)
    assert x["removed_dearest"] == 1.0
    assert "Removed the most expensive item from the cart" in evidence(x, "price")
    cheap = apply(state, event("a", 9, "cart_add", 9000, price=900.0, product_id="p900"))
    assert extract_features(cheap)["removed_dearest"] == 0.0


def test_a_cart_no_page_showed_is_worth_what_the_session_put_in_it():
    """An add on a product page (no cart page seen yet) is a cart that is not empty."""
    state = None
    for i, (kind, price) in enumerate([("cart_add", 30.0), ("cart_add", 250.0), ("cart_remove", 30.0)]):
        state = apply(state, event("a", i, kind, 1000 * (i + 1), price=price, product_id=f"p{price:.0f}"))
    x = extract_features(state)
    assert (x["cart_value"], x["cart_value_change"]) == (250.0, 0.0)
    # Once a page shows the cart, its word wins.
    shown = apply(state, event("a", 9, "cart_view", 9000, cart_value=199.0))
    assert extract_features(shown)["cart_value"] == 199.0


def test_review_rereads_and_depth():
    state = None
    for i, (pid, depth) in enumerate([("p1", 0.2), ("p1", 0.9), ("p1", 0.5), ("p2", 0.1)]):
        state = apply(state, event("a", i, "review_view", 1000 * i, product_id=pid, depth=depth))
    x = extract_features(state)
    assert (x["review_views"], x["review_rereads"], x["review_depth_max"]) == (4.0, 2.0, 0.9)
    # Strongest first: 4 x 0.4 (views), 2 x 0.6 (rereads), 0.9 x 1.0 (depth).
    assert evidence(x, "trust") == [
        "Viewed reviews 4 times",
        "Went back to the same reviews twice",
        "Scrolled 90% down the reviews",
    ]


def test_labels_outcomes_and_our_overlay_are_not_features():
    before = extract_features(session("a", "page_view", "coupon_focus"))
    after = extract_features(
        session("a", "page_view", "coupon_focus", "overlay_impression", "survey_answer", "purchase")
    )
    changed = {k for k in FEATURES if before[k] != after[k]}
    # Only time moved on (the later events are newer); nothing reads the label or the outcome.
    assert changed <= {"duration_s", "since_price_s", "since_cart_s", "since_checkout_s",
                       "since_trust_s", "since_shipping_s"}  # fmt: skip


def test_store_context_comes_from_props():
    x = extract_features(
        session("a", "page_view", props={"stock": "low", "brand_tier": "premium", "price_index": 1.8})
    )
    assert (x["stock_low"], x["brand_premium"], x["price_level"]) == (1.0, 1.0, 1.8)
    assert extract_features(session("b", "page_view"))["stock_low"] == 0.0


def test_back_and_forth_and_exit_after_cart_dwell():
    state = None
    steps = [("page_view", "product"), ("cart_view", None), ("page_view", "product"),
             ("cart_view", None), ("cart_dwell", None), ("exit_intent", None)]  # fmt: skip
    for i, (kind, page) in enumerate(steps):
        state = apply(state, event("a", i, kind, 1000 * i, page_type=page))
    x = extract_features(state)
    assert x["back_and_forth_recent"] == 3.0
    assert x["exit_after_cart_dwell"] == 1.0 and x["last_is_exit_intent"] == 1.0


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(FEATURES), st.floats(0, 1e6), max_size=len(FEATURES)))
def test_the_prior_is_a_distribution_over_the_reasons(values):
    prior = rule_prior(dict.fromkeys(FEATURES, 0.0) | values)
    assert tuple(prior) == REASONS
    assert math.isclose(sum(prior.values()), 1.0)
    assert all(0.0 <= p <= 1.0 for p in prior.values())


def test_every_rule_reads_a_real_feature_and_a_real_reason():
    assert {rule.feature for rule in RULES} <= set(FEATURES)
    assert {rule.reason for rule in RULES} == set(REASONS)
