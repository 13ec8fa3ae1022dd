"""Server-to-server authentication: ``Authorization: Bearer SECRET_KEY`` names the store.

Why a separate key: the write key is public (it sits in every page's script tag), so
anything that reads reports or reports money (outcomes) needs the store's secret key,
which only its back end holds. Browsers never send it, so these endpoints have no CORS.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from nudges.stores import Store, StoreRegistry
from overlay_api.errors import error_response
from overlay_api.rate_limits import ClientLimits, RateLimiter


def store_from_bearer(request: Request, registry: StoreRegistry) -> Store | None:
    """The store whose secret key the request presents, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    store = registry.by_secret_key(token.strip())
    # The dict look-up found it by hashing; compare again in constant time all the same.
    if store is None or not hmac.compare_digest(store.secret_key, token.strip()):
        return None
    return store


UNAUTHORIZED = "Send Authorization: Bearer <the store's secret key>"


class SecretKeyGuard:
    """Authentication plus rate limits for every secret-key route.

    A request without the right key counts against its client's share of
    ``unauthenticated_rate_limit`` (so guessing a key is hopeless); a signed-in one
    against its store's ``rate_limits.secret``, per client.
    """

    def __init__(self, registry: StoreRegistry, limiter: RateLimiter) -> None:
        self._registry = registry
        #: Shared with the public routes, so one client's failures add up wherever they happen.
        self.limits = ClientLimits(registry, limiter)
        #: Set by the app: a signed-in dashboard user's store (``?store=``), for :meth:`reader`.
        self.signed_in: Callable[[Request], Awaitable[Store | Response]] | None = None

    async def refused(self, request: Request, message: str = UNAUTHORIZED) -> Response:
        """401, or 429 once this client has failed too often."""
        return await self.limits.refuse(request, error_response(401, message))

    async def admit(self, request: Request, store: Store) -> Response | None:
        """None if the signed-in store's client may go on, else the 429."""
        return await self.limits.admit(request, store.rates.secret, "secret", store.id)

    async def store(self, request: Request) -> Store | Response:
        """The store the bearer key names, or the response to send instead (401 or 429)."""
        store = store_from_bearer(request, self._registry)
        if store is None:
            return await self.refused(request)
        return await self.admit(request, store) or store

    async def reader(self, request: Request) -> Store | Response:
        """For the read routes: the bearer key, and on the dashboard's own paths a signed-in
        user too (the sign-in cookie is scoped to ``/dashboard``, so ``/v1`` never sees it)."""
        if self.signed_in is not None and request.url.path.startswith("/dashboard/"):
            return await self.signed_in(request)
        return await self.store(request)
