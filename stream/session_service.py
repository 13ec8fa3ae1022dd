"""The I/O around :func:`stream.processing.step`, shared by the embedded runner and the Faust worker.

Events come in batches (whatever the queue or the topic has ready, up to a few
hundred): each event steps its session and lets the experiment ledger see it; then
the batch's profiles are stored in one round trip (only each session's newest) and
announced, and its labels passed on to learning. Batching is what lets one worker
keep up: the per-event work is pure and in memory, the network is paid per batch.

Events that fall inside the scoring debounce leave the session *pending*;
:meth:`SessionService.flush` (called every debounce interval by both runners)
scores those, so the latest profile catches up with the latest event within about
two intervals.

What differs between the two runners is given to the constructor or the call:
where records live (a dict or a Faust table: ``load`` and ``save``), where profiles
are announced (nowhere extra, or the ``profiles`` topic) and where labels go
(straight into the in-process learner, or the ``labels`` topic).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence

from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile, Scorer
from stream.processing import Label, SessionRecord, step
from stream.ledger import ExperimentLedger
from stream.profile_store import ProfileStore

#: Sessions whose last published profile is remembered (oldest forgotten first).
MAX_TRACKED_SESSIONS = 200_000

ProfileSink = Callable[[AbandonmentProfile], Awaitable[None]]
LabelSink = Callable[[Label], Awaitable[None]]
LoadRecord = Callable[[str], SessionRecord | None]
SaveRecord = Callable[[str, SessionRecord], None]


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

    async def handle_batch(
        self, events: Sequence[CollectedEvent], load: LoadRecord, save: SaveRecord
    ) -> None:
        """Apply events in order, saving changed records; then publish what they produced.

        A session touched several times in one batch is saved once and scored once, from
        its newest state (each save is a changelog record on the Faust path).
        """
        changed: dict[str, SessionRecord] = {}
        to_score: dict[str, SessionRecord] = {}
        labels: list[Label] = []
        for event in events:
            await self._ledger.record(event)  # idempotent by event and order id: before the dedupe
            session_id = event.session_id
            record = changed[session_id] if session_id in changed else load(session_id)
            result = step(
                record,
                event,
                debounce_ms=self._debounce_ms,
                idle_timeout_ms=self._idle_timeout_ms,
            )
            if not result.changed or result.record is None:
                if record is not None and self._published.get(session_id, -1) < record.state.events:
                    # A replay after a crash: the state was saved, its profile maybe never
                    # published. Publishing again is harmless (puts are monotonic).
                    to_score[session_id] = record
                continue
            changed[session_id] = result.record
            if result.score or session_id in to_score:
                self._pending.pop(session_id, None)
                to_score[session_id] = result.record
            else:
                self._pending[session_id] = result.record
            labels.extend(result.labels)
        for session_id, record in changed.items():
            save(session_id, record)
        await self._publish(self.scorer.profile(record.state) for record in to_score.values())
        for label in labels:
            await self._emit_label(label)

    async def flush(self) -> int:
        """Score every pending session now; returns how many profiles were published."""
        pending, self._pending = self._pending, {}
        profiles = [
            self.scorer.profile(record.state)
            for record in pending.values()
            # A newer event may have scored the session since it became pending.
            if record.state.events > self._published.get(record.state.session_id, -1)
        ]
        await self._publish(profiles)
        return len(profiles)

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
        await self._publish([self.scorer.profile(state)])
        return True

    def drop_pending(self) -> None:
        """Forget unscored sessions after a rebalance: some may belong to another worker now,
        which scores them on their next event."""
        self._pending.clear()

    async def _publish(self, profiles: Iterable[AbandonmentProfile]) -> None:
        batch = list(profiles)
        if not batch:
            return
        for profile in batch:
            self._published[profile.session_id] = profile.events_seen
            self._published.move_to_end(profile.session_id)
        while len(self._published) > MAX_TRACKED_SESSIONS:
            self._published.popitem(last=False)
        stored = await self._profiles.put_many(batch)
        for profile, was_stored in zip(batch, stored):
            if was_stored:
                await self._announce(profile)
