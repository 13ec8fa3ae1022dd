"""``POST /v1/outcomes``: purchases and refunds reported by a shop's back end.

For shops that know their orders server-side (and for refunds, which no thank-you
page sees). Authenticated with the store's secret key. The outcome becomes a
``purchase`` or ``refund`` event on the same road as the snippet's events, so the
experiment ledger attributes it exactly as it would a thank-you page's marker.

Idempotent by order id: the event id is derived from (type, order id), and the
ledger counts an order once however often it is reported, by this endpoint, the
thank-you page, or both. A retry gets 202 again and changes nothing.

Attribution needs the shopper's ``visitor_id`` (the snippet's, read from its first-party
storage at checkout); ``session_id`` if known. Without a session id the event gets
a synthetic one derived from the order id.
"""

from __future__ import annotations

import hashlib
import time
from typing import Annotated, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from overlay_api.auth import SecretKeyGuard
from overlay_api.collector import OrderHook, PurchaseHook
from overlay_api.errors import error_response
from overlay_api.json_body import json_body
from nudges.stores import StoreRegistry
from scorer.events import CollectedEvent, Id, Money, ShortText
from stream.event_sink import EventSink, SinkUnavailable

#: A back end may report an order up to 30 days late (refunds come later still).
MAX_OUTCOME_AGE_MS = 30 * 24 * 3600 * 1000


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    product_id: ShortText
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 1
    price: Money | None = None


class Outcome(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One order or refund as the shop's back end reports it (no personal data)."""

    type: Literal["purchase", "refund"]
    order_id: ShortText
    amount: Money
    visitor_id: Id
    session_id: Id | None = None
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] | None = None
    items: Annotated[list[Item], msgspec.Meta(max_length=200)] = []
    #: When it happened (ms since the epoch); now if absent.
    at: Annotated[int, msgspec.Meta(ge=0)] | None = None


def outcome_event(outcome: Outcome, store_id: str, now_ms: int) -> CollectedEvent:
    """The event for an outcome; the same outcome always gives the same event id."""
    digest = hashlib.blake2b(f"{outcome.type}\x1f{outcome.order_id}".encode(), digest_size=12).hexdigest()
    at = outcome.at if outcome.at is not None else now_ms
    return CollectedEvent(
        id=f"o-{digest}",
        type=outcome.type,
        ts=at,
        at=at,
        received_at=now_ms,
        store_id=store_id,
        visitor_id=outcome.visitor_id,
        session_id=outcome.session_id or f"order-{digest}",
        order_id=outcome.order_id,
        amount=outcome.amount,
        page_type="thank_you" if outcome.type == "purchase" else None,
        props={"source": "server", "items": len(outcome.items)},
        verified=True,  # the store's back end said so, with its secret key
    )


class OutcomesEndpoint:
    def __init__(
        self,
        registry: StoreRegistry,
        sink: EventSink,
        retry_after_s: int,
        guard: SecretKeyGuard,
        *,
        on_purchase: PurchaseHook | None = None,
        on_refund: PurchaseHook | None = None,
        on_order: OrderHook | None = None,
    ) -> None:
        self._registry = registry
        self._sink = sink
        self._retry_after = str(retry_after_s)
        self._guard = guard
        self._on_purchase = on_purchase
        self._on_refund = on_refund
        self._on_order = on_order

    async def handle(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        outcome = await json_body(request, Outcome)
        if isinstance(outcome, Response):
            return outcome
        now = int(time.time() * 1000)
        if outcome.at is not None and not now - MAX_OUTCOME_AGE_MS <= outcome.at <= now + 60_000:
            return error_response(422, "at must be within the last 30 days", "$.at")
        if outcome.currency is not None and outcome.currency != store.currency:
            return error_response(422, f"currency must be the store's ({store.currency})", "$.currency")
        event = outcome_event(outcome, store.id, now)
        try:
            await self._sink.publish([event])
        except SinkUnavailable:
            return error_response(503, "Event store unavailable; retry later", headers={"Retry-After": self._retry_after})
        if self._on_purchase is not None and outcome.type == "purchase":
            await self._on_purchase(store.id, outcome.visitor_id)  # every pending follow-up stops
        if self._on_refund is not None and outcome.type == "refund":
            await self._on_refund(store.id, outcome.visitor_id)
        if self._on_order is not None:
            await self._on_order(event)
        return JSONResponse({"accepted": 1, "order_id": outcome.order_id}, status_code=202)
