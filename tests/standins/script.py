"""What every stand-in shares: the requests it received, and a script of failures to play first.

A test queues failures (``"5xx"``, ``"timeout"``, ``"auth"``, ``"invalid"``); each request takes
the next one, and once the queue is empty the stand-in answers as the provider does when all
is well. ``"timeout"`` holds the answer longer than the client waits.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

Failure = Literal["5xx", "timeout", "auth", "invalid"]


@dataclass
class Script:
    failures: list[Failure] = field(default_factory=list)
    #: Every request as the stand-in read it (its fields), with the monotonic time it came.
    received: list[dict] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    #: The requests that were taken (not failed): what a phone would have received.
    delivered: list[dict] = field(default_factory=list)
    hold_s: float = 3.0

    async def next(self, fields: dict) -> Failure | None:
        self.received.append(fields)
        self.times.append(time.monotonic())
        failure = self.failures.pop(0) if self.failures else None
        if failure == "timeout":
            await asyncio.sleep(self.hold_s)
        return failure

    def took(self, fields: dict) -> None:
        """The stand-in accepted this message (the provider would have sent it)."""
        self.delivered.append(fields)
