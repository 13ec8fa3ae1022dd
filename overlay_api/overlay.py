"""``GET /v1/overlay``: the one right nudge for this session now, or nothing (204).

The snippet asks at a trigger moment (exit intent, idle cart, a back-step out of
checkout) with its write key, session and visitor ids. The answer follows the
contract in ``docs/overlay.md``. In order:

1. bad parameters 422 (naming the parameter), unknown write key 401, origin 403,
   over the rate limit per write key and client 429 with Retry-After (and 429 for a
   client whose requests keep failing before the store is known);
2. the decision core (:func:`nudges.decision.decide`) says nothing when there is no
   profile yet, a profile not confident enough, or an exposure within the cooldown: 204;
3. otherwise its decision (arm, variant, propensity, reason, cost, window) is
   published as an ``overlay_decision`` event, on the same road as every other
   event, so the experiment ledger counts the exposure;
4. the holdout arm gets 204 (its decision is logged all the same: it is the
   baseline), the others the variant of their rank.

The snippet sends its queue just before asking and says how long ago that began
(``age``, ms): the route waits up to 400 ms for a profile that reflects events that
recent, so the decision sees the coupon focus of two seconds ago. ``product`` and
``cart`` (the cart's value) name the moment; ``cart`` is used only when the profile
has no cart value yet.

If the decision cannot be logged (the sink is down) the answer is 204: an exposure
the ledger never hears of would bias the experiment.

Why the work is cheap: the profile is one Redis GET (or a dict look-up), the
ledger's cooldown check one more, scoring the incentives and filling templates
pure Python on a handful of offers; a language model is never waited for here
(see :mod:`nudges.llm_generator`). ``Server-Timing`` reports the time spent.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from typing import Final, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from nudges.catalogue import Catalogue
from nudges.decision import Moment, decide
from nudges.guardrails import Variant
from nudges.ledger import ExperimentLedger
from nudges.learning.learners import Learners
from nudges.llm_generator import LlmGenerator
from nudges.stores import StoreRegistry
from overlay_api.browser_request import BrowserRequest
from overlay_api.metrics import OVERLAY_DECISIONS
from overlay_api.rate_limits import RateLimiter
from stream.event_sink import EventSink, SinkUnavailable
from scorer.profile import AbandonmentProfile
from stream.profile_store import ProfileStore

TRIGGERS: Final = frozenset({"exit_intent", "cart_idle", "checkout_back"})
_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_PRODUCT = re.compile(r"^.{1,64}$")
_encode = msgspec.json.Encoder().encode
#: Longest wait for the profile to catch up with the events the snippet just sent.
FRESH_WAIT_S: Final = 0.4
#: The newest event's time on the server clock may trail the snippet's estimate by this much.
FRESH_SLACK_MS: Final = 250
MAX_AGE_MS: Final = 60_000


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
        *,
        limiter: RateLimiter,
        learners: Learners | None = None,
    ) -> None:
        self._registry = registry
        self._profiles = profiles
        self._sink = sink
        self._ledger = ledger
        self._catalogue = catalogue
        self._generator = generator
        self._limiter = limiter
        #: Contextual bandits of stores whose experiment says ``policy: learning``.
        self._learners = learners or Learners()

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()

        def finish(response: Response) -> None:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"

        browser = BrowserRequest(request, self._registry, self._limiter, finish)
        reply, refuse = browser.reply, browser.refuse
        q = request.query_params
        key, session, visitor = q.get("key", ""), q.get("session", ""), q.get("visitor")
        trigger, locale, product_id = q.get("trigger", "exit_intent"), q.get("locale"), q.get("product")
        if not _ID.match(session):
            return await refuse(422, "session must be 8-64 letters, digits or _.:-", "$.query.session")
        if visitor is not None and not _ID.match(visitor):
            return await refuse(422, "visitor must be 8-64 letters, digits or _.:-", "$.query.visitor")
        if trigger not in TRIGGERS:
            return await refuse(422, f"trigger must be one of {', '.join(sorted(TRIGGERS))}", "$.query.trigger")
        if locale is not None and locale[:2] not in ("en", "tr"):
            locale = None  # a language we do not write: the store's own
        if product_id is not None and not _PRODUCT.match(product_id):
            return await refuse(422, "product must be 1-64 characters", "$.query.product")
        cart_value = _number(q.get("cart"), 1e9)
        if cart_value is False:
            return await refuse(422, "cart must be a number from 0 to 1000000000", "$.query.cart")
        age = _number(q.get("age"), MAX_AGE_MS)
        if age is False:
            return await refuse(422, f"age must be a number of ms from 0 to {MAX_AGE_MS}", "$.query.age")
        store = await browser.admit(key, "$.query.key", "overlay")
        if isinstance(store, Response):
            return store

        now_ms = int(time.time() * 1000)
        profile = await self._fresh_profile(store.id, session, None if age is None else now_ms - age - FRESH_SLACK_MS)
        moment = Moment(session, visitor, trigger, locale, product_id, now_ms, cart_value=cart_value if cart_value is None else min(cart_value, store.max_cart_value))
        decision = await decide(store, profile, moment, self._ledger, self._catalogue, self._generator, self._learners)
        if decision is None:
            OVERLAY_DECISIONS.labels(store.experiment.name, "none").inc()
            return reply(Response(status_code=204))
        try:
            await self._sink.publish([decision.event])
        except SinkUnavailable:
            return reply(Response(status_code=204))
        OVERLAY_DECISIONS.labels(store.experiment.name, decision.arm.name).inc()
        if decision.shown is None:
            return reply(Response(status_code=204))
        experiment = store.experiment.name
        body = _encode(overlay_body(decision.event.id, experiment, decision.arm.name, decision.shown))
        return reply(Response(body, media_type="application/json"))

    async def _fresh_profile(self, store_id: str, session: str, since_ms: float | None) -> AbandonmentProfile | None:
        """The session's profile, once it reflects events up to ``since_ms`` (or after FRESH_WAIT_S)."""
        deadline = time.monotonic() + FRESH_WAIT_S
        while True:
            profile = await self._profiles.get(store_id, session)
            if since_ms is None or (profile is not None and profile.at >= since_ms) or time.monotonic() >= deadline:
                return profile
            await asyncio.sleep(0.025)


def _number(raw: str | None, most: float) -> float | None | Literal[False]:
    """A query number within 0..most, ``None`` when absent, ``False`` when unusable.

    >>> _number("249.9", 1e9), _number(None, 1e9), _number("-1", 1e9), _number("nan", 1e9)
    (249.9, None, False, False)
    """
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return False
    return value if math.isfinite(value) and 0 <= value <= most else False
