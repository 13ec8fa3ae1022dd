"""Records of non-trigger sessions left for a later batch, so newer trigger records go first.

Within a batch the worker applies the sessions with a cart, checkout or exit-intent
event first (:mod:`stream.trigger_first`); the rest of the batch, whose profiles wait
for the scoring debounce anyway, used to be applied before the agent looked at the
next batch, so a trigger record fetched meanwhile waited for all of it (issue 20).
Now the agent applies the rest a slice at a time and, once newer records are waiting,
leaves what is left of it here, up to a bound; the next batch's trigger sessions are
applied before it.

What stays true:

* a session's records are applied in offset order: a session with records carried
  over is applied with them first, whether its next records are urgent or not;
* an offset is committed only once every record up to it is applied (and the
  changelog has the state it produced): :meth:`CarryOver.applied` says how far each
  partition is applied, never past a carried record, and which changelog sends
  that point waits for;
* nothing waits without bound: at most ``limit`` records are carried; a batch
  applies the rest down to that.

A rebalance or a shutdown drops the carried records of the partitions that leave
(:meth:`CarryOver.forget`): their offsets were never committed, so whoever reads the
partition next applies them, as after a crash.

>>> from types import SimpleNamespace as Event
>>> def run(session, type, offset):
...     return RecordRun([Event(session_id=session, type=type)], partition="events-0", offset=offset)
>>> carry = CarryOver(limit=10)
>>> urgent, rest = carry.schedule([run("a", "page_view", 0), run("b", "cart_add", 1)])
>>> carry.carry(rest)                          # the agent had no time for session a
>>> carry.applied(sends=["changelog-1"])       # b is applied, a is not: offset 0 is not done
{}
>>> urgent, rest = carry.schedule([run("a", "checkout_step_enter", 2)])
>>> [[r.offset for r in session] for session in urgent]   # a's carried record goes first
[[0, 2]]
>>> carry.applied(sends=["changelog-2"])
{'events-0': (2, ['changelog-1', 'changelog-2'])}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from stream.trigger_first import trigger_sessions_first

Partition = TypeVar("Partition", bound=Hashable)


class RecordRun(list):  # type: ignore[type-arg]
    """One record's events (one session's, in order), with where the record was read."""

    def __init__(self, events: Iterable[Any], *, partition: Hashable, offset: int) -> None:
        super().__init__(events)
        self.partition = partition
        self.offset = offset


class CarryOver(Generic[Partition]):
    """The carried records, and how far each partition is applied because of them."""

    def __init__(self, limit: int) -> None:
        #: Records that may be carried at once; past that a batch applies its rest.
        self.limit = limit
        self._runs: list[RecordRun] = []
        #: Per partition: the highest offset read into a batch, the highest reported applied,
        #: and the changelog sends of the batches since the last report.
        self._read: dict[Partition, int] = {}
        self._reported: dict[Partition, int] = {}
        self._sends: dict[Partition, list[Any]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._runs)

    def holds(self, session_id: str) -> bool:
        """Whether a record of the session waits here (so its table record is not its newest)."""
        return any(run[0].session_id == session_id for run in self._runs)

    def schedule(self, runs: Sequence[RecordRun]) -> tuple[list[list[RecordRun]], list[RecordRun]]:
        """A new batch's records, after the carried ones: the trigger sessions' (grouped by
        session) and the rest, in offset order per session. The carried records leave this
        store; what the agent does not apply of the rest it hands back with :meth:`carry`."""
        for run in runs:
            if run.offset > self._read.get(run.partition, -1):
                self._read[run.partition] = run.offset
        carried, self._runs = self._runs, []
        return trigger_sessions_first(carried + list(runs))

    def carry(self, runs: Sequence[RecordRun]) -> None:
        """Keep these records (the end of a batch's rest) for a later batch."""
        if len(runs) > self.limit:
            raise ValueError(f"{len(runs)} records to carry over, more than the limit of {self.limit}")
        self._runs = list(runs)

    def applied(self, sends: Sequence[Any]) -> dict[Partition, tuple[int, list[Any]]]:
        """After a batch: per partition whose applied point moved, the last offset up to
        which every record is applied, with the changelog sends it is durable after (this
        batch's, and those of earlier batches that applied part of the way there)."""
        first_carried: dict[Partition, int] = {}
        for run in self._runs:
            first_carried[run.partition] = min(run.offset, first_carried.get(run.partition, run.offset))
        moved: dict[Partition, tuple[int, list[Any]]] = {}
        for partition, read in self._read.items():
            reported = self._reported.get(partition, -1)
            if read <= reported:
                continue
            self._sends[partition].extend(sends)
            through = min(read, first_carried.get(partition, read + 1) - 1)
            if through > reported:
                moved[partition] = (through, self._sends.pop(partition))
                self._reported[partition] = through
        return moved

    def forget(self, partitions: Iterable[Partition]) -> None:
        """The partitions leave this worker: drop their carried records and bookkeeping."""
        leaving = set(partitions)
        self._runs = [run for run in self._runs if run.partition not in leaving]
        for partition in leaving:
            self._read.pop(partition, None)
            self._reported.pop(partition, None)
            self._sends.pop(partition, None)

