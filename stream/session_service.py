"""The I/O around :func:`stream.processing.step`, shared by the embedded runner and the Faust worker.

:meth:`SessionService.apply` steps each event's session, lets the experiment ledger
see the event, saves the record and passes labels on to learning;
:meth:`SessionService.publish_scored`, called after each batch by both runners
(the worker from a task of its own, so the next batch is applied meanwhile), scores the sessions that reached a
moment worth scoring and stores their profiles in one round trip (only each
session's newest), then announces them. That split is what lets one worker keep up:
the per-event work is pure and in memory, the network is paid per publication.

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

import msgspec

from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile, Scorer
from stream.processing import Label, SessionRecord, step
from nudges.ledger import ExperimentLedger
from stream.label_budget import LabelBudget
from stream.metrics import EVENTS_APPLIED, PROFILES_PUBLISHED
from stream.model_health import ModelHealth
from stream.profile_store import ProfileStore
from stream.reason_history import ReasonHistory
from stream.trigger_timing import TriggerTiming

#: Pending sessions a flush scores and stores at a time.
FLUSH_CHUNK = 100

#: Sessions whose last published profile is remembered (oldest forgotten first).
MAX_TRACKED_SESSIONS = 200_000

ProfileSink = Callable[[Sequence[AbandonmentProfile]], Awaitable[None]]
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
        health: ModelHealth,
        *,
        announce: ProfileSink = _nowhere,
        emit_label: LabelSink = _nowhere,
        debounce_ms: int,
        idle_timeout_ms: int,
        budget: LabelBudget | None = None,
        history: ReasonHistory | None = None,
        profile_ttl_ms: int | None = None,
        timing: TriggerTiming | None = None,
    ) -> None:
        #: The serving model; the Faust worker swaps in newer checkpoints.
        self.scorer = scorer
        #: Survey answers over a visitor's or client's daily budget are neither scored nor learned.
        self.budget = budget
        self._profiles = profiles
        self._ledger = ledger
        self._health = health
        #: Hourly reason mix and accuracy, kept for the dashboard's drift view (None: not kept).
        self._history = history
        self._announce = announce
        self._emit_label = emit_label
        self._debounce_ms = debounce_ms
        self._idle_timeout_ms = idle_timeout_ms
        #: How long the profile store keeps a profile (None: for ever); see :meth:`catch_up`.
        self._profile_ttl_ms = profile_ttl_ms
        #: Times trigger events through their publication (the worker's; None: not timed).
        self._timing = timing
        #: Sessions whose newest state has not been scored yet (the debounce's tail).
        self._pending: dict[str, SessionRecord] = {}
        #: Sessions to score and publish at the next :meth:`publish_scored`.
        self._to_score: dict[str, SessionRecord] = {}
        #: Per session, what the last profile published here reflected: (events, has outcome).
        self._published: OrderedDict[str, tuple[int, bool]] = OrderedDict()

    async def apply(self, events: Sequence[CollectedEvent], load: LoadRecord, save: SaveRecord) -> None:
        """Apply events in order and save the changed records; pass labels on at once.

        Sessions worth a new profile wait in a set for :meth:`publish_scored`, so that a
        session touched many times between two publications is scored once, from its
        newest state. A session touched several times in one call is saved once.
        """
        changed: dict[str, SessionRecord] = {}
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
                if record is not None and self._is_news(record):
                    # A replay after a crash: the state was saved, its profile maybe never
                    # published. Publishing again is harmless (puts are monotonic).
                    self._to_score.setdefault(session_id, record)
                continue
            changed[session_id] = result.record
            if result.score or session_id in self._to_score:
                self._pending.pop(session_id, None)
                self._to_score[session_id] = result.record
            else:
                self._pending[session_id] = result.record
            labels.extend(result.labels)
        for session_id, record in changed.items():
            save(session_id, record)
        EVENTS_APPLIED.inc(len(events))
        for label in labels:
            if self.budget is not None and not self.budget.admit(label):
                continue
            if label.kind == "reason" and label.reason is not None:
                await self._track_accuracy(label)
            await self._emit_label(label)

    async def publish_scored(self) -> int:
        """Score and publish the sessions :meth:`apply` marked; returns how many."""
        to_score, self._to_score = self._to_score, {}
        publication = None if self._timing is None else self._timing.publication()
        profiles = [
            self._profile(record)
            for session_id, record in to_score.items()
            # Another path (a flush, a catch-up) may have published this state already.
            if self._is_news(record)
        ]
        try:
            await self._publish(profiles, on_stored=None if publication is None else publication.stored)
        except Exception:
            # Not stored (Redis away): they wait for the next publication, unless a newer
            # state of the session is waiting already.
            for session_id, record in to_score.items():
                self._to_score.setdefault(session_id, record)
            raise
        return len(profiles)

    async def _track_accuracy(self, label: Label) -> None:
        """Score the model against a survey answer before it learns from it.

        Survey answers are not features, so the state after the answer predicts what
        the model believed just before it.
        """
        state = label.state
        predicted = self.scorer.profile(state).top_reason
        await self._health.record(state.store_id, predicted, label.reason, self.scorer.model_version)
        if self._history is not None:
            await self._history.record_answer(state.store_id, predicted, label.reason, state.last_at)

    async def flush(self) -> int:
        """Score every pending session now (the debounce's tail); returns how many were published.

        A busy worker has a thousand sessions or more pending at a flush. Scored in one go
        they held back, for 100 ms and more, the trigger events that arrived meanwhile; so
        they go :data:`FLUSH_CHUNK` at a time, each chunk with whatever else is due then.
        """
        pending, self._pending = self._pending, {}
        published = 0
        chunk: list[tuple[str, SessionRecord]] = []
        for n, item in enumerate(pending.items(), 1):
            chunk.append(item)
            if n % FLUSH_CHUNK == 0 or n == len(pending):
                for session_id, record in chunk:
                    # A newer state of the session may be due already (it came back meanwhile).
                    self._to_score.setdefault(session_id, record)
                chunk = []
                published += await self.publish_scored()
        if not pending:
            published += await self.publish_scored()
        return published

    async def catch_up(self, record: SessionRecord, now_ms: int) -> bool:
        """Publish a stored session whose newest state was never scored; True if it was.

        What is waiting to be published lives in memory, so a worker killed before
        publishing would leave that session's profile behind its state. The idle sweep
        calls this for every stored session this worker owns; after a restart or a
        rebalance it re-publishes each session once (puts are monotonic, so that is
        harmless), then only sessions that really fell behind.

        A session quiet for longer than the profile store keeps profiles is left alone:
        its profile has expired, as it should. Without this, every sweep re-scored and
        re-stored the sessions that :data:`MAX_TRACKED_SESSIONS` had pushed out of
        memory (beyond 200,000 sessions in a worker's table, all of them, every sweep),
        bringing expired profiles back.
        """
        state = record.state
        if self._profile_ttl_ms is not None and now_ms - state.last_at >= self._profile_ttl_ms:
            return False
        if (
            state.session_id in self._pending
            or state.session_id in self._to_score
            or not self._is_news(record)
        ):
            return False
        await self._publish([self._profile(record)])
        return True

    def forget(self, session_id: str) -> None:
        """The session left the table: if its id comes back, that is a new session, news again."""
        self._published.pop(session_id, None)
        self._pending.pop(session_id, None)
        self._to_score.pop(session_id, None)

    def drop_pending(self) -> None:
        """Forget unscored sessions after a rebalance: some may belong to another worker now,
        which scores them on its next sweep or their next event."""
        self._pending.clear()
        self._to_score.clear()

    def _is_news(self, record: SessionRecord) -> bool:
        """Whether the record holds more than the last profile published here showed."""
        return (record.state.events, record.outcome is not None) > self._published.get(
            record.state.session_id, (-1, False)
        )

    def _profile(self, record: SessionRecord) -> AbandonmentProfile:
        profile = self.scorer.profile(record.state)
        return profile if record.outcome is None else msgspec.structs.replace(profile, outcome=record.outcome)

    async def _publish(self, profiles: Iterable[AbandonmentProfile],
                       on_stored: Callable[[], None] | None = None) -> None:
        batch = list(profiles)
        if not batch:
            return
        stored = await self._profiles.put_many(batch)
        if on_stored is not None:
            on_stored()
        if self._history is not None:
            await self._history.record_profiles(batch)
        for profile in batch:
            self._published[profile.session_id] = (profile.events_seen, profile.outcome is not None)
            self._published.move_to_end(profile.session_id)
        while len(self._published) > MAX_TRACKED_SESSIONS:
            self._published.popitem(last=False)
        announced = [profile for profile, was_stored in zip(batch, stored) if was_stored]
        if announced:
            PROFILES_PUBLISHED.inc(len(announced))
            await self._announce(announced)
