"""The flows' reading side: the outbox and the report (secret key), open/click tracking, the outbox page.

* ``GET /v1/flows/outbox?limit=50``: the latest messages as the shopper got them (or would
  have: skipped steps say why), newest first; recipients are masked.
* ``GET /v1/flows/report``: counters per flow, step and channel, and the flow against its
  holdout with the overlay report's always-valid intervals and net margin (:mod:`flows.report`).
* ``GET /v1/flows/plan?session_id=``: the shopper's plan (:mod:`flows.plan`): what the page
  showed, what is scheduled, sent or held back, and which rule held it back.
* ``GET /v1/flows/open/...`` (the e-mail's pixel) and ``/v1/flows/click/...?to=`` (a tracked
  link that only ever redirects to the store's own site): each counts once per message.
* ``GET /dashboard/outbox``: the page that shows the outbox, e-mails rendered in a
  sandboxed frame (no scripts, no same-origin), SMS and WhatsApp as plain text.
* ``GET /dashboard/api/flows/{outbox,report,plan}?store=``: the same three for a signed-in
  dashboard user (session cookie), which is how the dashboard's panels read them.
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
from flows.plan import Plan, shopper_plan
from flows.report import comparison, flow_report
from flows.service import FlowService
from flows.tracking import valid_tracking_token
from nudges.stores import StoreRegistry
from overlay_api.auth import SecretKeyGuard
from overlay_api.dashboard import STATIC_DIR
from overlay_api.errors import error_response
from nudges.experiment_report import Report

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


class OutboxEntry(msgspec.Struct, frozen=True):
    """One message as the shopper got it (or why it was skipped); the recipient masked."""

    key: str
    flow: str
    step: int
    channel: str
    status: str
    detail: str
    recipient: str
    subject: str | None
    text: str
    html: str | None
    incentive: str
    coupon: str | None
    attempts: int
    due_ms: int
    created_ms: int
    sent_ms: int | None
    opened: bool
    clicked: bool


class Outbox(msgspec.Struct, frozen=True):
    store_id: str
    messages: list[OutboxEntry]


class StepCounts(msgspec.Struct, frozen=True):
    """The counters of one flow step on one channel (:mod:`flows.report`)."""

    flow: str
    step: int
    channel: str
    sent: int
    delivered: int
    opened: int
    clicked: int
    recovered: int
    unsubscribed: int
    refunded: int
    failed: int
    skipped: int
    holdout: int
    deferred: int


class FlowReport(msgspec.Struct, frozen=True):
    store_id: str
    #: The store's flow holdout share (``flows.holdout``).
    holdout_share: float
    steps: list[StepCounts]
    #: Treated against holdout, all reasons then per reason: the overlay report's rows and
    #: method (``arm`` is ``holdout`` or ``treated``; ``exposures`` counts eligible abandoners).
    comparison: Report


def mask(recipient: str) -> str:
    """Enough to recognise a test address, not enough to harvest one.

    >>> mask("ayla.yilmaz@example.com"), mask("+905321234567")
    ('a***@example.com', '+90532***67')
    """
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{recipient[:6]}***{recipient[-2:]}" if len(recipient) > 8 else "***"


#: A session id as the snippet makes them (``scorer.events.Id``).
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_OPEN_PIXEL = re.compile(r'<img src="[^"]*/v1/flows/open/[^"]*"[^>]*>')


def without_pixel(html: str | None) -> str | None:
    """The e-mail as shown in the outbox: its open pixel removed, or every look would count as an open.

    >>> without_pixel('<p>Hi</p><img src="https://c.example/v1/flows/open/s/k/t" width="1" height="1" alt="">')
    '<p>Hi</p>'
    """
    return None if html is None else _OPEN_PIXEL.sub("", html)


def _json(body: msgspec.Struct) -> Response:
    return Response(_encode(body), media_type="application/json", headers={"Cache-Control": "no-store"})


class FlowsApi:
    def __init__(self, registry: StoreRegistry, flows: FlowService, guard: SecretKeyGuard) -> None:
        self._registry = registry
        self._flows = flows
        self._guard = guard
        self._limits = guard.limits

    def routes(self) -> list[Route]:
        return [
            Route("/v1/flows/outbox", self.outbox, methods=["GET"]),
            Route("/v1/flows/report", self.report, methods=["GET"]),
            Route("/v1/flows/plan", self.plan, methods=["GET"]),
            Route("/v1/flows/open/{store_id}/{key}/{token}", self.opened, methods=["GET"]),
            Route("/v1/flows/click/{store_id}/{key}/{token}", self.clicked, methods=["GET"]),
            Route("/dashboard/outbox", self.page, methods=["GET"]),
            Route("/dashboard/api/flows/outbox", self.outbox, methods=["GET"]),
            Route("/dashboard/api/flows/report", self.report, methods=["GET"]),
            Route("/dashboard/api/flows/plan", self.plan, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "outbox.html", headers=_PAGE_HEADERS)

    async def outbox(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 500:
            return error_response(422, "limit must be 1-500", "$.query.limit")
        async with self._flows.sessions() as db:
            rows = await db.scalars(select(OutboxMessage).where(OutboxMessage.store_id == store.id)
                                    .order_by(OutboxMessage.created_ms.desc()).limit(limit))
            messages = [OutboxEntry(
                key=r.idempotency_key, flow=r.flow, step=r.step, channel=r.channel, status=r.status,
                detail=r.detail, recipient=mask(r.recipient), subject=r.subject, text=r.text,
                html=without_pixel(r.html), incentive=r.incentive, coupon=r.coupon_code, attempts=r.attempts,
                due_ms=r.due_ms, created_ms=r.created_ms, sent_ms=r.sent_ms,
                opened=r.opened_ms is not None, clicked=r.clicked_ms is not None,
            ) for r in rows]
        return _json(Outbox(store_id=store.id, messages=messages))

    async def report(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        async with self._flows.sessions() as db:
            steps = msgspec.convert(await flow_report(db, store.id), list[StepCounts])
            versus = await comparison(db, store.id, store.experiment.report_margin_pct)
        return _json(FlowReport(store_id=store.id, holdout_share=store.flows.holdout, steps=steps, comparison=versus))

    async def plan(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        session_id = request.query_params.get("session_id", "")
        if not _SESSION_ID.match(session_id):
            return error_response(422, "session_id must be 8-64 letters, digits or _.:-", "$.query.session_id")
        async with self._flows.sessions() as db:
            plan: Plan = await shopper_plan(db, self._flows.ledger, store, session_id, self._flows.speedup)
        return _json(plan)

    async def _mark(self, request: Request, column: str) -> Response | None:
        """Count the open or click once; the 4xx/429 instead if the link is forged or the client too busy.

        A forged token counts against the client's unauthenticated share (guessing is hopeless),
        a real link against the store's overlay rate, per client.
        """
        p = request.path_params
        store = self._registry.by_id(p["store_id"])
        if store is None or not valid_tracking_token(store.secret_key, p["key"], p["token"]):
            return await self._limits.refuse(request, error_response(404, "Unknown link", "$.path.token"))
        if limited := await self._limits.admit(request, store.rates.overlay, "links", store.id):
            return limited
        async with self._flows.sessions.begin() as db:
            row = await db.get(OutboxMessage, p["key"])
            if row is not None and row.store_id == store.id and getattr(row, column) is None:
                setattr(row, column, self._flows.clock())
        return None

    async def opened(self, request: Request) -> Response:
        return await self._mark(request, "opened_ms") or Response(
            _PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})

    async def clicked(self, request: Request) -> Response:
        store = self._registry.by_id(request.path_params["store_id"])
        target = request.query_params.get("to", "")
        if store is None or not any(target.startswith(o + "/") or target == o for o in store.allowed_origins):
            return await self._limits.refuse(
                request, error_response(400, "to must be a page of the store's own site", "$.query.to"))
        return await self._mark(request, "clicked_ms") or RedirectResponse(target, status_code=302)
