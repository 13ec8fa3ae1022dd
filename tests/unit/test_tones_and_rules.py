"""Brand tones and campaign rules: what a store owner writes changes what a shopper reads, and
mistakes are refused when the stores file loads, naming the field."""

from __future__ import annotations

import asyncio
import doctest
import importlib
import re
from datetime import UTC, datetime

import pytest
import yaml

from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.decision_trace import Trace
from nudges.guardrails import violations
from nudges.incentives import BY_REASON
from nudges.ledger import MemoryLedger
from nudges.scenarios import propose
from nudges.stores import StoreRegistry, StoresFileError
from nudges.tones import CHECKOUT_CTA, LIBRARY
from tests.unit.overlay_helpers import FACTS, FULL_POLICY, ctx, make_product, make_profile, make_store

JANUARY = int(datetime(2026, 1, 15, 12, tzinfo=UTC).timestamp() * 1000)
JULY = int(datetime(2026, 7, 15, 12, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize("name", ["nudges.tones", "nudges.campaign_rules", "nudges.campaign",
                                  "nudges.decision_trace", "nudges.cro_report", "stream.reason_history",
                                  "overlay_api.report_period"])
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


def _registry(store: dict) -> StoreRegistry:
    base = {"id": "shop", "write_key": "wk_shop_0001", "secret_key": "sk_shop_0001", "allowed_origins": [],
            "policy": dict(FULL_POLICY), "facts": dict(FACTS)}
    return StoreRegistry.from_yaml_text(yaml.safe_dump({"stores": [{**base, **store}]}))


def _error(store: dict) -> str:
    with pytest.raises(StoresFileError) as caught:
        _registry(store)
    return str(caught.value)


# --- tones ------------------------------------------------------------------------------------


def test_the_library_has_five_tones_each_with_examples_in_both_languages() -> None:
    assert set(LIBRARY) >= {"warm", "concise", "premium", "playful", "expert"}
    for name, tone in LIBRARY.items():
        assert tone.voice in ("formal", "friendly") and tone.description, name
        for locale, mark in (("tr", re.compile(r"[çğıöşüÇĞİÖŞÜ]")), ("en", re.compile(r"^[\x00-\x7f]+$"))):
            examples = tone.examples.get(locale, [])
            assert len(examples) >= 2, (name, locale)
            assert any(mark.search(e) for e in examples), (name, locale, examples)  # really that language
        assert set(tone.cta) == set(tone.dismiss) == {"tr", "en"}, name


@pytest.mark.parametrize("tone", sorted(LIBRARY))
@pytest.mark.parametrize("locale", ["en", "tr"])
@pytest.mark.parametrize("reason", sorted(BY_REASON))
def test_every_tone_writes_variants_that_pass_the_guardrails_and_sound_like_it(tone, locale, reason) -> None:
    store = make_store(tone=tone)
    c = ctx(store, make_product(stock=3), cart_value=400.0, locale=locale)
    variants = propose(make_profile(reason, 0.8), c)
    spec = LIBRARY[tone]
    for v in variants:
        assert violations(v, c, c.now_ms) == [], (v.variant, v.title, v.body, v.cta_label)
        assert v.dismiss_label == spec.dismiss[locale]
        if v.incentive in CHECKOUT_CTA:
            assert v.cta_label == spec.cta[locale]
        if spec.concise:
            assert len(re.findall(r"[.!?](\s|$)", v.body)) <= 1, v.body
        if spec.exclaim:
            assert v.title.endswith(("!", "?", ":", ".")), v.title
        if spec.voice == "formal":
            assert "!" not in v.title + v.body


def test_the_same_offer_reads_differently_per_tone() -> None:
    titles = {}
    for tone in ("warm", "premium", "playful"):
        c = ctx(make_store(tone=tone), make_product(), locale="en")
        v = propose(make_profile("trust", 0.9), c)[0]
        titles[tone] = (v.title, v.body, v.cta_label, v.dismiss_label)
    assert len(set(titles.values())) == 3, titles
    assert titles["playful"][0].endswith("!") and titles["premium"][3] == "Close"


def test_a_store_copies_a_tone_and_overrides_part_of_it() -> None:
    store = _registry({"tone": {"like": "premium", "cta": {"en": "Proceed"}}}).by_id("shop")
    c = ctx(store, make_product(), locale="en")
    v = propose(make_profile("trust", 0.9), c)[0]
    assert v.incentive in CHECKOUT_CTA and v.cta_label == "Proceed"
    assert v.dismiss_label == "Close"  # the rest is premium's
    tr = propose(make_profile("trust", 0.9), ctx(store, make_product(), locale="tr"))[0]
    assert tr.cta_label == LIBRARY["premium"].cta["tr"]


def test_unknown_tone_names_are_stores_file_errors_naming_the_field() -> None:
    assert _error({"tone": "loud"}).endswith(
        "$.stores[0].tone: unknown tone 'loud'; the library has: concise, expert, playful, premium, warm")
    assert "$.stores[0].tone.like: unknown tone 'shouty'" in _error({"tone": {"like": "shouty"}})
    assert "$.stores[0].tone.exclaim" in _error({"tone": {"like": "premium", "exclaim": True}})
    assert "$.stores[0].tone" in _error({"tone": {"cta": {"de": "Los"}}})  # only tr and en


# --- campaign rules: checked when the file loads ------------------------------------------------


@pytest.mark.parametrize(("rule", "expected"), [
    ({"name": "r", "when": "cart_value >"}, "$.stores[0].rules[0].when: syntax error"),
    ({"name": "r", "when": "categry == 'coats'"}, "$.stores[0].rules[0].when: unknown field 'categry'"),
    ({"name": "r", "when": "category > 3"}, "$.stores[0].rules[0].when: data type mismatch"),
    ({"name": "r", "when": "true", "allow": ["teleport"]}, "$.stores[0].rules[0].allow[0]: unknown incentive 'teleport'"),
    ({"name": "r", "when": "true", "allow": ["premium_story"]},
     "$.stores[0].rules[0].allow[0]: 'premium_story' is not allowed by the store's policy"),
    ({"name": "r", "when": "true", "tone": "loud"}, "$.stores[0].rules[0].tone: unknown tone 'loud'"),
    ({"name": "r", "when": "true", "aggressiveness": "wild"}, "$.stores[0].rules[0].aggressiveness"),
])
def test_a_bad_rule_stops_the_load_naming_the_rule_and_field(rule, expected) -> None:
    assert expected in _error({"rules": [rule]})


def test_two_rules_with_one_name_are_refused() -> None:
    rules = [{"name": "a", "when": "true"}, {"name": "a", "when": "false"}]
    assert "$.stores[0].rules[1].name: two rules are named 'a'" in _error({"rules": rules})


# --- campaign rules: applied inside decide() ----------------------------------------------------


def _decide(store, profile, product=None, now_ms=JANUARY, locale="en"):
    catalogue = Catalogue.from_products("shop", [product]) if product else Catalogue()
    moment = Moment(session_id=profile.session_id, visitor_id=None, trigger="exit_intent", locale=locale,
                    product_id=product["id"] if product else None, now_ms=now_ms)
    trace = Trace(store_id=store.id, session_id=profile.session_id, at=now_ms)
    decision = asyncio.run(decide(store, profile, moment, MemoryLedger(), catalogue, trace=trace))
    return decision, trace


COAT = {"id": "coat-1", "name": "Wool Coat", "price": 2000, "cost": 900, "stock": 40, "category": "coats"}


def _all_shown(store, profile, product, now_ms):
    """The three variants of the decision (whatever the session's arm)."""
    _, trace = _decide(store, profile, product, now_ms)
    return [v.incentive for v in trace.variants], trace


def test_category_in_season_narrows_the_incentives_only_when_both_hold() -> None:
    store = _registry({"rules": [{"name": "winter-coats", "when": 'category == "coats" and season == "winter"',
                                  "allow": ["free_express_shipping", "delivery_date"]}]}).by_id("shop")
    profile = make_profile("shipping_speed", 0.9, cart_value=2000.0)
    winter, trace = _all_shown(store, profile, COAT, JANUARY)
    assert set(winter) <= {"free_express_shipping", "delivery_date", "survey"}
    assert "free_express_shipping" in winter and "delivery_promise" not in winter
    assert [(r.name, r.matched) for r in trace.rules] == [("winter-coats", True)]
    assert trace.facts["season"] == "winter" and trace.facts["category"] == "coats"
    status = {line.incentive: line.status for line in trace.incentives}
    assert status["delivery_promise"] == "removed by campaign rule 'winter-coats'"
    summer, trace = _all_shown(store, profile, COAT, JULY)
    assert summer[0] == "delivery_promise" and trace.rules[0].matched is False


def test_stock_above_n_with_unknown_stock_does_not_match_and_says_why() -> None:
    store = _registry({"rules": [{"name": "overstock", "when": "stock > 100", "aggressiveness": "bold"}]}).by_id("shop")
    _, trace = _decide(store, make_profile("price", 0.9), None)
    assert trace.rules[0].matched is False and "stock" in (trace.rules[0].note or "")


def test_cart_value_between_a_and_b_sets_the_aggressiveness() -> None:
    rule = {"name": "mid-carts", "when": "cart_value >= 300 and cart_value <= 1000", "aggressiveness": "bold"}
    plain = _registry({}).by_id("shop")
    bold = _registry({"rules": [rule]}).by_id("shop")
    product = {**COAT, "id": "bag", "category": "bags", "price": 400, "cost": 200}
    profile = make_profile("price", 0.9, cart_value=400.0)
    _, calm = _decide(plain, profile, product)
    _, brave = _decide(bold, profile, product)
    coupon = lambda t: next(v.title for v in t.variants if v.incentive == "coupon")  # noqa: E731
    # 50 % margin, 25 % floor: room for 33 % capped at the policy's 15; half of it normally, all when bold.
    assert "7%" in coupon(calm) and "15%" in coupon(brave)
    assert brave.boldness == 1 and brave.effects == ["mid-carts: aggressiveness bold"]
    _, big = _decide(bold, make_profile("price", 0.9, cart_value=1500.0), product)
    assert big.rules[0].matched is False


def test_reason_is_price_can_forbid_the_coupon_and_change_the_tone() -> None:
    rule = {"name": "no-discounts", "when": "reason == 'price'", "deny": ["coupon"], "tone": "premium"}
    store = _registry({"rules": [rule]}).by_id("shop")
    product = {**COAT, "price": 400, "cost": 200}
    _, trace = _decide(store, make_profile("price", 0.9), product)
    assert "coupon" not in [v.incentive for v in trace.variants]
    assert {l.incentive: l.status for l in trace.incentives}["coupon"] == "removed by campaign rule 'no-discounts'"
    assert trace.tone == "premium"
    decision, _ = _decide(store, make_profile("price", 0.9), product)
    assert decision is not None and decision.event.props["rules"] == "no-discounts"
    _, other = _decide(store, make_profile("trust", 0.9), product)
    assert other.rules[0].matched is False and other.tone != "premium"


def test_the_trace_explains_a_gate_and_the_arm() -> None:
    store = _registry({}).by_id("shop")
    _, low = _decide(store, make_profile("trust", 0.2))
    assert low.outcome == "nothing" and "below the experiment's min_confidence" in low.gates[0]
    decision, trace = _decide(store, make_profile("trust", 0.9))
    assert trace.arm == decision.arm.name and trace.arm_why.endswith(decision.arm.name + (
        " (sees nothing)" if decision.arm.name == "holdout" else ""))
    assert trace.outcome == ("holdout" if decision.arm.name == "holdout" else "shown")
    assert len(trace.variants) == 3
