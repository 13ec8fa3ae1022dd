"""The CRO dashboard: a login page, a token exchange, and JSON summaries for signed-in stores.

Why this shape: ``GET /dashboard`` is a static page that holds no data; a user signs
in (:mod:`overlay_api.console`: e-mail and password, a session cookie) and the page
asks the JSON endpoints below for the store it shows (``?store=``). A store's back end
may call the same endpoints with its secret key (``Authorization: Bearer``), as before.
The live stream takes a short-lived token instead (:mod:`overlay_api.dashboard_token`),
because ``EventSource`` cannot send headers. Every data endpoint answers 401 and
nothing else without valid credentials.

The page is plain JavaScript with hand-written SVG charts: four simple chart kinds
(stacked bars, interval bars, plain bars) need no library, no build step and no
bundle to keep in sync, and the whole page stays a few kilobytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from nudges.stores import Store
from overlay_api.auth import SecretKeyGuard
from overlay_api.dashboard_token import TokenSigner
from overlay_api.live_feed import LiveFeed, matches, parse_filters
from overlay_api.installation import InstallationCensus, MemoryCensus
from overlay_api.message_templates import templates_for
from overlay_api.reason_mix import reason_mix
from stream.model_health import ModelHealth

STATIC_DIR: Final = Path(__file__).with_name("static") / "dashboard"
_encode = msgspec.json.Encoder().encode
#: The page loads only its own script and styles, and cannot be framed.
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Dashboard:
    def __init__(
        self,
        feed: LiveFeed,
        health: ModelHealth,
        signer: TokenSigner,
        guard: SecretKeyGuard,
        census: InstallationCensus | None = None,
    ) -> None:
        self._guard = guard
        self._feed = feed
        self._health = health
        self._signer = signer
        self._census = census or MemoryCensus()

    async def _store(self, request: Request) -> Store | Response:
        return await self._guard.reader(request)  # the secret key, or a signed-in user's ?store=

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)

    async def token(self, request: Request) -> Response:
        """``POST /dashboard/api/token``: the secret key (header) for a stream token."""
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        body = {
            "store_id": store.id,
            "experiment": store.experiment.name,
            "currency": store.currency,
            "token": self._signer.issue(store.id),
            "expires_in_s": self._signer.ttl_s,
        }
        return Response(_encode(body), media_type="application/json", headers={"Cache-Control": "no-store"})

    async def summary(self, request: Request) -> Response:
        """``GET /dashboard/api/summary?reason=&device=``: reason mix and model health."""
        store = await self._store(request)
        if isinstance(store, Response):
            return store
        filters = parse_filters(request)
        if isinstance(filters, Response):
            return filters
        reason, device = filters
        recent = [p for p in self._feed.buffers[store.id].recent() if matches(p, reason, device)]
        health = await self._health.snapshot(store.id)
        mix = reason_mix(recent)
        body = {
            "store_id": store.id,
            "experiment": store.experiment.name,
            "reason_mix": mix,
            "health": health,
            "model_version": recent[-1].model_version if recent else None,
            "sessions": len({p.session_id for p in recent}),
            "templates": templates_for([mix.alarm, health.alarm]),
        }
        return Response(_encode(body), media_type="application/json", headers={"Cache-Control": "no-store"})

    async def installation(self, request: Request) -> Response:
        """``GET /dashboard/api/installation``: per page type, the signals and detectors of the
        last 24 hours, pages typed ``other``, and what to add for each missing signal."""
        store = await self._store(request)
        if isinstance(store, Response):
            return store
        body = await self._census.report(store.id)
        return Response(_encode(body), media_type="application/json", headers={"Cache-Control": "no-store"})

    def routes(self) -> list[Route | Mount]:
        return [
            Route("/dashboard", self.page, methods=["GET"]),
            Route("/dashboard/api/token", self.token, methods=["POST"]),
            Route("/dashboard/api/summary", self.summary, methods=["GET"]),
            Route("/dashboard/api/installation", self.installation, methods=["GET"]),
            Route("/dashboard/stream", self._feed.stream, methods=["GET"]),
            Mount("/dashboard/assets", StaticFiles(directory=STATIC_DIR), name="dashboard-assets"),
        ]
