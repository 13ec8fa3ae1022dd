"""The scenario engine: exactly three ranked variants, every one within the guardrails."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nudges.copy_templates import TEMPLATES, write
from nudges.guardrails import ReviewsBlock, violations
from nudges.incentives import build_offer
from nudges.scenarios import propose, variant_for
from nudges.stores import INCENTIVE_TYPES
from scorer.events import REASONS
from tests.unit.overlay_helpers import ctx, make_product, make_profile, make_store

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


def test_shipping_hesitation_ranks_a_shipping_speed_nudge_first() -> None:
    variants = propose(make_profile("shipping_speed"), ctx(product=make_product()))
    assert variants[0].reason == "shipping_speed" and variants[0].incentive == "delivery_promise"
    assert {v.reason for v in variants[:2]} == {"shipping_speed"}


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
