"""Adversarial generator output never reaches a shopper: it is rejected and templates are used."""

from __future__ import annotations

import pytest

from nudges.guardrails import language_of
from nudges.llm_generator import parse_answer
from nudges.scenarios import Written, propose
from tests.unit.overlay_helpers import ctx, make_product, make_profile


def _top(profile, c, generated):
    return propose(profile, c, generated)


@pytest.mark.parametrize(
    ("incentive", "profile_reason", "written", "why"),
    [
        ("coupon", "price", Written("60% off everything", "Use it now.", "Shop", coupon_pct=60), "60 % coupon"),
        ("coupon", "price", Written("Here's 60% off", "Applied at checkout.", "Use it"), "60 % in text only"),
        ("delivery_promise", "shipping_speed",
         Written("Only 2 left, order before 15:00", "Ships tomorrow.", "Buy"), "fake scarcity"),
        ("delivery_promise", "shipping_speed",
         Written("<script>alert(1)</script>Order before 15:00", "Ships tomorrow.", "Buy"), "script tag"),
        ("delivery_promise", "shipping_speed",
         Written("Order before 15:00", "<b>Ships</b> tomorrow.", "Buy"), "html"),
        ("delivery_promise", "shipping_speed",
         Written("Saat 15:00 öncesi sipariş ver", "Yarın kargoda, hemen tamamla.", "Tamamla"), "wrong language"),
        ("delivery_promise", "shipping_speed",
         Written("Order before 17:00 and it ships tomorrow", "Ships tomorrow.", "Buy"), "wrong cutoff"),
        ("delivery_promise", "shipping_speed",
         Written("Order before 15:00", "Offer ends tonight, ships tomorrow.", "Buy"), "fake deadline"),
        ("delivery_promise", "shipping_speed",
         Written("Order before 15:00", "See https://evil.example for more.", "Buy"), "link"),
        ("delivery_promise", "shipping_speed", Written("x" * 200, "Ships tomorrow.", "Buy"), "too long"),
    ],
)
def test_bad_generated_copy_is_rejected_and_the_template_is_used(incentive, profile_reason, written, why) -> None:
    c = ctx(product=make_product(), cart_value=400.0, locale="en")
    profile = make_profile(profile_reason, 0.9)
    template = {v.incentive: v for v in propose(profile, c)}
    variants = {v.incentive: v for v in propose(profile, c, {incentive: written})}
    assert incentive in variants, why
    chosen = variants[incentive]
    assert chosen.source == "template", why
    assert (chosen.title, chosen.body) == (template[incentive].title, template[incentive].body)


def test_good_generated_copy_is_used() -> None:
    c = ctx(product=make_product(), locale="en")
    written = Written("Order before 15:00, on its way tomorrow", "We pack it the next working day.", "Finish up")
    top = propose(make_profile("shipping_speed", 0.9), c, {"delivery_promise": written})[0]
    assert top.source == "llm" and top.title == written.title


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        '{"reason": "price"}',  # missing scenarios
        '{"reason": "price", "scenarios": [{"incentive": "free_money", "title": "t", "body": "b"}]}',
        '{"reason": "price", "scenarios": [{"incentive": "coupon", "body": "b"}]}',  # no title
        '{"reason": "price", "scenarios": []}',
        '{"reason": "price", "scenarios": [{"incentive": "coupon", "title": "' + "x" * 300 + '", "body": "b"}]}',
    ],
)
def test_answers_that_break_the_schema_are_rejected_whole(content) -> None:
    with pytest.raises(ValueError):
        parse_answer(content)


def test_a_valid_answer_parses_into_copy_per_incentive() -> None:
    got = parse_answer('```json\n{"reason": "price", "scenarios": [{"incentive": "installments", '
                       '"title": "Split it in 6", "body": "Pay monthly.", "cta": "Go"}]}\n```')
    assert got == {"installments": Written("Split it in 6", "Pay monthly.", "Go", None)}


def test_language_heuristic() -> None:
    assert language_of("Sepetin seni bekliyor, hazır olduğunda dön") == "tr"
    assert language_of("Your cart is saved for you") == "en"
    assert language_of("12345") is None
