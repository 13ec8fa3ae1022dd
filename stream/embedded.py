"""The embedded default: an in-process queue standing in for Kafka.

A newcomer runs the whole product in one process with no servers. Accepted events go
on an asyncio queue; one task drains it in batches (whatever is queued, up to
``batch_size``) through the same batch handler the Faust worker uses. Nothing here is durable: it is for trying the product and for
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

BatchHandler = Callable[[list[CollectedEvent]], Awaitable[None]]


class EmbeddedPipeline:
    """An :class:`~stream.event_sink.EventSink` that processes events in this process.

    >>> import asyncio
    >>> from scorer.events import CollectedEvent
    >>> async def demo():
    ...     seen = []
    ...     async def handle(events): seen.extend(e.id for e in events)
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

    def __init__(
        self, handler: BatchHandler | None = None, capacity: int = 100_000, batch_size: int = 500
    ) -> None:
        self._handler = handler
        self._batch_size = batch_size
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
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                if self._handler is not None:
                    await self._handler(batch)
            except Exception:  # one bad batch must not stop the pipeline
                self.failed += len(batch)
                log.exception("embedded pipeline: handling %d events failed", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()
