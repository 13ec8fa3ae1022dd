"""The rule prior: the seed's heuristics as a table, for cold start and as a feature.

Why rules at all: on day one a store has no survey answers, and an analyst needs a
reading that can be explained in a sentence. Each row of :data:`RULES` says "this
signal points to that reason": a reason's score is its bias plus, per row,
``weight * min(feature, cap)`` (the cap stops one frantic shopper from drowning the
rest), and the prior is the softmax of the scores. With no signal at all the
prior leans to ``indecision`` (the seed: "no clear blocker").

>>> from scorer.features import FEATURES
>>> quiet = dict.fromkeys(FEATURES, 0.0)
>>> max(rule_prior(quiet).items(), key=lambda kv: kv[1])[0]
'indecision'
>>> p = rule_prior(quiet | {"shipping_info_opens": 3.0})
>>> max(p, key=p.get), round(sum(p.values()), 6)
('shipping_speed', 1.0)
>>> evidence(quiet | {"shipping_info_opens": 3.0})
['Opened shipping/delivery info 3 times']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final, NamedTuple

from scorer.events import REASONS, Reason


class Rule(NamedTuple):
    """One row of the prior: ``feature`` beyond zero points to ``reason``."""

    feature: str
    reason: Reason
    weight: float
    cap: float
    words: str  # {n}: the value; {times}: once, twice, n times; {pct}: as a percentage


RULES: Final[tuple[Rule, ...]] = (
    Rule("shipping_info_opens", "shipping_speed", 1.0, 4, "Opened shipping/delivery info {times}"),
    Rule("review_views", "trust", 0.4, 5, "Viewed reviews {times}"),
    Rule("review_rereads", "trust", 0.6, 4, "Went back to the same reviews {times}"),
    Rule("review_depth_max", "trust", 1.0, 1, "Scrolled {pct} down the reviews"),
    Rule("return_policy_views", "trust", 1.2, 3, "Opened the return policy {times}"),
    Rule("warranty_views", "trust", 0.8, 3, "Opened the warranty {times}"),
    Rule("price_filters", "price", 0.7, 3, "Filtered by price {times}"),
    Rule("price_sorts", "price", 0.7, 3, "Sorted by price {times}"),
    Rule("coupon_focuses", "price", 1.2, 3, "Clicked into the coupon field {times}"),
    Rule("installment_views", "price", 1.0, 3, "Looked at installment options {times}"),
    Rule("removed_dearest", "price", 1.5, 1, "Removed the most expensive item from the cart"),
    Rule("tab_switches", "price", 0.15, 6, "Switched tabs {times} (comparison shopping?)"),
    Rule("cart_dwell_s", "indecision", 0.015, 180, "Spent {n} s on the cart"),
    Rule("cart_to_product", "indecision", 0.7, 4, "Went back from the cart to a product {times}"),
    Rule(
        "back_and_forth_recent", "indecision", 0.3, 4, "Moved between product and cart {times}"
    ),
    Rule("checkout_back_steps", "checkout_friction", 0.6, 4, "Went back to a checkout step {times}"),
    Rule("form_errors", "checkout_friction", 1.0, 4, "Hit form errors at checkout {times}"),
    Rule("payment_failures", "checkout_friction", 1.5, 2, "Payment failed {times}"),
)

#: Score each reason starts from; indecision wins when nothing else fires.
BIAS: Final[dict[Reason, float]] = {
    "price": 0.0,
    "trust": 0.0,
    "shipping_speed": 0.0,
    "indecision": 0.5,
    "checkout_friction": 0.0,
}

#: Signals that say "about to leave" but point to no reason: evidence only.
CONTEXT: Final[tuple[tuple[str, str], ...]] = (
    ("exit_intents", "Showed exit intent {times}"),
    ("idle_s", "Idle for {n} s"),
)


def _contribution(rule: Rule, value: float) -> float:
    return rule.weight * min(value, rule.cap)


def rule_prior(features: Mapping[str, float]) -> dict[Reason, float]:
    """Probabilities per reason (in :data:`REASONS` order) that sum to 1."""
    scores = dict(BIAS)
    get = features.get
    for rule in RULES:
        # Most signals are 0 in most sessions, and a 0 adds nothing: skip them (hot path).
        value = get(rule.feature, 0.0)
        if value:
            scores[rule.reason] += _contribution(rule, value)
    top = max(scores.values())
    exp = {reason: math.exp(scores[reason] - top) for reason in REASONS}
    total = sum(exp.values())
    return {reason: exp[reason] / total for reason in REASONS}


def _words(template: str, value: float) -> str:
    n = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
    times = {1: "once", 2: "twice"}.get(int(value), f"{n} times") if value == int(value) else n
    return template.format(n=n, times=times, pct=f"{value:.0%}")


def evidence(features: Mapping[str, float], reason: Reason | None = None) -> list[str]:
    """The signals that fired, strongest first, in words; only ``reason``'s if given.

    Context signals (exit intent, idling) follow the reason's own signals.
    """
    fired = [
        (_contribution(rule, features[rule.feature]), rule)
        for rule in RULES
        if features.get(rule.feature, 0.0) > 0 and (reason is None or rule.reason == reason)
    ]
    fired.sort(key=lambda item: -item[0])
    lines = [_words(rule.words, features[rule.feature]) for _, rule in fired]
    lines += [_words(words, features[name]) for name, words in CONTEXT if features.get(name, 0.0) > 0]
    return lines
