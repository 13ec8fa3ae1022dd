"""A pseudonym for the client that sent a batch, so the learner can bound what one client teaches.

Why not the address itself: events must carry no personal data, and an IP address
is personal data. The pseudonym is an HMAC of the address under a key derived from
the server's key and today's date (UTC): stable within a day (enough to count one
client's survey answers), unlinkable across days, and not reversible without the key.

>>> name = ClientPseudonym(b"server key", clock=lambda: 0.0)
>>> name("203.0.113.7") == name("203.0.113.7"), name("203.0.113.7") == name("203.0.113.8")
(True, False)
>>> name("203.0.113.7") == ClientPseudonym(b"server key", clock=lambda: 86400.0)("203.0.113.7")
False
>>> len(name("203.0.113.7"))
16
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Final

_DOMAIN: Final = b"cartcoach/client-pseudonym/v1"


class ClientPseudonym:
    def __init__(self, server_key: bytes, clock: Callable[[], float] = time.time) -> None:
        self._key = hmac.new(server_key, _DOMAIN, hashlib.sha256).digest()
        self._clock = clock

    def __call__(self, address: str) -> str:
        day = int(self._clock() // 86400)
        return hmac.new(self._key, f"{day}\x1f{address}".encode(), hashlib.sha256).hexdigest()[:16]
