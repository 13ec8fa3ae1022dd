"""Rate limits: 429 with ``Retry-After`` once a client has used its share.

Why the ``limits`` library: sliding-window counters that cost one round trip, the
same code over memory (the embedded default, one process) and Redis (the full path:
every API instance shares the counts, so adding instances does not multiply a
client's allowance). The rates come from the stores file (:class:`nudges.stores.RateLimits`).

If the counter storage fails (Redis restarting), requests are let through and the
failure is logged: a rate limit must never take the collector down with it.

A client over its limit is remembered in this process for at most a second (or
until its window frees up, if sooner): its next requests are refused without asking
the storage again, so a flood costs Redis one round trip a second per client, not
two per request.

>>> import asyncio
>>> limiter = RateLimiter.in_memory()
>>> async def three():
...     return [await limiter.hit("2/minute", "collect", "shop", "10.0.0.1") for _ in range(3)]
>>> waits = asyncio.run(three())
>>> waits[:2], 0 < waits[2] <= 60
([0, 0], True)
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nudges.stores import StoreRegistry
from overlay_api.errors import error_response

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=256)
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def client_of(request: Request) -> str:
    """The client a limit counts: its address as the server sees it."""
    return request.client.host if request.client else "unknown"


def too_many_requests(wait_s: int) -> JSONResponse:
    return error_response(
        429, f"Too many requests from this client; retry after {wait_s} s", headers={"Retry-After": str(wait_s)}
    )


#: How long a refusal is remembered without asking the storage again (seconds).
DENY_MEMORY_S = 1.0
#: Refusals remembered at most (the oldest are forgotten first).
DENY_MEMORY_SIZE = 10_000


class RateLimiter:
    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._clock = clock
        #: (spec, identifiers) -> (remembered until, the client's reset time), both epoch seconds.
        self._denied: dict[tuple[str, ...], tuple[float, float]] = {}
        self.rejected = 0

    @classmethod
    def in_memory(cls) -> RateLimiter:
        return cls(MemoryStorage())

    @classmethod
    def on_redis(cls, redis_url: str) -> RateLimiter:
        """Counts shared through Redis (redis-py, the client the rest of the app uses)."""
        return cls(RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix="cartcoach:limits"))

    async def hit(self, spec: str, *identifiers: str) -> int:
        """Count one request; 0 if it is allowed, else the seconds to wait before the next."""
        now = self._clock()
        key = (spec, *identifiers)
        remembered = self._denied.get(key)
        if remembered is not None and remembered[0] > now:
            self.rejected += 1
            return max(1, math.ceil(remembered[1] - now))
        try:
            for item in _items(spec):
                if not await self._limiter.hit(item, *identifiers):
                    reset = (await self._limiter.get_window_stats(item, *identifiers)).reset_time
                    self._remember(key, min(now + DENY_MEMORY_S, reset), reset)
                    self.rejected += 1
                    return max(1, math.ceil(reset - now))
        except Exception as exc:  # noqa: BLE001 - storage down: let the request through
            log.warning("rate limit not checked (%s): %r", spec, exc)
        return 0

    def _remember(self, key: tuple[str, ...], until: float, reset: float) -> None:
        self._denied.pop(key, None)
        self._denied[key] = (until, reset)
        if len(self._denied) > DENY_MEMORY_SIZE:
            del self._denied[next(iter(self._denied))]


class ClientLimits:
    """The two shares a client's requests count against, on every route.

    Before a request's store is known (bad body, unknown key, forged link token) it counts
    against the client's ``unauthenticated_rate_limit``, so probing is hopeless; once the
    store is known, against that store's rate for the route, per client.
    """

    def __init__(self, registry: StoreRegistry, limiter: RateLimiter) -> None:
        self._registry = registry
        self._limiter = limiter

    async def refuse(self, request: Request, refusal: Response) -> Response:
        """``refusal`` (the 4xx for a request whose store is unknown), or 429 once this client has failed too often."""
        wait = await self._limiter.hit(self._registry.unauthenticated_rate_limit, "unauthenticated", client_of(request))
        return too_many_requests(wait) if wait else refusal

    async def admit(self, request: Request, spec: str, scope: str, store_id: str) -> JSONResponse | None:
        """None if this client may go on with ``store_id``'s ``scope`` routes, else the 429."""
        wait = await self._limiter.hit(spec, scope, store_id, client_of(request))
        return too_many_requests(wait) if wait else None
