"""The embedded default: an in-process queue standing in for Kafka.

A newcomer runs the whole product in one process with no servers. Accepted events go
on an asyncio queue; one task drains it through the same handler the Faust worker
uses for each record. Nothing here is durable: it is for trying the product and for
development, and the README says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from scorer.events import CollectedEvent
from stream.event_sink import SinkUnavailable

log = logging.getLogger(__name__)

EventHandler = Callable[[CollectedEvent], Awaitable[None]]


class EmbeddedPipeline:
    """An :class:`~stream.event_sink.EventSink` that processes events in this process.

    >>> import asyncio
    >>> from scorer.events import CollectedEvent
    >>> async def demo():
    ...     seen = []
    ...     async def handle(event): seen.append(event.id)
    ...     pipeline = EmbeddedPipeline(handle)
    ...     await pipeline.start()
    ...     await pipeline.publish([CollectedEvent(id="e-0000-0001", type="cart_view", ts=1,
    ...         store_id="demo", visitor_id="v-0000-0001", session_id="s-0000-0001",
    ...         received_at=2, at=2)])
    ...     await pipeline.drained()
    ...     await pipeline.stop()
    ...     return seen
    >>> asyncio.run(demo())
    ['e-0000-0001']
    """

    def __init__(self, handler: EventHandler | None = None, capacity: int = 100_000) -> None:
        self._handler = handler
        self._queue: asyncio.Queue[CollectedEvent] = asyncio.Queue(maxsize=capacity)
        self._task: asyncio.Task[None] | None = None
        #: The most recent accepted events, newest last (the demo's "what was sent" view).
        self.recent: deque[CollectedEvent] = deque(maxlen=1000)
        self.failed = 0

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="embedded-pipeline")

    async def stop(self) -> None:
        if self._task is not None:
            await self.drained()
            self._task.cancel()
            self._task = None

    async def publish(self, events: Sequence[CollectedEvent]) -> None:
        if self._queue.maxsize - self._queue.qsize() < len(events):
            raise SinkUnavailable("the in-process queue is full")
        for event in events:
            self._queue.put_nowait(event)
            self.recent.append(event)

    async def ready(self) -> bool:
        return self._task is not None and not self._task.done()

    async def drained(self) -> None:
        """Wait until every published event has been handled (tests and shutdown)."""
        await self._queue.join()

    async def _drain(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                if self._handler is not None:
                    await self._handler(event)
            except Exception:  # one bad event must not stop the pipeline
                self.failed += 1
                log.exception("embedded pipeline: handling event %s failed", event.id)
            finally:
                self._queue.task_done()
