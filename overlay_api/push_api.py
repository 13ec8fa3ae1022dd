"""Web push from the page: the store's public VAPID key, subscribing, unsubscribing.

* ``GET /v1/push/config?key=WRITE_KEY``: the public key the snippet subscribes with, or
  404 when the store has not switched web push on (then the snippet never asks the
  shopper anything);
* ``POST /v1/push/subscriptions``: the browser's subscription after the shopper accepted,
  stored as the visitor's (and, once identified, the contact's) push consent;
* ``POST /v1/push/unsubscribe``: the shopper turned notifications off on the page.

Checked like ``/v1/identify``: the write key names the store, the Origin must be one of
the store's, refusals before the store is known count against the client, and the
store's ``overlay`` rate applies. Bodies may be ``text/plain`` (no CORS preflight).
A POST is used to unsubscribe, not DELETE, for the same reason.
"""

from __future__ import annotations

import time
from typing import Annotated, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flows.push_subscriptions import PushError, SubscriptionJson, check_endpoint, check_keys, remove, subscribe, vapid_key
from nudges.stores import Store, StoreRegistry
from overlay_api.cors import allow_origin, origin_allowed, preflight, request_origin
from overlay_api.errors import error_response
from overlay_api.json_body import decode_body, unsupported_media_type
from overlay_api.rate_limits import ClientLimits
from scorer.events import Id

WriteKey = Annotated[str, msgspec.Meta(max_length=64)]
PAGE_TYPES = frozenset({"application/json", "text/plain"})


class Subscribe(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    write_key: WriteKey
    session_id: Id
    visitor_id: Id
    subscription: SubscriptionJson


class Unsubscribe(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    write_key: WriteKey
    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


AskT = TypeVar("AskT", Subscribe, Unsubscribe)


class PushConfig(msgspec.Struct, frozen=True):
    """What the snippet needs to subscribe: the store's VAPID public key (base64url)."""

    vapid_public_key: str


_encode = msgspec.json.Encoder().encode


def _now() -> int:
    return int(time.time() * 1000)


def push_enabled(store: Store) -> bool:
    return store.flows.enabled and store.flows.web_push


class PushApi:
    def __init__(self, registry: StoreRegistry, sessions: async_sessionmaker[AsyncSession], limits: ClientLimits,
                 service_origins: tuple[str, ...] = ()) -> None:
        self._registry = registry
        self._sessions = sessions
        self._limits = limits
        self._service_origins = service_origins

    def routes(self) -> list[Route]:
        return [
            Route("/v1/push/config", self.config, methods=["GET"]),
            Route("/v1/push/subscriptions", self.subscribe, methods=["POST"], max_body_size=4096),
            Route("/v1/push/subscriptions", self.preflight, methods=["OPTIONS"]),
            Route("/v1/push/unsubscribe", self.unsubscribe, methods=["POST"], max_body_size=4096),
            Route("/v1/push/unsubscribe", self.preflight, methods=["OPTIONS"]),
        ]

    async def preflight(self, request: Request) -> Response:
        return preflight(request, self._registry, "POST")

    async def _store(self, request: Request, write_key: str | None, key_path: str = "$.write_key") -> Store | Response:
        """The store, or the refusal (401 unknown key, 403 foreign origin, 429)."""
        origin = request_origin(request)
        store = self._registry.by_write_key(write_key) if write_key else None
        if store is None:
            return await self._limits.refuse(request, error_response(401, "Unknown write key", key_path))
        if not origin_allowed(origin, store, self._registry):
            return error_response(403, f"Origin {origin} is not allowed for this store", "$.headers.origin")
        if limited := await self._limits.admit(request, store.rates.overlay, "push", store.id):
            return allow_origin(limited, origin)
        return store

    async def config(self, request: Request) -> Response:
        origin = request_origin(request)
        store = await self._store(request, request.query_params.get("key"), "$.query.key")
        if isinstance(store, Response):
            return store
        if not push_enabled(store):
            return allow_origin(error_response(404, "Web push is not switched on for this store", "$.flows.web_push"), origin)
        async with self._sessions() as db:
            key = await vapid_key(db, store.id)
        if key is None:
            return allow_origin(error_response(404, "This store has no VAPID key yet (cartcoach flows vapid --store ID)", "$.flows.web_push"), origin)
        response = Response(_encode(PushConfig(key.public_key)), media_type="application/json")
        response.headers["Cache-Control"] = "private, max-age=300"
        return allow_origin(response, origin)

    async def _ask(self, request: Request, kind: type[AskT]) -> tuple[Store, AskT] | Response:
        """The page's body and its store, or the refusal (415/400/422 body, 401/403/429 store)."""
        if wrong := unsupported_media_type(request, PAGE_TYPES):
            return await self._limits.refuse(request, wrong)
        body = decode_body(await request.body(), kind)
        if isinstance(body, Response):
            return await self._limits.refuse(request, body)
        store = await self._store(request, body.write_key)
        if isinstance(store, Response):
            return store
        return store, body

    async def subscribe(self, request: Request) -> Response:
        origin = request_origin(request)
        asked = await self._ask(request, Subscribe)
        if isinstance(asked, Response):
            return asked
        store, ask = asked
        if not push_enabled(store):
            return allow_origin(error_response(404, "Web push is not switched on for this store", "$.write_key"), origin)
        try:
            check_endpoint(ask.subscription.endpoint, self._service_origins)
            check_keys(ask.subscription.keys)
        except PushError as exc:
            return allow_origin(error_response(422, exc.message, exc.path), origin)
        async with self._sessions.begin() as db:
            await subscribe(db, store.id, ask.subscription, ask.session_id, ask.visitor_id,
                            retention_days=store.flows.retention_days, now_ms=_now())
        return allow_origin(Response(status_code=201), origin)

    async def unsubscribe(self, request: Request) -> Response:
        origin = request_origin(request)
        asked = await self._ask(request, Unsubscribe)
        if isinstance(asked, Response):
            return asked
        store, ask = asked
        async with self._sessions.begin() as db:
            await remove(db, store.id, ask.endpoint, "push_unsubscribed", _now())
        # The same answer whether or not it was known: the page learns nothing about other endpoints.
        return allow_origin(Response(status_code=204), origin)
