"""``POST /v1/collect``: validate a batch, stamp it, and answer 202 only once it is stored.

A batch is all or nothing from the client's side: 202 means every event reached the
sink (Kafka acknowledged, acks=all); any 4xx means nothing was accepted and retrying
the same body will not help; 503 means try again later (the snippet does, with backoff).

Order of checks: content type (415), size (413, enforced by Starlette's body limit
on the route), readable JSON (400), schema (422, naming the field), write key (401),
origin (403), then the sink (202 or 503 with Retry-After).
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from overlay_api.cors import allow_origin, origin_allowed, request_origin
from overlay_api.errors import error_response
from nudges.stores import StoreRegistry
from scorer.events import BatchRejected, MalformedBatch, collect, decode_batch
from overlay_api.installation import InstallationCensus
from stream.event_sink import EventSink, SinkUnavailable

log = logging.getLogger(__name__)

#: ``text/plain`` is how browsers send without a CORS preflight (sendBeacon strings).
ACCEPTED_MEDIA_TYPES = frozenset({"application/json", "text/plain"})


class Collector:
    """The collect endpoint, bound to the stores and the sink it publishes to."""

    def __init__(
        self, registry: StoreRegistry, sink: EventSink, retry_after_s: int, census: InstallationCensus | None = None
    ) -> None:
        self._registry = registry
        self._sink = sink
        self._retry_after = str(retry_after_s)
        self._census = census

    async def handle(self, request: Request) -> Response:
        origin = request_origin(request)
        store = None

        def reply(response: Response) -> Response:
            if origin_allowed(origin, store, self._registry):
                allow_origin(response, origin)
            return response

        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_MEDIA_TYPES:
            return reply(error_response(415, "Send application/json or text/plain"))
        body = await request.body()
        try:
            batch = decode_batch(body)
        except MalformedBatch as exc:
            return reply(error_response(400, str(exc)))
        except BatchRejected as exc:
            return reply(error_response(422, str(exc), exc.path))

        store = self._registry.by_write_key(batch.write_key)
        if store is None:
            return reply(error_response(401, "Unknown write key", "$.write_key"))
        if not origin_allowed(origin, store, self._registry):
            return error_response(403, f"Origin {origin} is not allowed for this store")

        events = collect(batch, store.id, received_at=int(time.time() * 1000))
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
        if self._census is not None:
            try:
                await self._census.record(events)
            except Exception:  # the Installation view may lag; accepted events are never refused for it
                log.warning("installation census: could not count a batch", exc_info=True)
        return reply(JSONResponse({"accepted": len(events)}, status_code=202))
