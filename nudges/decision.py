"""The decision: given a session's profile, which arm it is in and what (if anything) it is shown.

One function for every channel that speaks to a shopper: the overlay route calls it at a
trigger moment, and follow-up flows call it when a step falls due, so the page and the
messages share the reason, the experiment arm, the incentive budget and the guardrails.
It reads the experiment ledger (cooldown, coupons already given) and the catalogue, and
returns the decision as an ``overlay_decision`` event for the caller to publish: the
ledger counts exposures from the event stream, so a decision nobody hears of never
happened. No network I/O of its own; a language model's copy is only ever looked up
in its cache.

>>> import asyncio, msgspec
>>> from nudges.catalogue import Catalogue
>>> from nudges.ledger import MemoryLedger
>>> from nudges.stores import Store
>>> from scorer.profile import NO_EVIDENCE, AbandonmentProfile
>>> store = msgspec.convert({"id": "shop", "write_key": "wk_shop_0001",
...     "secret_key": "sk_shop_0001", "allowed_origins": [], "facts": {"return_days": 30}}, Store)
>>> profile = AbandonmentProfile(store_id="shop", session_id="s-12345678", visitor_id="v-12345678",
...     at=0, reasons={"trust": 0.9, "price": 0.1}, top_reason="trust", confidence=0.9, risk=0.7,
...     evidence=["Viewed reviews 3 times"], cart_value=300.0, device=None, events_seen=4, model_version="m")
>>> moment = Moment(session_id="s-12345678", visitor_id=None, trigger="exit_intent",
...     locale="en", product_id=None, now_ms=1_000)
>>> decision = asyncio.run(decide(store, profile, moment, MemoryLedger(), Catalogue()))
>>> decision.event.type, decision.event.arm == decision.arm.name, decision.event.props["mode"]
('overlay_decision', True, 'focused')
>>> empty = msgspec.structs.replace(profile, cart_value=0.0)   # nothing in the cart: nothing to say
>>> asyncio.run(decide(store, empty, moment, MemoryLedger(), Catalogue())) is None
True
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from nudges.assignment import HOLDOUT, Arm, arm_probabilities, assign, unit_interval
from nudges.campaign import Applied, apply_rules
from nudges.catalogue import Catalogue
from nudges.decision_trace import Trace, VariantLine, arm_explanation, incentive_lines
from nudges.guardrails import Variant, violations
from nudges.incentives import Context, build_offer
from nudges.learning.bandit import CANDIDATES, Action, allowed_actions, context_of
from nudges.learning.decision_log import decision_props
from nudges.learning.learners import Learners
from nudges.ledger import ExperimentLedger
from nudges.llm_generator import LlmGenerator
from nudges.scenarios import SURVEY_BELOW, propose, variant_for
from nudges.stores import Store
from scorer.events import CollectedEvent
from scorer.profile import NO_EVIDENCE, AbandonmentProfile


class Moment(NamedTuple):
    """Where and when the shopper could be spoken to."""

    session_id: str
    visitor_id: str | None
    #: What asked: ``exit_intent``, ``cart_idle``, ``checkout_back`` on the page.
    trigger: str
    #: The shopper's language if known (``en``/``tr``), else the store's.
    locale: str | None
    product_id: str | None
    now_ms: int
    #: False when the caller rules a coupon out whatever the ledger says (a flow step that
    #: may not carry one, a serial abandoner the ledger cannot see).
    coupon_allowed: bool = True
    #: False for follow-up flows, whose steps are paced by their own delays and caps.
    respect_cooldown: bool = True
    #: The cart's value as the page saw it when asking: used only when the profile has
    #: none yet (the same shopper's claim as the events' cart values, never more).
    cart_value: float | None = None


class Decision(NamedTuple):
    """The arm, the variant shown (``None`` for the holdout) and the event that logs both."""

    arm: Arm
    shown: Variant | None
    event: CollectedEvent


async def decide(
    store: Store,
    profile: AbandonmentProfile | None,
    moment: Moment,
    ledger: ExperimentLedger,
    catalogue: Catalogue,
    generator: LlmGenerator | None = None,
    learners: Learners | None = None,
    trace: Trace | None = None,
) -> Decision | None:
    """The decision for this moment, or ``None`` when nothing should be said or logged.

    ``None`` means: no profile yet, a profile below the experiment's confidence, an empty
    cart or a profile no signal has moved (unless the store's policy asks for those:
    ``overlay_empty_cart``, ``overlay_without_evidence``), or an exposure within the store's
    cooldown. Otherwise the holdout too gets a decision (with ``shown=None``): it is the
    baseline every other arm is compared with.

    With ``experiment.policy: learning`` (and ``learners`` given), every session outside
    the holdout is in one arm, ``learning``, whose incentive the store's contextual
    bandit picks among those allowed and true; its propensity is the holdout's complement
    times the bandit's probability for that incentive. Either way the event logs what
    the decision saw and the probability of every action it could take, for off-policy
    evaluation (``cartcoach policy evaluate``).

    The store's campaign rules (``rules:``) are applied to the context before the
    scenario engine runs (:mod:`nudges.campaign`). ``trace``, when given, is filled
    with the "why this nudge" account of the decision (:mod:`nudges.decision_trace`).
    """
    experiment, policy = store.experiment, store.policy
    explain = trace is not None  # the full account costs a few offers more: only when asked
    trace = trace if trace is not None else Trace(store_id=store.id, session_id=moment.session_id, at=moment.now_ms)
    if profile is None:
        trace.gates.append("no profile for this session yet")
        return None
    trace.reason, trace.confidence, trace.risk = profile.top_reason, profile.confidence, profile.risk
    trace.evidence = list(profile.evidence)
    if profile.confidence < experiment.min_confidence:
        trace.gates.append(f"confidence {profile.confidence:.2f} is below the experiment's min_confidence {experiment.min_confidence:.2f}")
        return None
    # The page's own word on the cart counts when the events carried no prices.
    cart_value = min(profile.cart_value or moment.cart_value or 0.0, store.max_cart_value)
    if cart_value <= 0 and not policy.overlay_empty_cart:
        trace.gates.append("the cart is empty (policy.overlay_empty_cart is off)")
        return None
    if profile.evidence in ([], [NO_EVIDENCE]) and not policy.overlay_without_evidence:
        trace.gates.append("no hesitation signal moved the profile (policy.overlay_without_evidence is off)")
        return None
    now = moment.now_ms
    seen = await ledger.exposure(store.id, experiment.name, moment.session_id)
    if moment.respect_cooldown and seen is not None and now - seen.at < experiment.cooldown_min * 60_000:
        trace.gates.append(f"cooldown: this session saw a nudge {(now - seen.at) / 60_000:.0f} min ago "
                           f"(cooldown {experiment.cooldown_min:g} min)")
        return None

    visitor_id = moment.visitor_id or profile.visitor_id
    arm = assign(store.id, experiment, moment.session_id)
    proposal = await proposals(store, profile, moment, ledger, catalogue, generator, trace.guardrails)
    applied, variants = proposal.applied, proposal.variants
    ctx = applied.ctx
    lang = ctx.locale
    shown = None if arm.rank is None or arm.name == HOLDOUT else variants[arm.rank - 1]
    if explain:
        trace.arm_why = arm_explanation(unit_interval(store.id, experiment.name, moment.session_id),
                                        arm_probabilities(experiment), arm.name)
    observed = context_of(profile, ctx, moment.trigger)
    if experiment.policy == "learning" and learners is not None:
        actions = allowed_actions(profile.reasons, ctx, CANDIDATES)
        probs = [experiment.holdout] + [0.0] * len(actions)
        if actions:
            learner = await learners.current(store, ledger, now)
            choice = learner.choose(observed, actions)
            rest = 1.0 - experiment.holdout
            probs = [experiment.holdout, *(rest * p for p in choice.pmf)]
            if arm.name != HOLDOUT:
                arm = Arm("learning", rest * choice.probability)
                shown = _learned_variant(actions[choice.index], profile.confidence, ctx) or variants[0]
                trace.arm_why += (f"; learning policy: the bandit chose {actions[choice.index].incentive} "
                                  f"with probability {choice.probability:.2f} among {len(actions)} allowed")
    else:
        actions, probs = _fixed_actions(variants, arm_probabilities(experiment))
    event = CollectedEvent(
        id=f"d-{uuid.uuid4().hex}",
        type="overlay_decision",
        ts=now,
        at=now,
        received_at=now,
        store_id=store.id,
        visitor_id=visitor_id,
        session_id=moment.session_id,
        experiment=experiment.name,
        arm=arm.name,
        variant=shown.variant if shown else "none",
        incentive=shown.incentive if shown else "none",
        propensity=round(arm.propensity, 6),
        locale=lang,
        props={
            # The shopper's reason, for every arm alike, so each arm is compared
            # with the holdout of the same population; the variant names what it answers.
            "reason": profile.top_reason,
            "cost": shown.expected_cost if shown else 0.0,
            "window_s": int(experiment.attribution_window_h * 3600),
            "trigger": moment.trigger,
            "source": shown.source if shown else "none",
            "confidence": profile.confidence,
            **decision_props(observed, actions, probs),
            # Whether the variants all answer the top reason or hedge across reasons.
            "mode": variants[0].mode,
            # The campaign rules that matched, comma-separated (only when some did: props hold 20 at most).
            **({"rules": ",".join(applied.matched)[:300]} if applied.matched else {}),
        },
    )
    if explain:
        _fill_trace(trace, applied, proposal.original, variants, arm, shown, profile)
    return Decision(arm, shown, event)


class Proposal(NamedTuple):
    """The fixed arms' three variants for one profile and moment, and how the store's rules shaped them."""

    #: The context before the store's campaign rules (the trace compares the two).
    original: Context
    #: The campaign rules' outcome; ``applied.ctx`` is the context the variants answer.
    applied: Applied
    variants: list[Variant]


async def proposals(
    store: Store,
    profile: AbandonmentProfile,
    moment: Moment,
    ledger: ExperimentLedger,
    catalogue: Catalogue,
    generator: LlmGenerator | None = None,
    rejected: list[str] | None = None,
) -> Proposal:
    """The three ranked variants the fixed arms would show this profile at this moment.

    :func:`decide` picks one of them by arm; the dashboard's settings preview shows all
    three, so what a store owner previews is what shoppers get (campaign rules included).
    ``rejected`` collects the variants the guardrails turned down.
    """
    visitor_id = moment.visitor_id or profile.visitor_id
    coupons = await ledger.coupons_offered(store.id, visitor_id)
    original = Context(
        store=store,
        product=catalogue.product(store.id, moment.product_id),
        # The page's own word on the cart counts when the events carried no prices; never above the store's bound.
        cart_value=min(profile.cart_value or moment.cart_value or 0.0, store.max_cart_value),
        now_ms=moment.now_ms,
        locale=(moment.locale or store.locale)[:2],
        coupon_eligible=coupons == 0 and moment.coupon_allowed,
    )
    applied = apply_rules(profile, original, moment.trigger)
    generated = generator.lookup(applied.ctx, profile) if generator else None
    return Proposal(original, applied, propose(profile, applied.ctx, generated, rejected))


def _fill_trace(trace: Trace, applied: Applied, original: Context, variants: list[Variant], arm: Arm,
                shown: Variant | None, profile: AbandonmentProfile) -> None:
    ctx = applied.ctx
    trace.facts, trace.rules, trace.effects = applied.facts, applied.results, applied.effects
    tone = ctx.store.tone
    trace.tone = tone if isinstance(tone, str) else (f"custom ({tone.like or ctx.store.voice})" if tone else f"voice {ctx.store.voice}")
    trace.boldness = ctx.boldness
    reasons = [profile.top_reason] if variants[0].mode == "focused" else [r for r, p in profile.reasons.items() if p > 0]
    trace.incentives = incentive_lines(reasons, applied, original, variants)
    trace.variants = [VariantLine(v.rank, v.variant, v.incentive, v.title, v.source) for v in variants]
    trace.arm = arm.name
    trace.shown = shown.variant if shown else None
    trace.outcome = "shown" if shown else "holdout"


def _fixed_actions(variants: list[Variant], arm_probs: list[float]) -> tuple[list[Action], list[float]]:
    """The fixed arms as actions: each variant's incentive with the summed share of its arms."""
    actions: list[Action] = []
    probs = [arm_probs[0]]
    for variant, p in zip(variants, arm_probs[1:], strict=True):
        names = [a.incentive for a in actions]
        if variant.incentive in names:
            probs[1 + names.index(variant.incentive)] += p
            continue
        actions.append(Action(variant.incentive, variant.reason, variant.expected_cost, 0.0))
        probs.append(p)
    return actions, probs


def _learned_variant(action: Action, confidence: float, ctx: Context) -> Variant | None:
    """The bandit's incentive written by the templates; None if it fails the guardrails."""
    offer = build_offer(action.incentive, ctx)
    if offer is None:
        return None
    variant = variant_for(offer, 1, ctx, confidence < SURVEY_BELOW)
    return None if violations(variant, ctx, ctx.now_ms) else variant
