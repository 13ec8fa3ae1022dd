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

from nudges.assignment import HOLDOUT, Arm, arm_probabilities, assign
from nudges.catalogue import Catalogue
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
    """
    experiment, policy = store.experiment, store.policy
    if profile is None or profile.confidence < experiment.min_confidence:
        return None
    # The page's own word on the cart counts when the events carried no prices.
    cart_value = min(profile.cart_value or moment.cart_value or 0.0, store.max_cart_value)
    if cart_value <= 0 and not policy.overlay_empty_cart:
        return None
    if profile.evidence in ([], [NO_EVIDENCE]) and not policy.overlay_without_evidence:
        return None
    now = moment.now_ms
    seen = await ledger.exposure(store.id, experiment.name, moment.session_id)
    if moment.respect_cooldown and seen is not None and now - seen.at < experiment.cooldown_min * 60_000:
        return None

    visitor_id = moment.visitor_id or profile.visitor_id
    arm = assign(store.id, experiment, moment.session_id)
    ctx, variants = await proposals(store, profile, moment, ledger, catalogue, generator)
    lang = ctx.locale
    shown = None if arm.rank is None or arm.name == HOLDOUT else variants[arm.rank - 1]
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
        },
    )
    return Decision(arm, shown, event)


async def proposals(
    store: Store,
    profile: AbandonmentProfile,
    moment: Moment,
    ledger: ExperimentLedger,
    catalogue: Catalogue,
    generator: LlmGenerator | None = None,
) -> tuple[Context, list[Variant]]:
    """The three ranked variants the fixed arms would show this profile at this moment.

    :func:`decide` picks one of them by arm; the dashboard's settings preview shows all
    three, so what a store owner previews is what shoppers get.
    """
    visitor_id = moment.visitor_id or profile.visitor_id
    coupons = await ledger.coupons_offered(store.id, visitor_id)
    ctx = Context(
        store=store,
        product=catalogue.product(store.id, moment.product_id),
        cart_value=profile.cart_value or moment.cart_value or 0.0,
        now_ms=moment.now_ms,
        locale=(moment.locale or store.locale)[:2],
        coupon_eligible=coupons == 0 and moment.coupon_allowed,
    )
    generated = generator.lookup(ctx, profile) if generator else None
    return ctx, propose(profile, ctx, generated)


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
