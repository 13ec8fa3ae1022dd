"""Contacts, identify, unsubscribe, stop words and coupon redemption: the flows' HTTP side.

* ``POST /v1/contacts`` (secret key): register or update a contact and its consents;
  answers the contact id and the *identify id* the page may send.
* ``DELETE /v1/contacts/{contact_id}`` (secret key): erase the contact and all it owns.
* ``POST /v1/identify`` (write key, from the page): link this session to a contact by
  the opaque identify id only, and start the contact's follow-up flow.
* ``GET|POST /v1/unsubscribe/{store}/{contact}/{channel}/{token}``: the link in every
  message; ``POST`` is RFC 8058's one-click unsubscribe, ``GET`` shows a confirm button
  (link scanners follow GETs; they must not unsubscribe anyone).
* ``POST /v1/inbound`` (secret key): a reply from SMS/WhatsApp; a stop word withdraws
  consent on that channel at once.
* ``POST /v1/coupons/redeem`` (secret key): a flow coupon is used once, before it expires.
"""

from __future__ import annotations

import html
import time
from typing import Annotated, Literal

import msgspec
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from flows.contacts import ContactError, by_identify_id, erase, link_session, normalise_phone, parse_registration, register, set_consent
from flows.models import Contact, Coupon
from flows.push_subscriptions import link_visitor
from flows.rules import is_stop_word
from flows.service import FlowService
from flows.unsubscribe import valid_unsubscribe_token
from nudges.stores import StoreRegistry
from overlay_api.auth import SecretKeyGuard
from overlay_api.cors import allow_origin, origin_allowed, preflight, request_origin
from overlay_api.errors import error_response
from overlay_api.json_body import decode_body, json_body, unsupported_media_type
from scorer.events import Id

IdentifyId = Annotated[str, msgspec.Meta(pattern=r"^ci_[0-9a-f]{32}$")]


class Identify(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    write_key: Annotated[str, msgspec.Meta(max_length=64)]
    session_id: Id
    visitor_id: Id
    identify_id: IdentifyId
    #: The cart's main product (a catalogue id), so the messages can be about it.
    product_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


class Inbound(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    channel: Literal["sms", "whatsapp"]
    sender: Annotated[str, msgspec.Meta(max_length=32)]
    text: Annotated[str, msgspec.Meta(max_length=2000)]


class Redeem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^CC-[0-9A-F]{8}$")]
    order_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class Registered(msgspec.Struct, frozen=True):
    """The answer to a registration: the id to erase it by, the id the page may send to identify."""

    contact_id: str
    identify_id: IdentifyId
    #: When the contact is erased unless registered again (ms since the epoch).
    expires_at: int


class Stopped(msgspec.Struct, frozen=True):
    """How many of the store's contacts with that number a stop word unsubscribed (0 if not a stop word)."""

    stopped: int


class Redeemed(msgspec.Struct, frozen=True):
    code: str
    pct: int


#: RFC 8058 one-click unsubscribe posts a form; so does the confirm page's button.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
UNSUBSCRIBE_CHANNELS = ("email", "sms", "whatsapp", "push")
_encode = msgspec.json.Encoder().encode


def _json(body: msgspec.Struct, status: int = 200) -> Response:
    return Response(_encode(body), status_code=status, media_type="application/json")


def _now() -> int:
    return int(time.time() * 1000)


class ContactsApi:
    def __init__(self, registry: StoreRegistry, flows: FlowService, guard: SecretKeyGuard) -> None:
        self._registry = registry
        self._flows = flows
        self._guard = guard
        self._limits = guard.limits

    def routes(self, max_body_bytes: int) -> list[Route]:
        return [
            Route("/v1/contacts", self.register, methods=["POST"], max_body_size=max_body_bytes),
            Route("/v1/contacts/{contact_id}", self.erase, methods=["DELETE"]),
            Route("/v1/identify", self.identify, methods=["POST"], max_body_size=4096),
            Route("/v1/identify", self.identify_preflight, methods=["OPTIONS"]),
            Route("/v1/unsubscribe/{store_id}/{contact_id}/{channel}/{token}", self.unsubscribe, methods=["GET", "POST"]),
            Route("/v1/inbound", self.inbound, methods=["POST"], max_body_size=8192),
            Route("/v1/coupons/redeem", self.redeem, methods=["POST"], max_body_size=4096),
        ]

    async def register(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        if wrong := unsupported_media_type(request):
            return wrong
        now = _now()
        body = await request.body()
        try:
            reg = parse_registration(body, now)
        except ContactError as exc:
            return error_response(exc.status, exc.message, exc.path)
        except (UnicodeDecodeError, RecursionError):
            return error_response(400, "Not readable JSON", "$")
        async with self._flows.sessions.begin() as db:
            contact = await register(db, store.id, store.secret_key, reg, default_locale=store.locale,
                                     retention_days=store.flows.retention_days, now_ms=now)
            answer = Registered(contact_id=contact.id, identify_id=contact.identify_id, expires_at=contact.expires_ms)
        if not any(c.granted for c in reg.consent.values()) and reg.consent:
            await self._flows.cancel_for_contact(contact.id, "consent withdrawn")
        return _json(answer, status=201)

    async def erase(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        contact_id = request.path_params["contact_id"]
        async with self._flows.sessions() as db:
            contact = await db.get(Contact, contact_id)
        # Another store's contact id is "no such contact": nothing of theirs is touched.
        if contact is None or contact.store_id != store.id:
            return error_response(404, "No such contact in this store", "$.path.contact_id")
        await self._flows.cancel_for_contact(contact_id, "erased")
        async with self._flows.sessions.begin() as db:
            await erase(db, store.id, contact_id)
        return Response(status_code=204)

    async def identify_preflight(self, request: Request) -> Response:
        return preflight(request, self._registry, "POST")

    async def identify(self, request: Request) -> Response:
        """Checked like ``/v1/collect``: refusals before the store is known count against the client."""
        origin = request_origin(request)
        if wrong := unsupported_media_type(request, frozenset({"application/json", "text/plain"})):
            return await self._limits.refuse(request, wrong)
        ident = decode_body(await request.body(), Identify)
        if isinstance(ident, Response):
            return await self._limits.refuse(request, ident)
        store = self._registry.by_write_key(ident.write_key)
        if store is None:
            return await self._limits.refuse(request, error_response(401, "Unknown write key", "$.write_key"))
        if not origin_allowed(origin, store, self._registry):
            return error_response(403, f"Origin {origin} is not allowed for this store", "$.headers.origin")
        if limited := await self._limits.admit(request, store.rates.overlay, "identify", store.id):
            return allow_origin(limited, origin)
        async with self._flows.sessions.begin() as db:
            contact = await by_identify_id(db, store.id, ident.identify_id)
            if contact is not None:
                await link_session(db, contact, ident.session_id, ident.visitor_id, _now())
                # Notifications this visitor accepted before logging in are now the contact's.
                await link_visitor(db, contact, ident.visitor_id, _now())
        if contact is not None:
            await self._flows.start(store, contact, ident.session_id, ident.visitor_id, ident.product_id)
        # The same answer whether or not the id is known: the page learns nothing from it.
        return allow_origin(Response(status_code=204), origin)

    async def unsubscribe(self, request: Request) -> Response:
        p = request.path_params
        store = self._registry.by_id(p["store_id"])
        if store is None or p["channel"] not in UNSUBSCRIBE_CHANNELS or not valid_unsubscribe_token(
            store.secret_key, p["contact_id"], p["channel"], p["token"]
        ):
            # A forged link counts against the client like a wrong key: guessing tokens is hopeless.
            return await self._limits.refuse(request, HTMLResponse("<p>This unsubscribe link is not valid.</p>", status_code=404))
        if limited := await self._limits.admit(request, store.rates.overlay, "links", store.id):
            return limited
        channel = p["channel"]
        if request.method == "POST" and (wrong := unsupported_media_type(request, FORM_TYPES)):
            return wrong
        if request.method == "GET":
            return HTMLResponse(
                f'<!doctype html><meta charset="utf-8"><title>Unsubscribe</title>'
                f'<form method="post"><p>Stop {html.escape(channel)} messages from {html.escape(store.id)}?</p>'
                f'<button type="submit">Unsubscribe</button></form>'
            )
        done = await self.withdraw(p["contact_id"], channel, "unsubscribe_link")
        if not done:
            return HTMLResponse("<p>Nothing to unsubscribe: this contact no longer exists.</p>", status_code=404)
        return HTMLResponse("<!doctype html><meta charset=\"utf-8\"><p>You are unsubscribed.</p>")

    async def withdraw(self, contact_id: str, channel: str, source: str) -> bool:
        """Consent off on ``channel`` at once, and every pending step stopped."""
        async with self._flows.sessions.begin() as db:
            contact = await db.get(Contact, contact_id)
            if contact is None:
                return False
            await set_consent(db, contact, channel, False, source, _now())
        await self._flows.unsubscribed(contact_id, channel)
        await self._flows.cancel_for_contact(contact_id, f"unsubscribed ({channel})")
        return True

    async def inbound(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        reply = await json_body(request, Inbound)
        if isinstance(reply, Response):
            return reply
        try:
            phone = normalise_phone(reply.sender)
        except ContactError as exc:
            return error_response(422, exc.message, "$.sender")
        if not is_stop_word(reply.text):
            return _json(Stopped(stopped=0))
        async with self._flows.sessions() as db:
            ids = list(await db.scalars(select(Contact.id).where(Contact.store_id == store.id, Contact.phone == phone)))
        for contact_id in ids:
            await self.withdraw(contact_id, reply.channel, "stop_word")
        return _json(Stopped(stopped=len(ids)))

    async def redeem(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        ask = await json_body(request, Redeem)
        if isinstance(ask, Response):
            return ask
        now = _now()
        async with self._flows.sessions.begin() as db:
            coupon = await db.get(Coupon, ask.code, with_for_update=True)
            if coupon is None or coupon.store_id != store.id:
                return error_response(404, "No such coupon", "$.code")
            if coupon.redeemed_ms is not None:
                return error_response(409, f"Already used (order {coupon.order_id})", "$.code")
            if coupon.expires_ms <= now:
                return error_response(409, "Expired", "$.code")
            coupon.redeemed_ms, coupon.order_id = now, ask.order_id
            return _json(Redeemed(code=coupon.code, pct=coupon.pct))
