"""Batches of records for the worker's agent, filled from what is already fetched, not by the clock alone.

Faust's ``Stream.take_events(max_, within)`` closes a batch when it holds ``max_``
records or when ``within`` seconds of *wall time* have passed since the last batch,
and its records reach the batch one at a time, through the stream's machinery, while
the agent waits. A worker that gets a fraction of a core (a busy machine) moves that
fraction of the records in those 10 ms: draining a backlog on the shared development
machine, its batches held 50-70 records on average, not the 500 it may take. Every
batch costs the same whatever its size (its changelog and profile writes, the Redis
round trips, the publication), so the worker's CPU per event rose with the machine's
load while the work alone's did not, and its rate fell from one benchmark run to the
next as the machine got busier.

:func:`take_batches` is ``take_events`` (faust-streaming 0.15.3) with one change: when
``within`` has passed, the batch stays open for as long as records already fetched are
waiting in the stream's queue (up to ``max_``). Under a backlog that queue is never
empty, so batches fill; with no backlog it runs dry at once and the batch goes out
when it did before, so a lone event waits no longer than it did. Each batch also
says when each of its records joined it (:class:`Batch`), for
:mod:`stream.trigger_timing`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import faust
from mode.utils.futures import notify


class Batch(list):  # type: ignore[type-arg]
    """A batch's records (Faust events), with when each joined it (``time.time()``)."""

    def __init__(self, events: Sequence[faust.EventT], received: Sequence[float]) -> None:
        super().__init__(events)
        self.received = list(received)


def records_waiting(stream: faust.StreamT) -> int:
    """Records fetched for ``stream`` and not yet taken from its queue."""
    queue = getattr(stream.channel, "queue", None)
    return 0 if queue is None else queue.qsize()


def take_batches(stream: Any, max_: int, within: float) -> AsyncGenerator[Batch, None]:
    """Faust's ``take_events(max_, within)``, filling past ``within`` while fetched records wait.

    Acks, the strict ``max_`` and the buffer's hand-over are Faust's own (see the module's
    docstring for the one change). The generator is registered with the stream, as Faust
    registers its own, so that the stream closes it when it stops.
    """
    batches = _take_batches(stream, max_, within)
    stream._active_agens.add(batches)
    return batches


async def _take_batches(stream: Any, max_: int, within: float) -> AsyncGenerator[Batch, None]:
    buffer: list[Any] = []
    events: list[faust.EventT] = []
    received: list[float] = []
    buffer_full = asyncio.Event()
    buffer_consumed = asyncio.Event()
    buffer_consuming: asyncio.Future | None = None
    stream_enable_acks: bool = stream.enable_acks
    channel_it = stream.channel.__aiter__()

    async def add_to_buffer(value: Any) -> Any:
        # Faust's processor: it runs in the stream's passive drainer, record by record.
        try:
            nonlocal buffer_consuming
            if buffer_consuming is not None:
                try:
                    await buffer_consuming
                finally:
                    buffer_consuming = None
            buffer.append(value)
            event = stream.current_event
            if event is None:
                raise RuntimeError("Take buffer found current_event is None")
            events.append(event)
            received.append(time.time())
            if len(buffer) >= max_:
                buffer_full.set()
                buffer_consumed.clear()
                await stream.wait(buffer_consumed)
        except asyncio.CancelledError:  # pragma: no cover
            raise
        except Exception as exc:
            stream.log.exception("Error adding to take buffer: %r", exc)
            await stream.crash(exc)
        return value

    stream.enable_acks = False  # acked below, once the agent is done with the batch
    stream.add_processor(add_to_buffer)
    stream._enable_passive(channel_it)
    try:
        while not stream.should_stop:
            await stream.wait_for_stopped(buffer_full, timeout=within)
            # The one change: records already fetched keep the batch open, while they move.
            while buffer and not buffer_full.is_set() and records_waiting(stream) and not stream.should_stop:
                before = len(buffer)
                await stream.wait_for_stopped(buffer_full, timeout=within)
                if len(buffer) == before:
                    break  # the stream is held (a rebalance): go with what there is
            if buffer:
                buffer_consuming = asyncio.get_running_loop().create_future()
                try:
                    yield Batch(events, received)
                finally:
                    buffer.clear()
                    for event in events:
                        await stream.ack(event)
                    events.clear()
                    received.clear()
                    notify(buffer_consuming)
                    buffer_full.clear()
                    buffer_consumed.set()
    finally:
        stream.enable_acks = stream_enable_acks
        stream._processors.remove(add_to_buffer)
