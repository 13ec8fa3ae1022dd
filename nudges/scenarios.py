"""The scenario engine: an abandonment profile in, exactly three ranked, checked variants out.

Why three: each experiment arm shows one rank, so the store learns whether the
engine's first choice really beats its second and third (see ``docs/experiments.md``).

Focused or hedged: when the profile is confident (top reason at or above
:data:`FOCUS_FROM`), the three variants are three ways of answering that reason
(trust: reviews, returns, warranty; speed: ships tomorrow, express, delivery date;
price: installments, a small coupon, a price lock...), padded with the survey when the
store has fewer true offers for it. Only an uncertain profile hedges: every incentive
that is true and allowed is scored by the profile's reason probabilities (so the
runner-up reason gets a voice too). Each variant says which (``mode``).

How: offers are moved by boldness (stock, calendar); the top three are written in the store's
voice and locale, by a language model when one is configured and has answered
(cached), else by templates. Every variant passes :func:`nudges.guardrails.violations`;
a failing one is replaced by its template, and a failing template by the next offer,
down to the always-true survey.

>>> import msgspec
>>> from nudges.stores import Store
>>> from nudges.incentives import Context
>>> from scorer.profile import AbandonmentProfile
>>> store = msgspec.convert({"id": "shop", "write_key": "wk_shop_0001",
...     "secret_key": "sk_shop_0001", "allowed_origins": [],
...     "facts": {"delivery": {"ships_next_day": True, "cutoff": "15:00"}, "return_days": 30}}, Store)
>>> profile = AbandonmentProfile(store_id="shop", session_id="s-1", visitor_id="v-1", at=0,
...     reasons={"shipping_speed": 0.8, "trust": 0.1, "price": 0.1}, top_reason="shipping_speed",
...     confidence=0.8, risk=0.7, evidence=[], cart_value=300.0, device=None, events_seen=4,
...     model_version="m")
>>> [(v.rank, v.incentive, v.mode) for v in propose(profile, Context(store, None, 300.0, 0))]
[(1, 'delivery_promise', 'focused'), (2, 'survey', 'focused'), (3, 'survey', 'focused')]
>>> unsure = msgspec.structs.replace(profile, reasons={"shipping_speed": 0.4, "trust": 0.35, "price": 0.25},
...                                  confidence=0.4)
>>> [(v.rank, v.incentive, v.mode) for v in propose(unsure, Context(store, None, 300.0, 0))]
[(1, 'delivery_promise', 'hedged'), (2, 'return_guarantee', 'hedged'), (3, 'survey', 'hedged')]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final, NamedTuple

from nudges.copy_templates import COUNTDOWN_LABEL, SURVEY_OPTIONS, SURVEY_QUESTION, write
from nudges.guardrails import (
    BadgesBlock,
    Block,
    CountdownBlock,
    ReviewsBlock,
    SurveyBlock,
    SurveyOption,
    Variant,
    violations,
)
from nudges.incentives import Context, Offer, build_offer, candidate_offers
from scorer.profile import AbandonmentProfile

log = logging.getLogger(__name__)

VARIANTS: Final = 3
#: From this confidence on, the three variants all answer the top reason.
FOCUS_FROM: Final = 0.6
#: Below this confidence every variant also asks the one-tap survey (a label for learning).
SURVEY_BELOW: Final = 0.5


class Written(NamedTuple):
    """Copy proposed by a generator (a language model) for one incentive."""

    title: str
    body: str
    cta_label: str | None
    coupon_pct: int | None = None


def _href(incentive: str, ctx: Context) -> str | None:
    """Where the call to action goes; ``{locale}`` in a configured path becomes the locale."""
    facts = ctx.store.facts
    if incentive == "survey":
        return None
    if incentive == "help":
        path = facts.help_path
    elif incentive in ("saved_cart", "free_shipping_threshold"):
        path = facts.cart_path
    else:
        path = facts.checkout_path
    return path.replace("{locale}", ctx.locale) if path else None


def _survey(locale: str, voice: str) -> SurveyBlock:
    labels = SURVEY_OPTIONS[locale]
    return SurveyBlock(
        question=SURVEY_QUESTION[(locale, voice)],
        options=[SurveyOption(value=v, label=label) for v, label in labels.items()],  # type: ignore[arg-type]
    )


def _blocks(offer: Offer, badges: list[str], ask: bool, locale: str, voice: str) -> list[Block]:
    blocks: list[Block] = []
    if offer.reviews:
        blocks.append(ReviewsBlock(items=list(offer.reviews)))
    if badges:
        blocks.append(BadgesBlock(items=badges))
    if offer.lock_ends_at is not None:
        blocks.append(CountdownBlock(label=COUNTDOWN_LABEL[locale], ends_at=offer.lock_ends_at))
    if ask or offer.incentive == "survey":
        blocks.append(_survey(locale, voice))
    return blocks


def variant_for(
    offer: Offer, rank: int, ctx: Context, ask: bool, written: Written | None = None, mode: str = "hedged"
) -> Variant:
    """Write ``offer`` as a variant: from ``written`` (a generator's copy) or from templates."""
    tone, locale = ctx.store.tone_in_force, ctx.locale
    voice = tone.voice or ctx.store.voice
    copy = write(offer, locale, voice, ctx.store.currency, tone)
    return Variant(
        variant=f"{offer.reason}.{offer.incentive}",
        rank=rank,
        reason=offer.reason,
        incentive=offer.incentive,
        locale=locale,  # type: ignore[arg-type]
        title=written.title if written else copy.title,
        body=written.body if written else copy.body,
        cta_label=(written.cta_label if written else copy.cta),
        cta_href=_href(offer.incentive, ctx) if copy.cta else None,
        dismiss_label=copy.dismiss,
        blocks=_blocks(offer, copy.badges, ask, locale, voice),
        expected_cost=offer.expected_cost,
        claims=dict(offer.claims),
        coupon_pct=offer.coupon_pct,
        source="llm" if written else "template",
        mode=mode,  # type: ignore[arg-type]
    )


def propose(
    profile: AbandonmentProfile,
    ctx: Context,
    generated: Mapping[str, Written] | None = None,
    rejected: list[str] | None = None,
) -> list[Variant]:
    """Exactly three ranked variants for this profile, every one past the guardrails.

    ``generated`` maps an incentive to a generator's copy for it; it is used only if
    it passes the guardrails, else the template is. Each variant the guardrails turned
    down is appended to ``rejected`` with its problems (the "why this nudge" trace).
    """
    ask = profile.confidence < SURVEY_BELOW
    mode = "focused" if profile.confidence >= FOCUS_FROM else "hedged"
    reasons = {profile.top_reason: 1.0} if mode == "focused" else profile.reasons
    chosen: list[Variant] = []
    for _, offer in candidate_offers(reasons, ctx):
        if len(chosen) == VARIANTS:
            break
        written = (generated or {}).get(offer.incentive)
        if written is not None and written.coupon_pct not in (None, offer.coupon_pct):
            asked = build_offer(offer.incentive, ctx, written.coupon_pct)
            if asked is None:  # e.g. a 60 % coupon: above policy or the margin floor
                log.info("generated %s rejected: coupon_pct %s not allowed", offer.incentive, written.coupon_pct)
                if rejected is not None:
                    rejected.append(f"{offer.incentive} (llm): coupon_pct {written.coupon_pct} not allowed")
                written = None
            else:
                offer = asked
        for source in ((written, None) if written else (None,)):
            variant = variant_for(offer, len(chosen) + 1, ctx, ask, source, mode)
            problems = violations(variant, ctx, ctx.now_ms)
            if not problems:
                chosen.append(variant)
                break
            log.info("variant %s (%s) rejected: %s", variant.variant, variant.source, "; ".join(problems))
            if rejected is not None:
                rejected.append(f"{variant.variant} ({variant.source}): {'; '.join(problems)}")
    survey = build_offer("survey", ctx)
    assert survey is not None  # always allowed and always true
    while len(chosen) < VARIANTS:
        reason = profile.top_reason
        pad = Offer(incentive="survey", reason=reason, claims=survey.claims)
        chosen.append(variant_for(pad, len(chosen) + 1, ctx, True, mode=mode))
    return chosen
