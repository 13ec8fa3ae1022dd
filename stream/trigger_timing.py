"""Where a trigger event's time goes inside the worker, stage by stage.

A trigger event (cart, checkout, exit intent: :data:`stream.processing.SCORE_ALWAYS`)
should reach Redis a quarter of a second after the collector hands it to Kafka
(issue 20). The end-to-end figure alone does not say which part to fix, so the worker
times every record that holds one through the stages below and exports them as the
histogram ``cartcoach_trigger_stage_seconds{stage}`` (wall clock; ``to_worker`` starts
at the record's Kafka timestamp, which the producer sets when it appends the record):

``to_worker``
    producer linger and acknowledgement, the broker, the fetch, the consumer thread's
    hand-off and Faust's delivery, until the record joins a batch;
``in_batch``
    in the batch until the agent starts applying it (the batch filling, the batch
    before it being applied);
``applying``
    until the part of the batch its profile needs is applied;
``to_publish``
    until the publication that takes its profile starts;
``publishing``
    scoring the profiles and storing them in Redis (one round trip).

``benchmarks/stream.py`` reads them around its latency run and prints the breakdown.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client import Histogram

STAGES = ("to_worker", "in_batch", "applying", "to_publish", "publishing")

TRIGGER_STAGE_SECONDS = Histogram(
    "cartcoach_trigger_stage_seconds",
    "Where the time of a record holding a trigger event (cart, checkout, exit intent) goes "
    "in the worker, from its Kafka timestamp to its profile stored in Redis, by stage.",
    ["stage"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
             0.75, 1.0, 2.0, 5.0),
)
_OBSERVE = {stage: TRIGGER_STAGE_SECONDS.labels(stage).observe for stage in STAGES}


@dataclass(slots=True)
class TriggerRecord:
    """One record holding a trigger event, on its way to Redis (wall-clock seconds)."""

    created: float
    received: float


class TriggerTiming:
    """Collects a batch's trigger records and observes each stage as it ends."""

    def __init__(self) -> None:
        #: Applied, waiting for the publication that takes their profiles: (applied at, records).
        self._applied: list[tuple[float, int]] = []

    def applied(self, records: Iterable[TriggerRecord], started: float) -> None:
        """``records`` were in a batch whose applying began at ``started`` and has just ended."""
        now = time.time()
        count = 0
        for record in records:
            _OBSERVE["to_worker"](max(0.0, record.received - record.created))
            _OBSERVE["in_batch"](max(0.0, started - record.received))
            _OBSERVE["applying"](now - started)
            count += 1
        if count:
            self._applied.append((now, count))

    def publication(self) -> "Publication":
        """A publication starts now and takes every profile applied so far."""
        taken, self._applied = self._applied, []
        return Publication(taken, time.time())


@dataclass(slots=True)
class Publication:
    """One publication of profiles: the trigger records it takes, timed until they are stored."""

    taken: list[tuple[float, int]]
    started: float

    def stored(self) -> None:
        """Its profiles are in Redis."""
        now = time.time()
        for applied_at, count in self.taken:
            for _ in range(count):
                _OBSERVE["to_publish"](self.started - applied_at)
                _OBSERVE["publishing"](now - self.started)
