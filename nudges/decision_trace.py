"""The "why this nudge" trace: what one decision saw, which rules and guardrails acted, and why this arm.

Why a trace beside the decision and not a log line: a store owner asking "why did this
shopper get free express shipping and not a coupon?" needs the whole chain in one
place: the profile, the campaign rules that matched (and those that could not be
evaluated), every incentive the reason could have had and what stopped it (policy, a
rule, untrue store data, the no-coupon rule, a guardrail), the three variants, and
the hash that put the session in its arm. :func:`nudges.decision.decide` fills one
when asked; the ``/v1/sessions/{id}/trace`` route asks for it.

>>> arm_explanation(0.05, [0.1, 0.3, 0.3, 0.3], "holdout")
'hash(store, experiment, session) = 0.0500: holdout [0.00, 0.10), v1 [0.10, 0.40), v2 [0.40, 0.70), v3 [0.70, 1.00) → holdout (sees nothing)'
"""

from __future__ import annotations

import msgspec

from nudges.assignment import ARMS
from nudges.campaign import Applied
from nudges.campaign_rules import RuleResult
from nudges.guardrails import Variant
from nudges.incentives import BY_REASON, Context, build_offer


class IncentiveLine(msgspec.Struct, frozen=True):
    """One incentive the profile's reason(s) could have had, and what became of it."""

    incentive: str
    reason: str
    status: str


class VariantLine(msgspec.Struct, frozen=True):
    rank: int
    variant: str
    incentive: str
    title: str
    source: str


class Trace(msgspec.Struct, kw_only=True):
    store_id: str
    session_id: str
    at: int
    #: ``shown`` (a variant was chosen), ``holdout`` (the arm that sees nothing) or ``nothing``.
    outcome: str = "nothing"
    #: Why nothing was decided, when nothing was (below confidence, empty cart, cooldown...).
    gates: list[str] = []
    reason: str | None = None
    confidence: float | None = None
    risk: float | None = None
    evidence: list[str] = []
    #: The values the campaign rules saw.
    facts: dict[str, object] = {}
    rules: list[RuleResult] = []
    effects: list[str] = []
    tone: str = ""
    boldness: int | None = None
    incentives: list[IncentiveLine] = []
    #: Variants the guardrails turned down, with the problems found.
    guardrails: list[str] = []
    variants: list[VariantLine] = []
    arm: str | None = None
    arm_why: str = ""
    shown: str | None = None


def arm_explanation(u: float, probabilities: list[float], arm: str) -> str:
    """The assignment as a sentence: the session's hash and the arms' shares it fell in."""
    edges, low = [], 0.0
    for name, p in zip(ARMS, probabilities, strict=True):
        if p > 0:
            edges.append(f"{name} [{low:.2f}, {low + p:.2f})")
        low += p
    what = " (sees nothing)" if arm == "holdout" else ""
    return f"hash(store, experiment, session) = {u:.4f}: {', '.join(edges)} → {arm}{what}"


def incentive_lines(reasons: list[str], applied: Applied, original: Context, variants: list[Variant]) -> list[IncentiveLine]:
    """For each incentive that answers one of ``reasons``: offered, or what stopped it."""
    ctx = applied.ctx
    ranks = {v.incentive: v.rank for v in variants}
    lines: list[IncentiveLine] = []
    for reason in reasons:
        for incentive in BY_REASON.get(reason, ()):
            if incentive in ranks:
                status = f"offered as variant {ranks[incentive]}"
            elif incentive not in original.store.policy.allowed_incentives:
                status = "not allowed by the store's policy"
            elif incentive in applied.blocked_by:
                status = f"removed by campaign rule {applied.blocked_by[incentive]!r}"
            elif incentive == "coupon" and ctx.store.brand_tier == "premium":
                status = "premium brands never get coupons"
            elif incentive == "coupon" and not ctx.coupon_eligible:
                status = "no coupon: this visitor was offered one already (or the caller ruled it out)"
            elif build_offer(incentive, ctx) is None:
                status = "not true for this store, product and cart now (or no room above the margin floor)"
            else:
                status = "true and allowed, ranked below the three shown"
            lines.append(IncentiveLine(incentive, reason, status))
    return lines
