"""Short-lived signed tokens that let a signed-in dashboard open the live stream.

Why: the browser's ``EventSource`` cannot send an ``Authorization`` header, and the
store's secret key must not travel in a URL (URLs end up in logs and history). So
the page trades the secret key (sent as a header) for a token naming the store and
an expiry, signed with HMAC-SHA256 under a key derived from the server's
``model_signing_key`` (domain-separated, so a token can never pass for a model
signature or the other way round). Tokens need no server-side state, so one minted
before a restart, or by another API instance with the same key, stays valid until
it expires.

>>> signer = TokenSigner(b"k", ttl_s=60, clock=lambda: 1000.0)
>>> token = signer.issue("demo")
>>> signer.verify(token)
'demo'
>>> signer.verify(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
True
>>> TokenSigner(b"k", ttl_s=60, clock=lambda: 1061.0).verify(token) is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Final

#: How long a stream token is accepted, in seconds.
TOKEN_TTL_S: Final = 15 * 60
_DOMAIN: Final = b"cartcoach/dashboard-stream-token/v1"


class TokenSigner:
    def __init__(self, server_key: bytes, ttl_s: int = TOKEN_TTL_S, clock: Callable[[], float] = time.time) -> None:
        self._key = hmac.new(server_key, _DOMAIN, hashlib.sha256).digest()
        self.ttl_s = ttl_s
        self._clock = clock

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()

    def issue(self, store_id: str) -> str:
        """``<store>.<expiry unix s>.<mac>``; store ids are ``[a-z0-9-]``, so dots separate."""
        payload = f"{store_id}.{int(self._clock()) + self.ttl_s}"
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str) -> str | None:
        """The store the token was issued for, or None if forged, malformed or expired."""
        payload, _, mac = token.rpartition(".")
        store_id, _, expiry = payload.partition(".")
        if not (store_id and expiry.isdigit() and hmac.compare_digest(mac, self._mac(payload))):
            return None
        return store_id if int(expiry) >= self._clock() else None
