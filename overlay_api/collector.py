"""``POST /v1/collect``: validate a batch, stamp it, and answer 202 only once it is stored.

A batch is all or nothing from the client's side: 202 means every event reached the
sink (Kafka acknowledged, acks=all); any 4xx means nothing was accepted and retrying
the same body will not help; 503 means try again later (the snippet does, with backoff).

Order of checks: content type (415), size (413, enforced by Starlette's body limit
on the route), readable JSON (400), schema (422, naming the field), write key (401),
origin (403), the rate limit per write key and client (429 with Retry-After), prices
and cart values against the store's bounds and catalogue (422), then the sink (202 or
503 with Retry-After). A client whose requests keep failing before its store is known
gets 429 once it has used the ``unauthenticated_rate_limit``.

Money from a browser is not trusted (:mod:`nudges.browser_values`): a purchase keeps
its amount only with the store's signed order token, a refund never; the events are
marked ``verified`` accordingly and stamped with the client's daily pseudonym.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nudges.browser_values import check_values, vouch
from nudges.catalogue import Catalogue
from nudges.stores import StoreRegistry
from overlay_api.client_pseudonym import ClientPseudonym
from overlay_api.browser_request import BrowserRequest
from overlay_api.errors import error_response
from overlay_api.rate_limits import RateLimiter
from overlay_api.metrics import EVENTS_ACCEPTED
from scorer.events import BatchRejected, CollectedEvent, MalformedBatch, collect, decode_batch
from overlay_api.installation import InstallationCensus
from stream.event_sink import EventSink, SinkUnavailable

#: Called with (store id, visitor id) when a shopper has bought: stops their follow-up flows.
PurchaseHook = Callable[[str, str], Awaitable[object]]
#: Called with each *verified* purchase or refund (back end, or signed order token): the flow report's money.
OrderHook = Callable[[CollectedEvent], Awaitable[object]]

log = logging.getLogger(__name__)

#: ``text/plain`` is how browsers send without a CORS preflight (sendBeacon strings).
ACCEPTED_MEDIA_TYPES = frozenset({"application/json", "text/plain"})


class Collector:
    """The collect endpoint, bound to the stores and the sink it publishes to."""

    def __init__(
        self,
        registry: StoreRegistry,
        sink: EventSink,
        retry_after_s: int,
        *,
        catalogue: Catalogue,
        limiter: RateLimiter,
        pseudonym: ClientPseudonym,
        census: InstallationCensus | None = None,
        on_purchase: PurchaseHook | None = None,
        on_order: OrderHook | None = None,
    ) -> None:
        self._registry = registry
        self._sink = sink
        self._retry_after = str(retry_after_s)
        self._catalogue = catalogue
        self._limiter = limiter
        self._pseudonym = pseudonym
        self._on_purchase = on_purchase
        self._on_order = on_order
        self._census = census

    async def handle(self, request: Request) -> Response:
        browser = BrowserRequest(request, self._registry, self._limiter)
        reply, refuse = browser.reply, browser.refuse
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_MEDIA_TYPES:
            return await refuse(415, "Send application/json or text/plain", "$.headers.content-type")
        body = await request.body()
        try:
            batch = decode_batch(body)
        except MalformedBatch as exc:
            return await refuse(400, str(exc), "$")
        except BatchRejected as exc:
            return await refuse(422, str(exc), exc.path)

        store = await browser.admit(batch.write_key, "$.write_key", "collect")
        if isinstance(store, Response):
            return store
        try:
            check_values(batch.events, store, self._catalogue)
        except BatchRejected as exc:
            return reply(error_response(422, str(exc), exc.path))

        now = int(time.time() * 1000)
        events = vouch(collect(batch, store.id, received_at=now, client=self._pseudonym(browser.client)), store)
        try:
            await self._sink.publish(events)
        except SinkUnavailable:
            return reply(
                error_response(
                    503,
                    "Event store unavailable, nothing was accepted; retry later",
                    headers={"Retry-After": self._retry_after},
                )
            )
        EVENTS_ACCEPTED.inc(len(events))
        if self._on_purchase is not None:
            # The thank-you marker: whatever follow-ups were planned for this shopper stop now.
            # It only ever stops messages; money counts only from the back end (outcomes).
            for visitor in {e.visitor_id for e in events if e.type == "purchase"}:
                await self._on_purchase(store.id, visitor)
        if self._on_order is not None:
            for event in events:
                if event.verified and event.type in ("purchase", "refund"):
                    await self._on_order(event)  # a signed order token: money the flow report may count
        if self._census is not None:
            try:
                await self._census.record(events)
            except Exception:  # the Installation view may lag; accepted events are never refused for it
                log.warning("installation census: could not count a batch", exc_info=True)
        return reply(JSONResponse({"accepted": len(events)}, status_code=202))
