"""The I/O around :func:`stream.processing.step`, shared by the embedded runner and the Faust worker.

For each event: step the session, store and announce the profile, pass labels on
to learning, and let the experiment ledger see the event. Events that fall inside
the scoring debounce leave the session *pending*; :meth:`SessionService.flush`
(called every debounce interval by both runners) scores those, so the latest
profile always catches up with the latest event within about two intervals. What differs between the
two runners is given to the constructor: where records live (a dict or a Faust
table, handled by the caller), where profiles are announced (nowhere extra, or the
``profiles`` topic) and where labels go (straight into the in-process learner, or
the ``labels`` topic).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable

from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile, Scorer
from stream.processing import Label, SessionRecord, step
from stream.ledger import ExperimentLedger
from stream.profile_store import ProfileStore

#: Sessions whose last published profile is remembered (oldest forgotten first).
MAX_TRACKED_SESSIONS = 200_000

ProfileSink = Callable[[AbandonmentProfile], Awaitable[None]]
LabelSink = Callable[[Label], Awaitable[None]]


async def _nowhere(item: object) -> None:
    return None


class SessionService:
    """Applies events to session records and publishes what follows from them."""

    def __init__(
        self,
        scorer: Scorer,
        profiles: ProfileStore,
        ledger: ExperimentLedger,
        *,
        announce: ProfileSink = _nowhere,
        emit_label: LabelSink = _nowhere,
        debounce_ms: int,
        idle_timeout_ms: int,
    ) -> None:
        #: The serving model; the Faust worker swaps in newer checkpoints.
        self.scorer = scorer
        self._profiles = profiles
        self._ledger = ledger
        self._announce = announce
        self._emit_label = emit_label
        self._debounce_ms = debounce_ms
        self._idle_timeout_ms = idle_timeout_ms
        #: Sessions whose newest state has not been scored yet (the debounce's tail).
        self._pending: dict[str, SessionRecord] = {}
        #: Per session, how many events the last profile published here reflected.
        self._published: OrderedDict[str, int] = OrderedDict()

    async def handle(self, record: SessionRecord | None, event: CollectedEvent) -> SessionRecord | None:
        """Process one event; returns the record to store, or None if nothing changed."""
        await self._ledger.record(event)  # idempotent by event and order id, so before the dedupe
        result = step(
            record,
            event,
            self.scorer,
            debounce_ms=self._debounce_ms,
            idle_timeout_ms=self._idle_timeout_ms,
        )
        if not result.changed:
            return None
        if result.profile is not None:
            self._pending.pop(event.session_id, None)
            await self._publish(result.profile)
        elif result.record is not None:
            self._pending[event.session_id] = result.record
        for label in result.labels:
            await self._emit_label(label)
        return result.record

    async def flush(self) -> int:
        """Score every pending session now; returns how many profiles were published."""
        pending, self._pending = self._pending, {}
        published = 0
        for record in pending.values():
            # The session may have been scored by a newer event while this loop awaited.
            if record.state.events > self._published.get(record.state.session_id, -1):
                await self._publish(self.scorer.profile(record.state))
                published += 1
        return published

    async def catch_up(self, record: SessionRecord) -> bool:
        """Publish a stored session whose newest state was never scored; True if it was.

        The pending list lives in memory, so a worker killed between an event and the
        next flush would leave that session's profile behind its state. The idle sweep
        calls this for every stored session, which also covers sessions whose state was
        recovered from the changelog on another worker.
        """
        state = record.state
        if (
            record.scored_at >= state.last_at
            or state.session_id in self._pending
            or self._published.get(state.session_id, -1) >= state.events
        ):
            return False
        await self._publish(self.scorer.profile(state))
        return True

    def drop_pending(self) -> None:
        """Forget unscored sessions after a rebalance: some may belong to another worker now,
        which scores them on their next event."""
        self._pending.clear()

    async def _publish(self, profile: AbandonmentProfile) -> None:
        self._published[profile.session_id] = profile.events_seen
        self._published.move_to_end(profile.session_id)
        if len(self._published) > MAX_TRACKED_SESSIONS:
            self._published.popitem(last=False)
        if await self._profiles.put(profile):
            await self._announce(profile)
