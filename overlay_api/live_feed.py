"""The live feed of abandonment profiles: a per-store ring buffer and its SSE stream.

Why a ring buffer in the API process (and not a Redis stream): the profile store
already announces every put (Redis pub/sub on the full path, in-process queues on
the embedded default), and every API instance follows it. Each instance keeps the
newest :data:`BUFFER_SIZE` profiles per store in memory and gives them ids of the
same shape as Redis stream ids, ``"<unix ms>-<seq>"``, taken from the wall clock
when the profile arrived. Because ids grow with time, a browser that reconnects
with ``Last-Event-ID`` after this process restarted (or to another instance behind
the load balancer) gets everything the instance holds that is newer than what it
saw, without a shared writer. The price, stated in docs/dashboard.md: profiles
announced while no instance was running are not replayed (the dashboard is a live
view; the profile store and the ledger remain the record). A Redis stream written
by the profile store's put script would close that gap; it belongs to ``stream/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Final

import msgspec
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response

from overlay_api.dashboard_token import TokenSigner
from overlay_api.auth import SecretKeyGuard
from overlay_api.errors import error_response
from overlay_api.message_templates import templates_for
from scorer.events import REASONS
from nudges.stores import StoreRegistry
from scorer.profile import AbandonmentProfile
from nudges.ledger import ExperimentLedger
from stream.profile_store import ProfileStore

#: Profiles kept per store for replay.
BUFFER_SIZE: Final = 500
#: Profiles sent to a client that connects without ``Last-Event-ID``.
BACKLOG: Final = 50
#: How long a browser waits before reconnecting (the SSE ``retry`` field), in ms.
RETRY_MS: Final = 1000

Cursor = tuple[int, int]


def parse_cursor(event_id: str | None) -> Cursor | None:
    """``"1735689600000-3"`` -> ``(1735689600000, 3)``; None for anything else."""
    if not event_id:
        return None
    ms, sep, seq = event_id.strip().partition("-")
    if not (sep and ms.isdigit() and seq.isdigit()):
        return None
    return int(ms), int(seq)


class FeedEntry(msgspec.Struct, frozen=True):
    id: str
    cursor: tuple[int, int]
    profile: AbandonmentProfile


class FeedBuffer:
    """The newest profiles of one store, with increasing ids and a wake-up for followers."""

    def __init__(self, size: int = BUFFER_SIZE, clock=time.time) -> None:
        self._entries: deque[FeedEntry] = deque(maxlen=size)
        self._clock = clock
        self._last: Cursor = (0, 0)
        self._changed = asyncio.Event()

    def append(self, profile: AbandonmentProfile) -> FeedEntry:
        ms = int(self._clock() * 1000)
        cursor = (ms, 0) if ms > self._last[0] else (self._last[0], self._last[1] + 1)
        self._last = cursor
        entry = FeedEntry(f"{cursor[0]}-{cursor[1]}", cursor, profile)
        self._entries.append(entry)
        self._changed.set()
        self._changed = asyncio.Event()
        return entry

    def after(self, cursor: Cursor | None, backlog: int = BACKLOG) -> list[FeedEntry]:
        """Entries newer than ``cursor``; without one, the newest ``backlog``."""
        if cursor is None:
            return list(self._entries)[-backlog:]
        return [e for e in self._entries if e.cursor > cursor]

    @property
    def last(self) -> Cursor:
        """The newest id given so far (``(0, 0)`` before the first)."""
        return self._last

    def recent(self) -> list[AbandonmentProfile]:
        """Every buffered profile, oldest first (for the dashboard's summaries)."""
        return [e.profile for e in self._entries]

    async def wait(self) -> None:
        await self._changed.wait()


DEVICES: Final = ("desktop", "mobile", "tablet")


def parse_filters(request: Request) -> tuple[str | None, str | None] | Response:
    """The ``reason`` and ``device`` filters of a request, or a 422 naming the bad one."""
    reason = request.query_params.get("reason") or None
    device = request.query_params.get("device") or None
    if reason is not None and reason not in REASONS:
        return error_response(422, f"reason must be one of {', '.join(REASONS)}", "$.query.reason")
    if device is not None and device not in DEVICES:
        return error_response(422, f"device must be one of {', '.join(DEVICES)}", "$.query.device")
    return reason, device


def matches(profile: AbandonmentProfile, reason: str | None, device: str | None) -> bool:
    return (not reason or profile.top_reason == reason) and (not device or profile.device == device)


class LiveFeed:
    """Follows every configured store's profiles into buffers and serves ``/dashboard/stream``."""

    def __init__(
        self,
        registry: StoreRegistry,
        profiles: ProfileStore,
        ledger: ExperimentLedger,
        signer: TokenSigner,
        guard: SecretKeyGuard,
    ) -> None:
        self._guard = guard
        self._registry = registry
        self._profiles = profiles
        self._ledger = ledger
        self._signer = signer
        self.buffers: dict[str, FeedBuffer] = {store.id: FeedBuffer() for store in registry}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._pump(store_id)) for store_id in self.buffers]

    def track_new_stores(self) -> None:
        """Follow the stores a reloaded stores file added (a removed one just goes quiet)."""
        for store in self._registry:
            if store.id not in self.buffers:
                self.buffers[store.id] = FeedBuffer()
                if self._tasks:
                    self._tasks.append(asyncio.create_task(self._pump(store.id)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _pump(self, store_id: str) -> None:
        buffer = self.buffers[store_id]
        while True:
            try:
                async for profile in self._profiles.follow(store_id):
                    buffer.append(profile)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: follow again after a pause
                await asyncio.sleep(1.0)

    async def item(self, store_id: str, entry: FeedEntry) -> dict:
        """What the dashboard shows for one profile: the profile plus the overlay decided."""
        store = self._registry.by_id(store_id)
        exposure = None
        if store is not None:
            exposure = await self._ledger.exposure(store_id, store.experiment.name, entry.profile.session_id)
        overlay = None if exposure is None else {"arm": exposure.arm, "incentive": exposure.incentive, "mode": exposure.mode}
        return {"id": entry.id, **msgspec.to_builtins(entry.profile), "overlay": overlay,
                "templates": templates_for(entry.profile.evidence)}

    async def follow(
        self, store_id: str, cursor: Cursor | None, reason: str | None, device: str | None
    ) -> AsyncIterator[tuple[FeedEntry, dict]]:
        """Replay what is newer than ``cursor`` (or a backlog), then follow live."""
        buffer = self.buffers[store_id]
        pending: Iterable[FeedEntry] = buffer.after(cursor)
        cursor = max(cursor or (0, 0), buffer.last)
        while True:
            waiter = asyncio.ensure_future(buffer.wait())
            try:
                for entry in pending:
                    if matches(entry.profile, reason, device):
                        yield entry, await self.item(store_id, entry)
                await waiter
            finally:
                waiter.cancel()
            pending = buffer.after(cursor)
            if pending:
                cursor = pending[-1].cursor

    async def stream(self, request: Request) -> Response:
        """``GET /dashboard/stream?token=...&reason=&device=`` as server-sent events."""
        store_id = self._signer.verify(request.query_params.get("token", ""))
        store = self._registry.by_id(store_id) if store_id is not None else None
        if store is None or store_id not in self.buffers:
            return await self._guard.refused(request, "Sign in on /dashboard: the stream needs a fresh token")
        if (limited := await self._guard.admit(request, store)) is not None:
            return limited
        filters = parse_filters(request)
        if isinstance(filters, Response):
            return filters
        reason, device = filters
        cursor = parse_cursor(
            request.headers.get("last-event-id") or request.query_params.get("last_event_id")
        )

        async def events() -> AsyncIterator[ServerSentEvent]:
            yield ServerSentEvent(comment="connected", retry=RETRY_MS)
            async for entry, item in self.follow(store_id, cursor, reason, device):
                yield ServerSentEvent(data=msgspec.json.encode(item).decode(), id=entry.id, event="profile")

        return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store"})
