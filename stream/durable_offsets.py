"""Which offsets of the ``events`` topic the worker may commit: processed *and* durable.

An event's offset may only be committed once the session state it produced is in
the table's changelog; otherwise a crash after the commit loses the event for good
(the restore lacks it and the consumer never reads it again). Faust's own commits
do not guarantee that: its producer flush gives up after 0.1 s without progress,
and messages skipped while a rebalance is under way are acked unprocessed. So the
worker turns Faust's acks off for ``events`` and commits what this ledger says.

Per partition it keeps, in offset order, each processed batch's last offset and the
changelog sends it caused; the committable offset is one past the last batch whose
sends have all been acknowledged by the broker.

>>> import asyncio
>>> async def demo():
...     offsets = DurableOffsets()
...     loop = asyncio.get_running_loop()
...     first, second = loop.create_future(), loop.create_future()
...     offsets.processed("events-0", 10, [first])
...     offsets.processed("events-0", 11, [second])
...     before = offsets.committable()
...     second.set_result(None)          # acknowledged out of order...
...     middle = offsets.committable()   # ...but 10 is not yet durable
...     first.set_result(None)
...     return before, middle, offsets.committable()
>>> asyncio.run(demo())
({}, {}, {'events-0': 12})
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

Partition = TypeVar("Partition", bound=Hashable)


class DurableOffsets(Generic[Partition]):
    """Processed offsets per partition, each waiting for its changelog sends."""

    def __init__(self) -> None:
        self._waiting: dict[Partition, deque[tuple[int, list[asyncio.Future]]]] = {}

    def processed(self, partition: Partition, offset: int, sends: Iterable[asyncio.Future]) -> None:
        """Everything up to ``offset`` is processed; it is durable once ``sends`` are.

        An offset at or below one already waiting means the consumer was sought back
        (a rebalance): what was waiting from there on will be processed again.
        """
        waiting = self._waiting.setdefault(partition, deque())
        while waiting and waiting[-1][0] >= offset:
            waiting.pop()
        waiting.append((offset, list(sends)))

    def committable(self, partitions: Iterable[Partition] | None = None) -> dict[Partition, int]:
        """The next offset to commit per partition (Kafka commits the next offset to read).

        Forgets the batches it reports. A failed send stops its partition where it is:
        the events behind it will be read again by whoever owns the partition next.
        """
        chosen = self._waiting.keys() if partitions is None else set(partitions) & self._waiting.keys()
        offsets: dict[Partition, int] = {}
        for partition in list(chosen):
            waiting = self._waiting[partition]
            while waiting and all(_succeeded(send) for send in waiting[0][1]):
                offsets[partition] = waiting.popleft()[0] + 1
        return offsets

    async def settled(self, partitions: Iterable[Partition]) -> None:
        """Wait until every send behind these partitions' processed offsets is done."""
        sends = [
            send
            for partition in partitions
            for _, batch in self._waiting.get(partition, ())
            for send in batch
        ]
        if sends:
            await asyncio.gather(*sends, return_exceptions=True)

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Drop what is waiting for partitions this worker no longer owns."""
        for partition in partitions:
            self._waiting.pop(partition, None)


def _succeeded(send: asyncio.Future) -> bool:
    return send.done() and not send.cancelled() and send.exception() is None
