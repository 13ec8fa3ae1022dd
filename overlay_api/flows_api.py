"""The flows' reading side: the outbox and the report (secret key), open/click tracking, the outbox page.

* ``GET /v1/flows/outbox?limit=50``: the latest messages as the shopper got them (or would
  have: skipped steps say why), newest first; recipients are masked.
* ``GET /v1/flows/report``: counters per flow, step and channel (:mod:`flows.report`).
* ``GET /v1/flows/open/...`` (the e-mail's pixel) and ``/v1/flows/click/...?to=`` (a tracked
  link that only ever redirects to the store's own site): each counts once per message.
* ``GET /dashboard/outbox``: the page that shows the outbox, e-mails rendered in a
  sandboxed frame (no scripts, no same-origin), SMS and WhatsApp as plain text.
"""

from __future__ import annotations

import base64
import re
from typing import Final

import msgspec
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from flows.models import OutboxMessage
from flows.report import flow_report
from flows.service import FlowService
from flows.tracking import valid_tracking_token
from nudges.stores import StoreRegistry
from overlay_api.auth import store_from_bearer
from overlay_api.dashboard import STATIC_DIR
from overlay_api.errors import error_response

_encode = msgspec.json.Encoder().encode
_PIXEL: Final = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
#: Inline styles are allowed so the e-mails (inline-styled) render as mail clients show them;
#: scripts stay limited to our own file, and the e-mail frame is sandboxed on top.
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_UNAUTHORIZED = "Send Authorization: Bearer <the store's secret key>"


def mask(recipient: str) -> str:
    """Enough to recognise a test address, not enough to harvest one.

    >>> mask("ayla.yilmaz@example.com"), mask("+905321234567")
    ('a***@example.com', '+90532***67')
    """
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{recipient[:6]}***{recipient[-2:]}" if len(recipient) > 8 else "***"


_OPEN_PIXEL = re.compile(r'<img src="[^"]*/v1/flows/open/[^"]*"[^>]*>')


def without_pixel(html: str | None) -> str | None:
    """The e-mail as shown in the outbox: its open pixel removed, or every look would count as an open.

    >>> without_pixel('<p>Hi</p><img src="https://c.example/v1/flows/open/s/k/t" width="1" height="1" alt="">')
    '<p>Hi</p>'
    """
    return None if html is None else _OPEN_PIXEL.sub("", html)


def _json(body: object) -> Response:
    return Response(_encode(body), media_type="application/json", headers={"Cache-Control": "no-store"})


class FlowsApi:
    def __init__(self, registry: StoreRegistry, flows: FlowService) -> None:
        self._registry = registry
        self._flows = flows

    def routes(self) -> list[Route]:
        return [
            Route("/v1/flows/outbox", self.outbox, methods=["GET"]),
            Route("/v1/flows/report", self.report, methods=["GET"]),
            Route("/v1/flows/open/{store_id}/{key}/{token}", self.opened, methods=["GET"]),
            Route("/v1/flows/click/{store_id}/{key}/{token}", self.clicked, methods=["GET"]),
            Route("/dashboard/outbox", self.page, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "outbox.html", headers=_PAGE_HEADERS)

    async def outbox(self, request: Request) -> Response:
        store = store_from_bearer(request, self._registry)
        if store is None:
            return error_response(401, _UNAUTHORIZED)
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 500:
            return error_response(422, "limit must be 1-500", "$.query.limit")
        async with self._flows.sessions() as db:
            rows = await db.scalars(select(OutboxMessage).where(OutboxMessage.store_id == store.id)
                                    .order_by(OutboxMessage.created_ms.desc()).limit(limit))
            messages = [{
                "key": r.idempotency_key, "flow": r.flow, "step": r.step, "channel": r.channel, "status": r.status,
                "detail": r.detail, "recipient": mask(r.recipient), "subject": r.subject, "text": r.text,
                "html": without_pixel(r.html), "incentive": r.incentive, "coupon": r.coupon_code, "attempts": r.attempts,
                "due_ms": r.due_ms, "created_ms": r.created_ms, "sent_ms": r.sent_ms,
                "opened": r.opened_ms is not None, "clicked": r.clicked_ms is not None,
            } for r in rows]
        return _json({"store_id": store.id, "messages": messages})

    async def report(self, request: Request) -> Response:
        store = store_from_bearer(request, self._registry)
        if store is None:
            return error_response(401, _UNAUTHORIZED)
        async with self._flows.sessions() as db:
            return _json({"store_id": store.id, "steps": await flow_report(db, store.id)})

    async def _mark(self, request: Request, column: str) -> bool:
        p = request.path_params
        store = self._registry.by_id(p["store_id"])
        if store is None or not valid_tracking_token(store.secret_key, p["key"], p["token"]):
            return False
        async with self._flows.sessions.begin() as db:
            row = await db.get(OutboxMessage, p["key"])
            if row is not None and row.store_id == store.id and getattr(row, column) is None:
                setattr(row, column, self._flows.clock())
        return True

    async def opened(self, request: Request) -> Response:
        await self._mark(request, "opened_ms")
        return Response(_PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})

    async def clicked(self, request: Request) -> Response:
        store = self._registry.by_id(request.path_params["store_id"])
        target = request.query_params.get("to", "")
        if store is None or not any(target.startswith(o + "/") or target == o for o in store.allowed_origins):
            return error_response(400, "to must be a page of the store's own site", "$.query.to")
        if not await self._mark(request, "clicked_ms"):
            return error_response(404, "Unknown link")
        return RedirectResponse(target, status_code=302)
