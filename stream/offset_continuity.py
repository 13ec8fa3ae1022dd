"""Per partition, the next offset the worker must apply, so no event slips past unapplied.

Around a rebalance Faust can drop records it has already fetched (they are read
while the flow is being resumed after recovery and never reach the agent), yet the
consumer's position has moved past them. The next records the agent sees then
leave a hole, and committing past it would lose those events for good. So the
agent checks every record against the offset it expects next:

* the expected offset: apply it and expect the one after;
* a lower one (the consumer was sought back to the committed offset): already
  applied, skip it;
* a higher one: a hole. Seek the partition back to the expected offset, and skip
  the partition's records until the expected one comes round again.

A seek does not always take: records Faust fetched before it may still be handed
over after it, and move Faust's own read position past the hole again, so the
records read again are dropped as well. So while a hole is open the worker seeks
again every ``reseek_s`` (:meth:`OffsetContinuity.due_for_seek`).

A hole at the end of what has been written shows no later record to reveal it. So
a partition whose log ends past the expected offset, yet has brought nothing new
for ``stall_s``, is sought back to the expected offset too.

A hole that the log really has (records removed by retention while the worker
lagged, transaction markers of a transactional producer) never fills; after
``patience_s`` of waiting the worker accepts it and goes on, with a warning.

>>> offsets = OffsetContinuity(patience_s=10.0, reseek_s=1.0, stall_s=5.0)
>>> offsets.start("events-0", 40, now=0.0)
>>> [offsets.admit("events-0", offset, now=0.0) for offset in (40, 41, 43, 44)]
[<Verdict.APPLY: 1>, <Verdict.APPLY: 1>, <Verdict.SEEK: 3>, <Verdict.SKIP: 2>]
>>> offsets.expected("events-0")
42
>>> offsets.due_for_seek(now=0.5, ends={}), offsets.due_for_seek(now=1.0, ends={})
({}, {'events-0': 42})
>>> [offsets.admit("events-0", offset, now=1.2) for offset in (44, 42, 43)]
[<Verdict.SKIP: 2>, <Verdict.APPLY: 1>, <Verdict.APPLY: 1>]
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Partition = TypeVar("Partition", bound=Hashable)


class Verdict(enum.Enum):
    """What to do with one record."""

    APPLY = 1
    SKIP = 2
    #: Skip it and seek the partition back to :meth:`OffsetContinuity.expected`.
    SEEK = 3


@dataclass
class _Position:
    expected: int
    #: When ``expected`` last moved (or the partition was assigned).
    progressed_at: float
    #: When the hole before ``expected`` was found, and when the worker last sought back.
    hole_since: float | None = None
    sought_at: float = float("-inf")


class OffsetContinuity(Generic[Partition]):
    """The next offset to apply per partition; spots records the consumer skipped."""

    def __init__(self, *, patience_s: float = 10.0, reseek_s: float = 1.0, stall_s: float = 5.0) -> None:
        self._patience_s = patience_s
        self._reseek_s = reseek_s
        self._stall_s = stall_s
        self._positions: dict[Partition, _Position] = {}

    def knows(self, partition: Partition) -> bool:
        return partition in self._positions

    def partitions(self) -> set[Partition]:
        return set(self._positions)

    def start(self, partition: Partition, offset: int, *, now: float) -> None:
        """The partition was assigned and will be read from ``offset`` (its committed offset)."""
        self._positions[partition] = _Position(offset, progressed_at=now)

    def expected(self, partition: Partition) -> int:
        return self._positions[partition].expected

    def admit(self, partition: Partition, offset: int, *, now: float) -> Verdict:
        """The verdict on the partition's record at ``offset``, read at time ``now`` (seconds)."""
        position = self._positions[partition]
        if offset == position.expected:
            position.expected, position.progressed_at, position.hole_since = offset + 1, now, None
            return Verdict.APPLY
        if offset < position.expected:
            return Verdict.SKIP
        if position.hole_since is None:
            position.hole_since = position.sought_at = now
            return Verdict.SEEK
        if now - position.hole_since < self._patience_s:
            return Verdict.SKIP
        log.warning(
            "offsets %d..%d of %s never arrived after %.0f s; the log has a hole there, going on",
            position.expected, offset - 1, partition, self._patience_s,
        )
        position.expected, position.progressed_at, position.hole_since = offset + 1, now, None
        return Verdict.APPLY

    def due_for_seek(self, *, now: float, ends: Mapping[Partition, int]) -> dict[Partition, int]:
        """Where to seek again: open holes after ``reseek_s``, and partitions whose log
        (``ends``: the next offset to be written, per partition) runs past the expected
        offset while nothing has arrived for ``stall_s``."""
        due: dict[Partition, int] = {}
        for partition, position in self._positions.items():
            if position.hole_since is not None:
                wait = self._reseek_s
            elif ends.get(partition, -1) > position.expected and now - position.progressed_at >= self._stall_s:
                wait = self._stall_s
            else:
                continue
            if now - position.sought_at >= wait:
                position.sought_at = now
                due[partition] = position.expected
        return due

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Drop the partitions this worker no longer owns."""
        for partition in partitions:
            self._positions.pop(partition, None)
