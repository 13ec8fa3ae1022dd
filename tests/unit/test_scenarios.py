"""The scenario engine: exactly three ranked variants, every one within the guardrails."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.ledger import MemoryLedger

from nudges.copy_templates import TEMPLATES, write
from nudges.guardrails import ReviewsBlock, violations
from nudges.incentives import build_offer
from nudges.scenarios import FOCUS_FROM, propose, variant_for
from nudges.stores import INCENTIVE_TYPES
from scorer.events import REASONS
from scorer.profile import NO_EVIDENCE
from tests.unit.overlay_helpers import FULL_POLICY, ctx, make_product, make_profile, make_store

reasons_st = st.lists(st.floats(0.01, 1.0), min_size=5, max_size=5).map(
    lambda w: {r: x / sum(w) for r, x in zip(REASONS, w)}
)


@settings(max_examples=150, deadline=None)
@given(
    reasons=reasons_st,
    tier=st.sampled_from(["premium", "standard", "value"]),
    voice=st.sampled_from(["formal", "friendly"]),
    locale=st.sampled_from(["en", "tr"]),
    allowed=st.sets(st.sampled_from([i for i in INCENTIVE_TYPES if i != "survey"])),
    stock=st.one_of(st.none(), st.integers(0, 500)),
    cart=st.floats(0, 5000),
    with_product=st.booleans(),
)
def test_any_profile_gets_exactly_three_ranked_variants_that_pass_the_guardrails(
    reasons, tier, voice, locale, allowed, stock, cart, with_product
) -> None:
    if tier == "premium":
        allowed.discard("coupon")
    allowed |= {"installments", "price_lock"} & allowed
    store = make_store(brand_tier=tier, voice=voice, policy={
        "allowed_incentives": sorted(allowed), "max_coupon_pct": 20, "free_shipping_threshold": 500,
        "installments": {"max_months": 6}, "price_lock_allowed": True, "margin_floor_pct": 20,
    })
    product = make_product(stock=stock if stock is not None else 50) if with_product else None
    top = max(reasons, key=reasons.get)
    profile = make_profile(top, reasons[top], cart_value=cart)
    profile = type(profile)(**{**{f: getattr(profile, f) for f in profile.__struct_fields__}, "reasons": reasons})
    c = ctx(store, product, cart_value=cart, locale=locale)
    variants = propose(profile, c)
    assert [v.rank for v in variants] == [1, 2, 3]
    for v in variants:
        assert v.locale == locale
        assert violations(v, c, c.now_ms) == [], (v.variant, v.title, v.body)
        assert v.incentive == "survey" or v.incentive in allowed
        if tier == "premium":
            assert v.incentive != "coupon"
    real = [v.incentive for v in variants if v.incentive != "survey"]
    assert len(real) == len(set(real))
    # A confident profile is answered on its reason alone; only an uncertain one hedges.
    focused = profile.confidence >= FOCUS_FROM
    assert {v.mode for v in variants} == {"focused" if focused else "hedged"}
    if focused:
        assert {v.reason for v in variants if v.incentive != "survey"} <= {top}


@pytest.mark.parametrize(("reason", "ways"), [
    ("shipping_speed", ["delivery_promise", "free_express_shipping", "delivery_date"]),
    ("trust", ["reviews", "return_guarantee", "warranty"]),
    ("price", ["installments", "coupon", "price_lock"]),
    ("checkout_friction", ["guest_checkout", "help", "saved_cart"]),
])  # fmt: skip
def test_a_confident_reason_is_answered_three_different_ways(reason, ways) -> None:
    variants = propose(make_profile(reason, confidence=0.85), ctx(product=make_product(), cart_value=420.0))
    assert [v.incentive for v in variants] == ways
    assert {v.reason for v in variants} == {reason} and {v.mode for v in variants} == {"focused"}
    assert len({v.title for v in variants}) == 3


def test_a_trust_shopper_is_never_sold_speed_and_a_speed_shopper_no_free_shipping_threshold() -> None:
    # The complaint in issue 18: a trust shopper at 0.98 saw "ships tomorrow"; a speed
    # shopper "add 110 for free shipping".
    trust = propose(make_profile("trust", confidence=0.98), ctx(product=make_product(), cart_value=390.0))
    assert not {"delivery_promise", "free_express_shipping", "delivery_date"} & {v.incentive for v in trust}
    speed = propose(make_profile("shipping_speed", confidence=0.9), ctx(product=make_product(), cart_value=390.0))
    assert "free_shipping_threshold" not in {v.incentive for v in speed}


def test_an_uncertain_profile_hedges_across_reasons() -> None:
    profile = make_profile("shipping_speed", confidence=0.4)
    reasons = dict(profile.reasons) | {"trust": 0.35, "price": 0.1, "indecision": 0.1, "checkout_friction": 0.05}
    profile = msgspec.structs.replace(profile, reasons=reasons)
    variants = propose(profile, ctx(product=make_product(), cart_value=420.0))
    assert {v.mode for v in variants} == {"hedged"}
    assert {v.reason for v in variants} >= {"shipping_speed", "trust"}


def test_no_overlay_for_an_empty_cart_or_no_evidence_unless_the_store_asks() -> None:
    moment = Moment(session_id="s-test-0001", visitor_id=None, trigger="exit_intent", locale="en",
                    product_id=None, now_ms=1_000)  # fmt: skip

    def decision(profile, **policy):
        store = make_store(policy=dict(FULL_POLICY) | policy)
        return asyncio.run(decide(store, profile, moment, MemoryLedger(), Catalogue()))

    confident = make_profile("trust", confidence=0.9)
    shown = decision(confident)
    assert shown is not None and shown.event.props["mode"] == "focused"
    empty = msgspec.structs.replace(confident, cart_value=0.0)
    blank = msgspec.structs.replace(confident, evidence=[NO_EVIDENCE])
    assert decision(empty) is None and decision(blank) is None
    assert decision(empty, overlay_empty_cart=True) is not None
    assert decision(blank, overlay_without_evidence=True) is not None


def test_trust_hesitation_shows_the_products_own_reviews() -> None:
    variants = propose(make_profile("trust"), ctx(product=make_product(), locale="tr"))
    top = variants[0]
    assert top.incentive == "reviews"
    block = next(b for b in top.blocks if isinstance(b, ReviewsBlock))
    assert [r.text for r in block.items] == ["Çok güzel bir çanta.", "Sağlam ve geniş."]


def test_low_confidence_variants_ask_the_survey() -> None:
    variants = propose(make_profile("indecision", confidence=0.3), ctx(product=make_product()))
    assert all(any(b.__class__.__name__ == "SurveyBlock" for b in v.blocks) for v in variants)


def test_a_real_price_lock_carries_a_countdown_that_matches_it() -> None:
    c = ctx(product=make_product())
    offer = build_offer("price_lock", c)
    variants = propose(make_profile("indecision", 0.9), c)
    lock = next(v for v in variants if v.incentive == "price_lock")
    countdown = next(b for b in lock.blocks if b.__class__.__name__ == "CountdownBlock")
    assert countdown.ends_at == offer.lock_ends_at == c.now_ms + 24 * 3_600_000


def test_every_template_in_every_voice_and_locale_passes_the_guardrails() -> None:
    c_full = {
        "en": ctx(product=make_product(stock=3), cart_value=420.0, locale="en"),
        "tr": ctx(product=make_product(stock=3), cart_value=420.0, locale="tr"),
    }
    store = make_store(brand_tier="premium", policy={"allowed_incentives": ["premium_story"]})
    for incentive in TEMPLATES:
        for (locale, voice), _ in TEMPLATES[incentive].items():
            c = c_full[locale]
            if incentive == "premium_story":
                c = ctx(store, make_product(), locale=locale)
            elif incentive == "coupon":  # no discount on low stock
                c = ctx(product=make_product(stock=50), cart_value=420.0, locale=locale)
            c = ctx(make_store(voice=voice, brand_tier=c.store.brand_tier, policy=c.store.policy,
                               facts=c.store.facts), c.product, c.cart_value, locale, c.now_ms)
            offer = build_offer(incentive, c)
            assert offer is not None, incentive
            copy = write(offer, locale, voice, "TRY")
            assert copy.title and copy.body, (incentive, locale, voice)
            v = variant_for(offer, 1, c, ask=False)
            assert violations(v, c, c.now_ms) == [], (incentive, locale, voice, v.title, v.body)
