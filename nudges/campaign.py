"""A store's campaign rules applied to one decision: the facts they see and what they change.

Why the rules change the *context* and nothing else: the scenario engine and the
guardrails already read the policy, the boldness and the tone from the context, so a
rule that narrows the incentives, sets the aggressiveness or the tone moves the same
levers a store owner moves in the stores file, and every guardrail still applies
(a rule can never allow what the policy forbids; the stores file checks that).

>>> import msgspec
>>> from nudges.stores import Store
>>> from scorer.profile import AbandonmentProfile
>>> store = msgspec.convert({"id": "shop", "write_key": "wk_shop_0001", "secret_key": "sk_shop_0001",
...     "allowed_origins": [], "rules": [{"name": "big", "when": "cart_value > 1000",
...     "deny": ["reviews"], "aggressiveness": "protective", "tone": "premium"}]}, Store)
>>> profile = AbandonmentProfile(store_id="shop", session_id="s-1", visitor_id="v-1", at=0,
...     reasons={"trust": 1.0}, top_reason="trust", confidence=0.9, risk=0.7, evidence=[],
...     cart_value=1500.0, device="mobile", events_seen=4, model_version="m")
>>> applied = apply_rules(profile, Context(store, None, 1500.0, 0), "exit_intent")
>>> applied.matched, "reviews" in applied.ctx.store.policy.allowed_incentives, applied.ctx.boldness
(['big'], False, -1)
>>> applied.ctx.store.tone_in_force.voice, applied.effects
('formal', ['big: deny reviews', 'big: aggressiveness protective', 'big: tone premium'])
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import msgspec

from nudges.campaign_rules import BOLDNESS, RuleResult, evaluate, season_of
from nudges.incentives import Context
from scorer.profile import AbandonmentProfile


def facts_for(profile: AbandonmentProfile, ctx: Context, trigger: str) -> dict[str, object]:
    """The values a rule's symbols take for this decision (see ``SYMBOLS``)."""
    now = datetime.fromtimestamp(ctx.now_ms / 1000, UTC)
    product = ctx.product
    return {
        "reason": profile.top_reason,
        "confidence": float(profile.confidence),
        "risk": float(profile.risk),
        "cart_value": float(ctx.cart_value),
        "category": (product.category or "") if product is not None else "",
        "product_id": product.id if product is not None else "",
        "price": float(product.price) if product is not None else None,
        "stock": float(product.stock) if product is not None and product.stock is not None else None,
        "stock_level": ctx.stock_level or "unknown",
        "season": season_of(now.month),
        "month": float(now.month),
        "hour": float(now.hour),
        "special_days": tuple(day.name for day in ctx.store.calendar if day.covers(now.date())),
        "trigger": trigger,
        "locale": ctx.locale,
        "device": profile.device or "",
        "brand_tier": ctx.store.brand_tier,
    }


class Applied(NamedTuple):
    """The context the scenario engine sees after the rules, and how each rule fared."""

    ctx: Context
    facts: dict[str, object]
    results: list[RuleResult]
    #: One line per change a matching rule made ("winter-coats: allow reviews, warranty").
    effects: list[str]
    #: Per incentive a rule removed, the first rule that removed it.
    blocked_by: dict[str, str]

    @property
    def matched(self) -> list[str]:
        return [r.name for r in self.results if r.matched]


def apply_rules(profile: AbandonmentProfile, ctx: Context, trigger: str) -> Applied:
    """Evaluate the store's rules in order and narrow the context by those that match."""
    store = ctx.store
    facts = facts_for(profile, ctx, trigger)
    results: list[RuleResult] = []
    effects: list[str] = []
    allowed = list(store.policy.allowed_incentives)
    blocked_by: dict[str, str] = {}
    boldness: int | None = None
    tone = None
    for i, rule in enumerate(store.rules):
        result = evaluate(rule, f"$.rules[{i}].when", facts)
        results.append(result)
        if not result.matched:
            continue
        if rule.allow:
            dropped = [a for a in allowed if a not in rule.allow]
            allowed = [a for a in allowed if a in rule.allow]
            effects.append(f"{rule.name}: allow {', '.join(rule.allow)}")
            for incentive in dropped:
                blocked_by.setdefault(incentive, rule.name)
        if rule.deny:
            for incentive in rule.deny:
                if incentive in allowed:
                    blocked_by.setdefault(incentive, rule.name)
            allowed = [a for a in allowed if a not in rule.deny]
            effects.append(f"{rule.name}: deny {', '.join(rule.deny)}")
        if rule.aggressiveness is not None and boldness is None:
            boldness = BOLDNESS[rule.aggressiveness]
            effects.append(f"{rule.name}: aggressiveness {rule.aggressiveness}")
        if rule.tone is not None and tone is None:
            tone = rule.tone
            effects.append(f"{rule.name}: tone {rule.tone if isinstance(rule.tone, str) else rule.tone.like or 'custom'}")
    if effects:
        policy = msgspec.structs.replace(store.policy, allowed_incentives=allowed)
        store = msgspec.structs.replace(store, policy=policy, tone=tone if tone is not None else store.tone)
        ctx = Context(
            store=store, product=ctx.product, cart_value=ctx.cart_value, now_ms=ctx.now_ms, locale=ctx.locale,
            coupon_eligible=ctx.coupon_eligible, boldness_override=boldness,
        )
    return Applied(ctx, facts, results, effects, blocked_by)
