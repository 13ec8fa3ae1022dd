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
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from flows.contacts import ContactError, validation_error, by_identify_id, erase, link_session, normalise_phone, parse_registration, register, set_consent
from flows.models import Contact, Coupon
from flows.rules import is_stop_word
from flows.service import FlowService
from flows.unsubscribe import valid_unsubscribe_token
from nudges.stores import StoreRegistry
from overlay_api.auth import store_from_bearer
from overlay_api.cors import allow_origin, origin_allowed, preflight, request_origin
from overlay_api.errors import error_response
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


def _decode(kind: type, body: bytes):
    """Decode or return the 4xx naming the field."""
    try:
        return msgspec.json.decode(body, type=kind), None
    except msgspec.ValidationError as exc:
        problem = validation_error(exc)
        return None, error_response(422, problem.message, problem.path)
    except msgspec.DecodeError as exc:
        return None, error_response(400, f"not JSON: {exc}")


def _now() -> int:
    return int(time.time() * 1000)


class ContactsApi:
    def __init__(self, registry: StoreRegistry, flows: FlowService) -> None:
        self._registry = registry
        self._flows = flows

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
        store = store_from_bearer(request, self._registry)
        if store is None:
            return error_response(401, "Send Authorization: Bearer <the store's secret key>")
        now = _now()
        try:
            reg = parse_registration(await request.body(), now)
        except ContactError as exc:
            return error_response(exc.status, exc.message, exc.path)
        async with self._flows.sessions.begin() as db:
            contact = await register(db, store.id, store.secret_key, reg, default_locale=store.locale,
                                     retention_days=store.flows.retention_days, now_ms=now)
            body = {"contact_id": contact.id, "identify_id": contact.identify_id, "expires_at": contact.expires_ms}
        if not any(c.granted for c in reg.consent.values()) and reg.consent:
            await self._flows.cancel_for_contact(contact.id, "consent withdrawn")
        return JSONResponse(body, status_code=201)

    async def erase(self, request: Request) -> Response:
        store = store_from_bearer(request, self._registry)
        if store is None:
            return error_response(401, "Send Authorization: Bearer <the store's secret key>")
        contact_id = request.path_params["contact_id"]
        await self._flows.cancel_for_contact(contact_id, "erased")
        async with self._flows.sessions.begin() as db:
            erased = await erase(db, store.id, contact_id)
        if not erased:
            return error_response(404, "No such contact in this store", "$.path.contact_id")
        return Response(status_code=204)

    async def identify_preflight(self, request: Request) -> Response:
        return preflight(request, self._registry, "POST")

    async def identify(self, request: Request) -> Response:
        origin = request_origin(request)
        ident, problem = _decode(Identify, await request.body())
        if problem is not None:
            return problem
        store = self._registry.by_write_key(ident.write_key)
        if store is None:
            return error_response(401, "Unknown write key", "$.write_key")
        if not origin_allowed(origin, store, self._registry):
            return error_response(403, f"Origin {origin} is not allowed for this store")
        async with self._flows.sessions.begin() as db:
            contact = await by_identify_id(db, store.id, ident.identify_id)
            if contact is not None:
                await link_session(db, contact, ident.session_id, ident.visitor_id, _now())
        if contact is not None:
            await self._flows.start(store, contact, ident.session_id, ident.visitor_id, ident.product_id)
        # The same answer whether or not the id is known: the page learns nothing from it.
        return allow_origin(Response(status_code=204), origin)

    async def unsubscribe(self, request: Request) -> Response:
        p = request.path_params
        store = self._registry.by_id(p["store_id"])
        if store is None or p["channel"] not in ("email", "sms", "whatsapp", "push") or not valid_unsubscribe_token(
            store.secret_key, p["contact_id"], p["channel"], p["token"]
        ):
            return HTMLResponse("<p>This unsubscribe link is not valid.</p>", status_code=404)
        channel = p["channel"]
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
        store = store_from_bearer(request, self._registry)
        if store is None:
            return error_response(401, "Send Authorization: Bearer <the store's secret key>")
        reply, problem = _decode(Inbound, await request.body())
        if problem is not None:
            return problem
        try:
            phone = normalise_phone(reply.sender)
        except ContactError as exc:
            return error_response(422, exc.message, "$.sender")
        if not is_stop_word(reply.text):
            return JSONResponse({"stopped": 0})
        async with self._flows.sessions() as db:
            ids = list(await db.scalars(select(Contact.id).where(Contact.store_id == store.id, Contact.phone == phone)))
        for contact_id in ids:
            await self.withdraw(contact_id, reply.channel, "stop_word")
        return JSONResponse({"stopped": len(ids)})

    async def redeem(self, request: Request) -> Response:
        store = store_from_bearer(request, self._registry)
        if store is None:
            return error_response(401, "Send Authorization: Bearer <the store's secret key>")
        ask, problem = _decode(Redeem, await request.body())
        if problem is not None:
            return problem
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
            return JSONResponse({"code": coupon.code, "pct": coupon.pct})
