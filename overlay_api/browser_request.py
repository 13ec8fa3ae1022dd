"""One request from a shopper's browser to a public route (``/v1/collect``, ``/v1/overlay``).

Both routes admit a browser the same way, and must: the write key names the store (401),
the store's origins decide whether this page may call it (403), the store's rate limit
per write key and client bounds it (429 with Retry-After). A request refused before its
store is known counts against the client's unauthenticated share, so a page that keeps
sending garbage is slowed down even with no valid key. Every answer the page may read
carries the CORS headers of the origin it is allowed for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from nudges.stores import Store, StoreRegistry
from overlay_api.cors import allow_origin, origin_allowed, request_origin
from overlay_api.errors import error_response
from overlay_api.rate_limits import RateLimiter, client_of, too_many_requests


class BrowserRequest:
    """The admission and the answers of one public request.

    ``finish`` adds a route's own headers to every answer (the overlay's
    ``Cache-Control`` and ``Server-Timing``).
    """

    def __init__(
        self,
        request: Request,
        registry: StoreRegistry,
        limiter: RateLimiter,
        finish: Callable[[Response], None] | None = None,
    ) -> None:
        self.origin = request_origin(request)
        self.client = client_of(request)
        #: Known once :meth:`admit` has found the write key's store.
        self.store: Store | None = None
        self._registry = registry
        self._limiter = limiter
        self._finish = finish

    def reply(self, response: Response) -> Response:
        """The answer, readable by the page when its origin is allowed."""
        if origin_allowed(self.origin, self.store, self._registry):
            allow_origin(response, self.origin)
        if self._finish is not None:
            self._finish(response)
        return response

    async def refuse(self, status: int, message: str, path: str) -> Response:
        """A 4xx before the store is known counts against the client's unauthenticated share."""
        wait = await self._limiter.hit(self._registry.unauthenticated_rate_limit, "unauthenticated", self.client)
        return self.reply(too_many_requests(wait) if wait else error_response(status, message, path))

    async def admit(self, write_key: str, key_path: str, route: Literal["collect", "overlay"]) -> Store | Response:
        """The write key's store, or the 401/403/429 that refuses this request.

        ``route`` is both the rate-limit bucket and the store's limit for it
        (``rate_limits.collect`` or ``rate_limits.overlay`` in the stores file).
        """
        self.store = self._registry.by_write_key(write_key)
        if self.store is None:
            return await self.refuse(401, "Unknown write key", key_path)
        if not origin_allowed(self.origin, self.store, self._registry):
            return error_response(403, f"Origin {self.origin} is not allowed for this store", "$.headers.origin")
        wait = await self._limiter.hit(getattr(self.store.rates, route), route, self.store.id, self.client)
        if wait:
            return self.reply(too_many_requests(wait))
        return self.store
