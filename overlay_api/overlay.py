"""``GET /v1/overlay``: the one right nudge for this session now, or nothing (204).

The snippet asks at a trigger moment (exit intent, idle cart, a back-step out of
checkout) with its write key, session and visitor ids. The answer follows the
contract in ``docs/overlay.md``. In order:

1. bad parameters 422 (naming the parameter), unknown write key 401, origin 403;
2. no profile yet, or a profile not confident enough to say anything: 204;
3. the session already saw an overlay within the store's cooldown: 204;
4. the arm, by a hash of (store, experiment, session); the three variants from the
   scenario engine; the decision (arm, variant, propensity, reason, cost, window) is
   published as an ``overlay_decision`` event, on the same road as every other
   event, so the experiment ledger counts the exposure;
5. the holdout arm gets 204 (its decision is logged all the same: it is the
   baseline), the others the variant of their rank.

If the decision cannot be logged (the sink is down) the answer is 204: an exposure
the ledger never hears of would bias the experiment.

Why the work is cheap: the profile is one Redis GET (or a dict look-up), the
ledger's cooldown check one more, scoring the incentives and filling templates
pure Python on a handful of offers; a language model is never waited for here
(see :mod:`overlay_api.llm_generator`). ``Server-Timing`` reports the time spent.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overlay_api.assignment import HOLDOUT, assign
from overlay_api.catalogue import Catalogue
from overlay_api.cors import allow_origin, origin_allowed, request_origin
from overlay_api.errors import error_response
from overlay_api.guardrails import Variant
from overlay_api.incentives import Context
from overlay_api.llm_generator import LlmGenerator
from overlay_api.scenarios import propose
from overlay_api.stores import Store, StoreRegistry
from scorer.events import CollectedEvent
from stream.event_sink import EventSink, SinkUnavailable
from stream.ledger import ExperimentLedger
from stream.profile_store import ProfileStore

TRIGGERS: Final = frozenset({"exit_intent", "cart_idle", "checkout_back"})
_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_PRODUCT = re.compile(r"^.{1,64}$")
_encode = msgspec.json.Encoder().encode


def overlay_body(decision_id: str, experiment: str, arm: str, variant: Variant) -> dict:
    """The JSON the snippet renders (the contract in ``docs/overlay.md``)."""
    cta = None
    if variant.cta_label and variant.cta_href:
        cta = {"label": variant.cta_label, "href": variant.cta_href}
    return {
        "overlay_id": decision_id,
        "experiment": experiment,
        "arm": arm,
        "variant": variant.variant,
        "reason": variant.reason,
        "incentive": variant.incentive,
        "locale": variant.locale,
        "title": variant.title,
        "body": variant.body,
        "cta": cta,
        "dismiss_label": variant.dismiss_label,
        "blocks": variant.blocks,
    }


class OverlayEndpoint:
    """The overlay decision, bound to what it reads (profiles, catalogue) and writes (the sink)."""

    def __init__(
        self,
        registry: StoreRegistry,
        profiles: ProfileStore,
        sink: EventSink,
        ledger: ExperimentLedger,
        catalogue: Catalogue,
        generator: LlmGenerator | None = None,
    ) -> None:
        self._registry = registry
        self._profiles = profiles
        self._sink = sink
        self._ledger = ledger
        self._catalogue = catalogue
        self._generator = generator

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        origin = request_origin(request)
        store: Store | None = None

        def reply(response: Response) -> Response:
            if origin_allowed(origin, store, self._registry):
                allow_origin(response, origin)
            response.headers["Cache-Control"] = "no-store"
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"
            return response

        q = request.query_params
        key, session, visitor = q.get("key", ""), q.get("session", ""), q.get("visitor")
        trigger, locale, product_id = q.get("trigger", "exit_intent"), q.get("locale"), q.get("product")
        if not _ID.match(session):
            return reply(error_response(422, "session must be 8-64 letters, digits or _.:-", "$.query.session"))
        if visitor is not None and not _ID.match(visitor):
            return reply(error_response(422, "visitor must be 8-64 letters, digits or _.:-", "$.query.visitor"))
        if trigger not in TRIGGERS:
            return reply(error_response(422, f"trigger must be one of {', '.join(sorted(TRIGGERS))}", "$.query.trigger"))
        if locale is not None and locale[:2] not in ("en", "tr"):
            locale = None  # a language we do not write: the store's own
        if product_id is not None and not _PRODUCT.match(product_id):
            return reply(error_response(422, "product must be 1-64 characters", "$.query.product"))
        store = self._registry.by_write_key(key)
        if store is None:
            return reply(error_response(401, "Unknown write key", "$.query.key"))
        if not origin_allowed(origin, store, self._registry):
            return error_response(403, f"Origin {origin} is not allowed for this store")

        profile = await self._profiles.get(store.id, session)
        experiment = store.experiment
        if profile is None or profile.confidence < experiment.min_confidence:
            return reply(Response(status_code=204))
        now = int(time.time() * 1000)
        seen = await self._ledger.exposure(store.id, experiment.name, session)
        if seen is not None and now - seen.at < experiment.cooldown_min * 60_000:
            return reply(Response(status_code=204))

        visitor_id = visitor or profile.visitor_id
        arm = assign(store.id, experiment, session)
        coupons = await self._ledger.coupons_offered(store.id, visitor_id)
        lang = (locale or store.locale)[:2]
        ctx = Context(
            store=store,
            product=self._catalogue.product(store.id, product_id),
            cart_value=profile.cart_value,
            now_ms=now,
            locale=lang,
            coupon_eligible=coupons == 0,
        )
        generated = self._generator.lookup(ctx, profile) if self._generator else None
        variants = propose(profile, ctx, generated)
        shown = None if arm.rank is None else variants[arm.rank - 1]
        decision = CollectedEvent(
            id=f"d-{uuid.uuid4().hex}",
            type="overlay_decision",
            ts=now,
            at=now,
            received_at=now,
            store_id=store.id,
            visitor_id=visitor_id,
            session_id=session,
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
                "trigger": trigger,
                "source": shown.source if shown else "none",
                "confidence": profile.confidence,
            },
        )
        try:
            await self._sink.publish([decision])
        except SinkUnavailable:
            return reply(Response(status_code=204))
        if shown is None or arm.name == HOLDOUT:
            return reply(Response(status_code=204))
        body = _encode(overlay_body(decision.id, experiment.name, arm.name, shown))
        return reply(Response(body, media_type="application/json"))
