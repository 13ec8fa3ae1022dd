"""``/healthz`` says the process is up; ``/readyz`` says it can do its job now.

Load balancers route only to ready instances; the collector stays up (and healthy)
through a broker outage, answering 503 to batches, and becomes ready again by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[bool]]


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


class Readiness:
    """Runs every named check concurrently; 200 only if all pass."""

    def __init__(self, checks: dict[str, ReadinessCheck], mode: str) -> None:
        self._checks = checks
        self._mode = mode

    async def handle(self, request: Request) -> JSONResponse:
        names = list(self._checks)
        results = await asyncio.gather(*(self._checks[n]() for n in names), return_exceptions=True)
        status = {name: result is True for name, result in zip(names, results)}
        ready = all(status.values())
        return JSONResponse(
            {"ready": ready, "mode": self._mode, "checks": status},
            status_code=200 if ready else 503,
        )
