"""Prometheus metrics of the HTTP edge: responses by route and status, events accepted,
batches refused by reason, overlay decisions by arm.

Responses are counted by starlette-exporter's middleware (kept, and it labels each
request with its route's template, so ``/v1/experiments/{experiment}/report`` is one
series and a scanner's random paths fall into ``__unknown__``). Counting every status
is what makes rate limiting visible: a 429 shows as ``status_code="429"`` on whichever
route sent it, whatever layer sent it.

The collector's refusals are also counted by reason. The reason follows from the
status, which ``overlay_api/collector.py`` documents one to one, so the count sits in
a small ASGI middleware outside every other layer (a refusal from the body limit or
the rate limiter is seen too) rather than at each ``return`` of the handler:

>>> [REJECTION_REASONS[s] for s in (400, 413, 422, 429)]
['malformed', 'too_large', 'invalid', 'rate_limited']

These are served with the stream's on a port of their own, not on the public API
(see :mod:`cartcoach.metrics_endpoint`).
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_exporter import PrometheusMiddleware

EVENTS_ACCEPTED = Counter(
    "cartcoach_events_accepted", "Events in batches the collector accepted (202: the broker has them)."
)
BATCHES_REJECTED = Counter(
    "cartcoach_batches_rejected",
    "Batches the collector refused (nothing of them was stored), by reason.",
    ["reason"],
)
OVERLAY_DECISIONS = Counter(
    "cartcoach_overlay_decisions",
    "Overlay requests answered with a decision, by experiment and arm (the holdout arm shows "
    "nothing but is counted); arm 'none' when nothing was worth saying.",
    ["experiment", "arm"],
)

REJECTION_REASONS: Final = {
    400: "malformed",
    401: "unknown_write_key",
    403: "origin_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


class CountCollectRefusals:
    """ASGI middleware: count each refused ``POST /v1/collect`` by :data:`REJECTION_REASONS`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/collect" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                BATCHES_REJECTED.labels(REJECTION_REASONS.get(message["status"], "other")).inc()
            await send(message)

        await self.app(scope, receive, counting_send)


def metrics_middleware() -> list[Middleware]:
    """The app's outermost layers, so they see every answer, a rate limiter's included."""
    return [
        Middleware(
            PrometheusMiddleware,
            app_name="cartcoach-api",
            prefix="cartcoach_http",
            group_paths=True,
            filter_unhandled_paths=False,
            group_unhandled_paths=True,
        ),
        Middleware(CountCollectRefusals),
    ]
