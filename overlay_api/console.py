"""The dashboard's accounts and settings over HTTP: sign-up, sign-in/out, settings with a
preview, invitations and the agency page. JSON in and out, for the dashboard page.

Sessions: a random id in a cookie signed by Starlette's ``SessionMiddleware``
(itsdangerous), HttpOnly, ``SameSite=Strict``, ``Secure`` off loopback, path
``/dashboard``; the id's hash is a row in the database, so signing out ends it on the
server too. CSRF: starlette-csrf's double-submit cookie on every state-changing
``/dashboard`` request (a JSON API called by our own script: no form tokens to render;
the cookie is signed, so a subdomain cannot plant a matching pair). Both layers wrap the
``/dashboard`` paths only: a shopper's request to the collector never gets a cookie.

Sign-in attempts are limited per account and per client with the API's own
:class:`overlay_api.rate_limits.RateLimiter` (429 with Retry-After).

The store's secret key stays the API's credential (``Authorization: Bearer``); the
dashboard's data routes accept either, and the page itself signs in with users.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from typing import Any, Final

import msgspec
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette_csrf import CSRFMiddleware

from accounts.models import OWNER, User
from accounts.service import Access, Accounts, NewStore
from accounts.store_settings import FieldError, SettingsRefused
from nudges import tones
from nudges.catalogue import Catalogue
from nudges.decision import Moment, proposals
from nudges.experiment_report import build_report
from nudges.ledger import ExperimentLedger, MemoryLedger
from nudges.stores import Store, StoreRegistry
from overlay_api.auth import SecretKeyGuard
from overlay_api.dashboard_token import TokenSigner
from overlay_api.errors import error_response
from overlay_api.message_templates import template_of
from overlay_api.installation import InstallationCensus
from overlay_api.rate_limits import RateLimiter, client_of, too_many_requests
from scorer.profile import AbandonmentProfile

_encode = msgspec.json.Encoder().encode
SESSION_COOKIE: Final = "cartcoach_session"
CSRF_COOKIE: Final = "cartcoach_csrf"
CSRF_HEADER: Final = "x-csrf-token"
REASONS: Final = ("price", "trust", "shipping_speed", "indecision", "checkout_friction")
LOCALES: Final = ("en", "tr")
_NO_STORE: Final = {"Cache-Control": "no-store"}


def _key(server_key: bytes, purpose: str) -> str:
    """A key for one purpose, derived from the server's key (a cookie key never signs a model)."""
    return hmac.new(server_key, f"cartcoach/dashboard/{purpose}/v1".encode(), hashlib.sha256).hexdigest()


class DashboardLayers:
    """Sessions and CSRF around the ``/dashboard`` paths only (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, server_key: bytes, secure: bool, session_ttl_s: int) -> None:
        self.app = app
        csrf = CSRFMiddleware(
            app, _key(server_key, "csrf"),
            # The bearer-key token route is an API call (no cookie can authenticate it).
            exempt_urls=[re.compile(r"^/dashboard/api/token$")],
            cookie_name=CSRF_COOKIE, cookie_path="/dashboard", cookie_secure=secure,
            cookie_samesite="strict", header_name=CSRF_HEADER,
        )  # fmt: skip
        self.wrapped = SessionMiddleware(
            csrf, _key(server_key, "session"), session_cookie=SESSION_COOKIE, max_age=session_ttl_s,
            path="/dashboard", same_site="strict", https_only=secure,
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] == "/dashboard" or scope["path"].startswith("/dashboard/")):
            await self.wrapped(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _json(body: Any, status: int = 200) -> Response:
    return Response(_encode(body), status_code=status, media_type="application/json", headers=_NO_STORE)


def _refused(errors: list[FieldError], status: int = 422) -> Response:
    """The API's error shape, plus every field's message as a template with values when one
    fits (:mod:`overlay_api.message_templates`): the dashboard says it in the user's language."""
    body = {"error": errors[0].message, "path": errors[0].field,
            "errors": [{"field": e.field, "message": e.message, **(template_of(e.message) or {})} for e in errors]}
    return _json(body, status)


async def _body(request: Request) -> dict[str, Any] | Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return error_response(415, "Send Content-Type: application/json", "$.headers.content-type")
    try:
        body = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        return error_response(400, "The body is not valid JSON", "$")
    if not isinstance(body, dict):
        return error_response(422, "Send a JSON object", "$")
    return body


def preview_profile(store: Store, reason: str, cart_value: float) -> AbandonmentProfile:
    """A shopper sure of one reason, with evidence and a cart: what a confident profile looks like."""
    others = (1.0 - 0.9) / (len(REASONS) - 1)
    return AbandonmentProfile(
        store_id=store.id, session_id="preview-session", visitor_id="preview-visitor", at=0,
        reasons={r: (0.9 if r == reason else others) for r in REASONS}, top_reason=reason, confidence=0.9,
        risk=0.7, evidence=["preview"], cart_value=cart_value, device=None, events_seen=10, model_version="preview",
    )  # fmt: skip


class Console:
    def __init__(
        self,
        accounts: Accounts,
        registry: StoreRegistry,
        catalogue: Catalogue,
        ledger: ExperimentLedger,
        census: InstallationCensus,
        limiter: RateLimiter,
        signer: TokenSigner,
        guard: SecretKeyGuard,
        *,
        signin_per_account: str,
        signin_per_client: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts = accounts
        self._registry = registry
        self._catalogue = catalogue
        self._ledger = ledger
        self._census = census
        self._limiter = limiter
        self._signer = signer
        self._guard = guard
        self._per_account = signin_per_account
        self._per_client = signin_per_client
        self._clock = clock

    # ---- who is asking ---------------------------------------------------------------------
    async def user(self, request: Request) -> User | None:
        sid = request.session.get("sid") if "session" in request.scope else None
        return await self.accounts.session_user(sid) if isinstance(sid, str) else None

    async def signed_in(self, request: Request) -> tuple[User, Access] | Response:
        user = await self.user(request)
        if user is None:
            return error_response(401, "Sign in first")
        return user, await self.accounts.access(user)

    async def store_for(self, request: Request, store_id: str | None, *, owner: bool = False) -> tuple[Store, str] | Response:
        """The store and the caller's role on it: 401 signed out, 404 not theirs, 403 not an owner when needed."""
        who = await self.signed_in(request)
        if isinstance(who, Response):
            return who
        _, access = who
        role = access.role(store_id or "")
        store = self._registry.by_id(store_id or "")
        if role is None or store is None:  # another user's store does not exist, as far as this user knows
            return error_response(404, "No such store among yours", "$.path.store")
        if owner and role != OWNER:
            return error_response(403, "Your role on this store is analyst: read-only", "$.role")
        return store, role

    async def store_or_bearer(self, request: Request) -> Store | Response:
        """For the data routes: the API's bearer key, else the signed-in user's ``?store=``."""
        if request.headers.get("authorization"):
            return await self._guard.store(request)
        found = await self.store_for(request, request.query_params.get("store"))
        return found if isinstance(found, Response) else found[0]

    # ---- sign-up, sign-in, sign-out --------------------------------------------------------
    async def _throttled(self, request: Request, email: str) -> Response | None:
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        for spec, scope, who in ((self._per_client, "signin-client", client_of(request)),
                                 (self._per_account, "signin-account", account)):
            wait = await self._limiter.hit(spec, scope, who)
            if wait:
                return too_many_requests(wait)
        return None

    async def _start_session(self, request: Request, user: User) -> None:
        request.session.clear()  # a new id at every sign-in (no session fixation)
        request.session["sid"] = await self.accounts.open_session(user)

    async def _credentials(self, request: Request) -> tuple[dict[str, Any], str, str] | Response:
        """The body with its e-mail and password, once the sign-in throttle lets them through."""
        body = await _body(request)
        if isinstance(body, Response):
            return body
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        throttled = await self._throttled(request, email)
        return throttled or (body, email, password)

    async def sign_up(self, request: Request) -> Response:
        given = await self._credentials(request)
        if isinstance(given, Response):
            return given
        body, email, password = given
        store = body.get("store")
        agency = body.get("agency")
        try:
            new_store = None
            if isinstance(store, dict):
                new_store = NewStore(id=str(store.get("id", "")), origin=str(store.get("origin", "")),
                                     locale=str(store.get("locale", "en")), currency=str(store.get("currency", "TRY")))
            user, made = await self.accounts.sign_up(
                email, password, store=new_store,
                agency_name=str(agency.get("name", "")) if isinstance(agency, dict) else None,
                invitation=str(body["invitation"]) if body.get("invitation") else None,
                language=str(body.get("language") or "") or None,
            )
        except SettingsRefused as exc:
            return _refused(exc.errors)
        await self._start_session(request, user)
        return _json({"email": user.email, **made}, 201)

    async def sign_in(self, request: Request) -> Response:
        given = await self._credentials(request)
        if isinstance(given, Response):
            return given
        _, email, password = given
        user = await self.accounts.authenticate(email, password)
        if user is None:
            return error_response(401, "Wrong e-mail or password", "$.password")
        await self._start_session(request, user)
        return _json({"email": user.email})

    async def sign_out(self, request: Request) -> Response:
        sid = request.session.get("sid")
        if isinstance(sid, str):
            await self.accounts.close_session(sid)
        request.session.clear()
        return _json({"signed_out": True})

    async def me(self, request: Request) -> Response:
        who = await self.signed_in(request)
        if isinstance(who, Response):
            return who
        user, access = who
        stores = [{"id": sid, "role": role, "agency_id": self.accounts.store_settings.agency_of.get(sid),
                   "experiment": s.experiment.name, "currency": s.currency}
                  for sid, role in sorted(access.stores.items()) if (s := self._registry.by_id(sid))]
        agencies = [{"id": aid, "name": await self.accounts.agency_name(aid), "role": role}
                    for aid, role in sorted(access.agencies.items())]
        return _json({"email": user.email, "language": user.language, "stores": stores, "agencies": agencies})

    async def save_language(self, request: Request) -> Response:
        """``PUT /dashboard/api/me/language`` ``{"language": "tr"}``: the user's dashboard language."""
        who = await self.signed_in(request)
        if isinstance(who, Response):
            return who
        body = await _body(request)
        if isinstance(body, Response):
            return body
        user, _ = who
        try:
            await self.accounts.set_language(user, str(body.get("language", "")))
        except SettingsRefused as exc:
            return _refused(exc.errors)
        return _json({"language": user.language})

    # ---- settings and preview --------------------------------------------------------------
    async def get_settings(self, request: Request) -> Response:
        found = await self.store_for(request, request.path_params["store"])
        if isinstance(found, Response):
            return found
        store, role = found
        settings = self.accounts.store_settings
        products = [{"id": p.id, "name": p.name_in(store.locale), "price": p.price}
                    for p in self._catalogue.products(store.id)]
        return _json({
            "store_id": store.id, "role": role, "write_key": store.write_key,
            "settings": settings.editable(store.id), "products": products,
            "tones": {name: msgspec.to_builtins(tone) for name, tone in tones.LIBRARY.items()},
            "audit": await settings.audit(store.id),
        })  # fmt: skip

    async def save_settings(self, request: Request) -> Response:
        found = await self.store_for(request, request.path_params["store"], owner=True)
        if isinstance(found, Response):
            return found
        store, _ = found
        body = await _body(request)
        if isinstance(body, Response):
            return body
        user = await self.user(request)
        try:
            changed = await self.accounts.store_settings.save(store.id, body.get("changes"), user.id if user else None)
        except SettingsRefused as exc:
            return _refused(exc.errors)
        return _json({"changed": [field for field, _, _ in changed],
                      "settings": self.accounts.store_settings.editable(store.id)})

    async def preview(self, request: Request) -> Response:
        """The three variants per reason and locale, for the draft settings (saved or not)."""
        found = await self.store_for(request, request.path_params["store"])
        if isinstance(found, Response):
            return found
        store, _ = found
        body = await _body(request)
        if isinstance(body, Response):
            return body
        try:
            _, draft = self.accounts.store_settings.draft(store.id, body.get("changes") or {})
        except SettingsRefused as exc:
            return _refused(exc.errors)
        product_id = body.get("product_id")
        product = self._catalogue.product(store.id, product_id) if isinstance(product_id, str) else None
        if product_id is not None and product is None:
            return error_response(422, "No such product in this store's catalogue", "$.product_id")
        cart_value = product.price if product else 100.0
        # A fresh ledger: the preview shows a first-time shopper (no coupon given before).
        ledger, now_ms = MemoryLedger(), int(self._clock() * 1000)
        out: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for reason in REASONS:
            out[reason] = {}
            for locale in LOCALES:
                moment = Moment(session_id="preview-session", visitor_id=None, trigger="exit_intent", locale=locale,
                                product_id=product.id if product else None, now_ms=now_ms)
                proposal = await proposals(draft, preview_profile(draft, reason, cart_value), moment, ledger,
                                           self._catalogue)
                out[reason][locale] = [
                    {"rank": v.rank, "incentive": v.incentive, "reason": v.reason, "title": v.title, "body": v.body,
                     "cta": v.cta_label, "dismiss": v.dismiss_label, "coupon_pct": v.coupon_pct}
                    for v in proposal.variants
                ]  # fmt: skip
        tone = draft.tone if isinstance(draft.tone, str) or draft.tone is None else f"copy of {draft.tone.like or draft.voice}"
        return _json({"store_id": store.id, "voice": draft.tone_in_force.voice, "tone": tone,
                      "product_id": product.id if product else None, "variants": out})

    # ---- people ----------------------------------------------------------------------------
    async def invite(self, request: Request) -> Response:
        found = await self.store_for(request, request.path_params["store"], owner=True)
        if isinstance(found, Response):
            return found
        body = await _body(request)
        if isinstance(body, Response):
            return body
        user = await self.user(request)
        assert user is not None
        try:
            token = await self.accounts.invite(user, str(body.get("role", "")), store_id=found[0].id)
        except SettingsRefused as exc:
            return _refused(exc.errors)
        return _json({"invitation": token, "link": f"/dashboard#invitation={token}"}, 201)

    async def stream_token(self, request: Request) -> Response:
        found = await self.store_for(request, request.path_params["store"])
        if isinstance(found, Response):
            return found
        return _json({"token": self._signer.issue(found[0].id), "expires_in_s": self._signer.ttl_s})

    async def report(self, request: Request) -> Response:
        """The current experiment's report, as ``GET /v1/experiments/{name}/report`` answers it."""
        found = await self.store_for(request, request.path_params["store"])
        if isinstance(found, Response):
            return found
        store = found[0]
        tallies = await self._ledger.tallies(store.id, store.experiment.name)
        report = build_report(store.id, store.experiment.name, tallies, store.experiment.report_margin_pct)
        return Response(msgspec.json.encode(report), media_type="application/json", headers=_NO_STORE)

    # ---- the agency page -------------------------------------------------------------------
    async def agency_for(self, request: Request, *, owner: bool = False) -> tuple[User, str, str] | Response:
        """The user, the agency in the path and their role in it: 401 signed out, 404 not theirs,
        403 not an owner when needed (as :meth:`store_for` for stores)."""
        who = await self.signed_in(request)
        if isinstance(who, Response):
            return who
        user, access = who
        agency_id = request.path_params["agency"]
        if agency_id not in access.agencies:
            return error_response(404, "No such agency among yours", "$.path.agency")
        if owner and access.agencies[agency_id] != OWNER:
            return error_response(403, "Your role in this agency is analyst: read-only", "$.role")
        return user, agency_id, access.agencies[agency_id]

    async def agency(self, request: Request) -> Response:
        """Every client store's health on one screen — the agency's clients and no other store."""
        found = await self.agency_for(request)
        if isinstance(found, Response):
            return found
        _, agency_id, role = found
        rows = []
        for store_id in await self.accounts.agency_clients(agency_id):
            store = self._registry.by_id(store_id)
            if store is None:
                continue
            rows.append(await self._health(store))
        return _json({"agency_id": agency_id, "name": await self.accounts.agency_name(agency_id),
                      "role": role, "stores": rows})

    async def add_client(self, request: Request) -> Response:
        found = await self.agency_for(request, owner=True)
        if isinstance(found, Response):
            return found
        user, agency_id, _ = found
        body = await _body(request)
        if isinstance(body, Response):
            return body
        store = body.get("store") if isinstance(body.get("store"), dict) else {}
        new = NewStore(id=str(store.get("id", "")), origin=str(store.get("origin", "")),
                       locale=str(store.get("locale", "en")), currency=str(store.get("currency", "TRY")))
        try:
            made = await self.accounts.add_store(user, new.document(), agency_id)
        except SettingsRefused as exc:
            return _refused(exc.errors)
        return _json(made, 201)

    async def _health(self, store: Store) -> dict[str, Any]:
        events_hour = await self._census.events_last_hour(store.id)
        installation = await self._census.report(store.id)
        tallies = await self._ledger.tallies(store.id, store.experiment.name)
        treated = [t for (arm, _), t in tallies.items() if arm != "holdout"]
        pages = sorted(installation["pages"])
        if events_hour:
            status = "receiving"
        elif pages or installation["other_pages"]:
            status = "quiet for an hour"
        else:
            status = "not installed"
        return {
            "store_id": store.id, "currency": store.currency, "events_last_hour": events_hour,
            "installation": status, "page_types": pages,
            "missing_signals": sum(len(p["missing"]) for p in installation["pages"].values()),
            "overlays_shown": sum(t.exposures for t in treated),
            "recovered_revenue_verified": round(sum(t.revenue for t in treated), 2),
        }  # fmt: skip

    def routes(self) -> list[Route]:
        return [
            Route("/dashboard/api/signup", self.sign_up, methods=["POST"]),
            Route("/dashboard/api/signin", self.sign_in, methods=["POST"]),
            Route("/dashboard/api/signout", self.sign_out, methods=["POST"]),
            Route("/dashboard/api/me", self.me, methods=["GET"]),
            Route("/dashboard/api/me/language", self.save_language, methods=["PUT"]),
            Route("/dashboard/api/stores/{store}/settings", self.get_settings, methods=["GET"]),
            Route("/dashboard/api/stores/{store}/settings", self.save_settings, methods=["PUT"]),
            Route("/dashboard/api/stores/{store}/preview", self.preview, methods=["POST"]),
            Route("/dashboard/api/stores/{store}/invitations", self.invite, methods=["POST"]),
            Route("/dashboard/api/stores/{store}/stream-token", self.stream_token, methods=["POST"]),
            Route("/dashboard/api/stores/{store}/report", self.report, methods=["GET"]),
            Route("/dashboard/api/agencies/{agency}", self.agency, methods=["GET"]),
            Route("/dashboard/api/agencies/{agency}/stores", self.add_client, methods=["POST"]),
        ]
