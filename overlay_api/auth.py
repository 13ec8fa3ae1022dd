"""Server-to-server authentication: ``Authorization: Bearer SECRET_KEY`` names the store.

Why a separate key: the write key is public (it sits in every page's script tag), so
anything that reads reports or reports money (outcomes) needs the store's secret key,
which only its back end holds. Browsers never send it, so these endpoints have no CORS.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from nudges.stores import Store, StoreRegistry


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
