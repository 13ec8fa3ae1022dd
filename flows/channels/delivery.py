"""Retry with backoff around any :class:`~flows.channels.channel.Channel`.

Why here and not in each adapter: every provider fails the same few ways (a 5xx, a
timeout, a 4xx), and the policy for them (retry the first two with growing pauses,
never the third) must not differ from one SMS company to the next. An adapter that
raises instead of returning an outcome is treated as a retryable failure, so a bug in
one adapter cannot drop a message silently: the attempt is recorded with the error.

>>> import asyncio
>>> from flows.channels.channel import OutboundMessage, SendOutcome
>>> class Flaky:
...     name = "sms"
...     def __init__(self): self.calls = 0
...     async def send(self, message):
...         self.calls += 1
...         return SendOutcome("retryable", None, "HTTP 503") if self.calls < 3 else SendOutcome("sent", "p-1")
...     async def close(self): pass
>>> msg = OutboundMessage(idempotency_key="k", store_id="s", contact_id="c", channel="sms",
...     to="+905321234567", locale="tr", text="Merhaba")
>>> result = asyncio.run(deliver(Flaky(), msg, Backoff(attempts=4, first_s=0.0)))
>>> result.outcome.status, len(result.attempts)
('sent', 3)
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from flows.channels.channel import Channel, OutboundMessage, SendOutcome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backoff:
    """How many attempts, and the pause before the n-th retry: ``first_s * factor**(n-1)``, capped."""

    attempts: int = 4
    first_s: float = 1.0
    factor: float = 3.0
    max_s: float = 60.0

    def pause(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based).

        >>> [Backoff(first_s=1, factor=3, max_s=5).pause(n) for n in (1, 2, 3)]
        [1.0, 3.0, 5.0]
        """
        return float(min(self.max_s, self.first_s * self.factor ** (retry - 1)))


@dataclass(slots=True)
class Delivery:
    """The final outcome and every attempt's, in order (recorded per message)."""

    outcome: SendOutcome
    attempts: list[SendOutcome] = field(default_factory=list)


async def deliver(channel: Channel, message: OutboundMessage, backoff: Backoff = Backoff()) -> Delivery:
    """Send, retrying retryable failures with backoff; stop at the first sent or permanent outcome."""
    attempts: list[SendOutcome] = []
    for attempt in range(1, backoff.attempts + 1):
        try:
            outcome = await channel.send(message)
        except Exception as exc:  # an adapter bug must not lose the message silently
            log.exception("channel %s raised on %s", channel.name, message.idempotency_key)
            outcome = SendOutcome("retryable", None, f"adapter error: {type(exc).__name__}: {exc}")
        attempts.append(outcome)
        if outcome.status != "retryable" or attempt == backoff.attempts:
            return Delivery(outcome, attempts)
        await asyncio.sleep(backoff.pause(attempt))
    raise AssertionError("unreachable: the loop returns on its last attempt")
