"""Per-store CORS: each store names its own origins, so the check needs the request's store.

Starlette's CORSMiddleware takes one fixed list for the whole app; here the allowed
origins depend on the write key, so the endpoints call these helpers themselves.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nudges.stores import Store, StoreRegistry

PREFLIGHT_MAX_AGE_S = 600
#: Binding one of these means a browser on this machine uses any loopback name.
_ANY_OR_LOOPBACK = {"0.0.0.0", "::", "", "127.0.0.1", "localhost", "::1"}


def served_origins(host: str, port: int) -> tuple[str, ...]:
    """The origins a browser uses to reach a server bound to ``host:port``.

    >>> served_origins("127.0.0.1", 8101)
    ('http://127.0.0.1:8101', 'http://localhost:8101', 'http://[::1]:8101')
    >>> served_origins("shop.internal", 80)
    ('http://shop.internal',)
    """
    hosts = ["127.0.0.1", "localhost", "[::1]"] if host in _ANY_OR_LOOPBACK else [host]
    suffix = "" if port == 80 else f":{port}"
    return tuple(f"http://{h}{suffix}" for h in hosts)


def request_origin(request: Request) -> str | None:
    return request.headers.get("origin")


def allow_origin(response: Response, origin: str | None) -> Response:
    """Let the browser at ``origin`` read this response (and its Retry-After, for the snippet's backoff)."""
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        response.headers["Vary"] = "Origin"
    return response


def origin_allowed(origin: str | None, store: Store | None, registry: StoreRegistry) -> bool:
    """No Origin header (a server, curl) passes; a browser's origin must be on the store's list.

    Before the store is known (an unreadable body) any store's origin may read the error.
    """
    if origin is None:
        return True
    if store is None:
        return registry.origin_allowed_anywhere(origin)
    return store.allows_origin(origin)


def preflight(request: Request, registry: StoreRegistry, methods: str) -> Response:
    """Answer an OPTIONS preflight for an origin some store allows, else 403."""
    origin = request_origin(request)
    if origin is None or not registry.origin_allowed_anywhere(origin):
        return Response(status_code=403)
    response = Response(status_code=204)
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
    return allow_origin(response, origin)
