"""The stream side of the embedded default: sessions, scoring, learning and the idle sweep, in-process.

The same :class:`~stream.session_service.SessionService` the Faust worker uses, with
a dict for the session table, the in-process queue for the topic, and the learner
fed directly instead of through the ``labels`` topic.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence

from cartcoach.settings import Settings
from scorer.events import CollectedEvent
from scorer.profile import Scorer
from stream.embedded import EmbeddedPipeline
from nudges.ledger import ExperimentLedger
from stream.model_health import ModelHealth
from stream.label_budget import LabelBudget
from stream.processing import Label, SessionRecord, is_idle, learn, timeout_event
from stream.profile_store import ProfileStore
from stream.session_service import SessionService


class EmbeddedRunner:
    """An :class:`~stream.event_sink.EventSink` that runs the whole stream in this process."""

    def __init__(
        self,
        settings: Settings,
        profiles: ProfileStore,
        ledger: ExperimentLedger,
        health: ModelHealth,
        *,
        scorer: Scorer | None = None,
        capacity: int = 100_000,
        history: ReasonHistory | None = None,
    ) -> None:
        self._settings = settings
        self._capacity = capacity
        #: The session table: newest sessions last, oldest dropped beyond ``capacity``.
        self.records: OrderedDict[str, SessionRecord] = OrderedDict()
        self.service = SessionService(
            scorer or Scorer(),
            profiles,
            ledger,
            health,
            emit_label=self._learn,
            debounce_ms=settings.score_debounce_ms,
            idle_timeout_ms=settings.session_idle_timeout_s * 1000,
            budget=LabelBudget(settings.survey_labels_per_visitor, settings.survey_labels_per_client),
            history=history,
        )
        self.pipeline = EmbeddedPipeline(self.handle_batch)
        self.labels_learned = 0
        self._tasks: list[asyncio.Task[None]] = []

    async def handle_batch(self, events: list[CollectedEvent]) -> None:
        await self.service.apply(events, self.records.get, self._save)
        await self.service.publish_scored()

    def _save(self, session_id: str, record: SessionRecord) -> None:
        self.records[session_id] = record
        self.records.move_to_end(session_id)
        while len(self.records) > self._capacity:
            self.records.popitem(last=False)

    async def _learn(self, label: Label) -> None:
        if self._settings.learning:
            learn(self.service.scorer, label)
            self.labels_learned += 1

    async def sweep(self, now_ms: int | None = None) -> int:
        """Send a timeout for every quiet open session; returns how many."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        timeout_ms = self._settings.session_idle_timeout_s * 1000
        quiet = [timeout_event(r, now_ms) for r in self.records.values() if is_idle(r, now_ms, timeout_ms)]
        if quiet:
            await self.pipeline.publish(quiet)
        return len(quiet)

    async def _every(self, interval_s: float, work) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await work()

    # EventSink
    async def start(self) -> None:
        await self.pipeline.start()
        self._tasks = [
            asyncio.create_task(self._every(self._settings.sweep_interval_s, self.sweep)),
            asyncio.create_task(
                self._every(self._settings.score_debounce_ms / 1000, self.service.flush)
            ),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        await self.pipeline.stop()

    async def publish(self, events: Sequence[CollectedEvent]) -> None:
        await self.pipeline.publish(events)

    async def ready(self) -> bool:
        return await self.pipeline.ready()

    async def drained(self) -> None:
        await self.pipeline.drained()
