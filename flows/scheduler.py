"""The durable schedule of pending flow steps: saq on Redis (full path), or memory (embedded).

Why saq (compared with arq, the other asyncio job queue on Redis; see ``docs/flows.md``):
jobs carry a caller-chosen ``key`` that makes enqueueing idempotent, a ``scheduled``
time, retries with backoff, aborting a job that has not started, and a sweep that
re-queues jobs a dead worker left active; it is actively maintained and works with our
redis-py 8. arq 0.28 pins ``redis<6`` (it would downgrade the client the whole project
uses) and is in maintenance-only mode.

A step is scheduled under its job key (idempotency key + due time), so scheduling the
same step twice (a retried identify, two API instances) enqueues it once. The keys of
a run's steps are kept in a Redis set, so a purchase cancels all of them at once.
What makes a step *sent* exactly once is the outbox row it claims before sending
(``flows.service``), not the queue: a queue delivers at least once.

Embedded mode runs the same handler from an in-process timer heap (:class:`MemoryScheduler`):
no Redis, nothing survives a restart, which is what embedded promises.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec
from redis.asyncio import Redis
from saq import Queue, Worker
from saq.job import Status

log = logging.getLogger(__name__)

QUEUE_NAME = "cartcoach-flows"
FUNCTION = "run_flow_step"
#: How long a run's list of job keys is kept (longer than any flow: 30 days of steps).
RUN_KEYS_TTL_S = 40 * 24 * 3600


class PendingStep(msgspec.Struct, frozen=True):
    """One step of one flow run for one contact, due at ``due_ms``."""

    run_id: str
    store_id: str
    contact_id: str
    flow: str
    step: int
    due_ms: int

    @property
    def idempotency_key(self) -> str:
        """(flow run, step, contact): the same for every attempt and every reschedule."""
        return f"{self.run_id}:{self.step}:{self.contact_id}"

    @property
    def job_key(self) -> str:
        """The queue's key: a step moved by quiet hours is a new job of the same step."""
        return f"{self.idempotency_key}@{self.due_ms}"


StepHandler = Callable[[PendingStep], Awaitable[None]]
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(PendingStep).decode


class StepScheduler(Protocol):
    async def schedule(self, step: PendingStep) -> bool:
        """Add a pending step; False if it was already scheduled."""
        ...

    async def cancel_run(self, run_id: str, reason: str) -> int:
        """Remove every pending step of a run; how many were removed."""
        ...

    async def pending(self) -> int:
        """How many steps are waiting."""
        ...

    async def start(self, handler: StepHandler | None) -> None:
        """Connect; with a handler, also run due steps in this process."""
        ...

    async def stop(self) -> None: ...


class SaqScheduler:
    """Pending steps in Redis through saq; any number of processes may run the worker."""

    def __init__(self, redis_url: str, *, name: str = QUEUE_NAME, concurrency: int = 10,
                 poll_s: int = 1, sweep_s: int = 30) -> None:
        """``poll_s``: how often due steps move to the ready list (saq's timers are whole seconds)."""
        self._queue = Queue.from_url(redis_url, name=name)
        self._redis: Redis = self._queue.redis  # type: ignore[attr-defined]  (one pool for both)
        self._name = name
        self._concurrency, self._poll_s, self._sweep_s = concurrency, poll_s, sweep_s
        self._worker: Worker | None = None
        self._task: asyncio.Task[None] | None = None

    def _run_keys(self, run_id: str) -> str:
        return f"cartcoach:flows:{self._name}:run:{run_id}"

    async def schedule(self, step: PendingStep) -> bool:
        job = await self._queue.enqueue(
            FUNCTION,
            key=step.job_key,
            scheduled=math.ceil(step.due_ms / 1000),
            timeout=120,
            retries=5,
            retry_delay=10.0,
            retry_backoff=600.0,
            ttl=3600,
            step=_encode(step).decode(),
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.sadd(self._run_keys(step.run_id), step.job_key).expire(self._run_keys(step.run_id), RUN_KEYS_TTL_S).execute()
        return job is not None

    async def cancel_run(self, run_id: str, reason: str) -> int:
        keys = [k.decode() for k in await self._redis.smembers(self._run_keys(run_id))]
        removed = 0
        for key in keys:
            job = await self._queue.job(key)
            if job is None or job.status not in (Status.NEW, Status.QUEUED):
                continue  # done, or running: a running step reads the run's state before it sends
            await self._queue.abort(job, reason)
            await self._queue.finish(job, Status.ABORTED, error=reason)
            removed += 1
        await self._redis.delete(self._run_keys(run_id))
        return removed

    async def pending(self) -> int:
        return await self._queue.count("incomplete")

    async def start(self, handler: StepHandler | None) -> None:
        await self._queue.connect()
        if handler is None:
            return

        async def run_flow_step(ctx: dict, *, step: str) -> None:
            await handler(_decode(step))

        self._worker = Worker(
            self._queue,
            functions=[(FUNCTION, run_flow_step)],
            concurrency=self._concurrency,
            timers={"schedule": self._poll_s, "sweep": self._sweep_s, "abort": 1, "worker_info": 10},
            dequeue_timeout=self._poll_s,
        )
        # The process that runs us owns SIGTERM/SIGINT (the API server, `cartcoach flows`);
        # saq's own handlers would replace theirs and stop only the worker.
        self._worker.SIGNALS = []
        self._task = asyncio.create_task(self._worker.start(), name="flows-worker")

    async def stop(self) -> None:
        if self._worker is not None:
            await self._worker.stop()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._queue.disconnect()


class MemoryScheduler:
    """The embedded schedule: a heap of due times and one task that runs what falls due."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, str]] = []
        self._steps: dict[str, PendingStep] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._handler: StepHandler | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def schedule(self, step: PendingStep) -> bool:
        if step.job_key in self._steps:
            return False
        self._steps[step.job_key] = step
        heapq.heappush(self._heap, (step.due_ms, step.job_key))
        self._wake.set()
        return True

    async def cancel_run(self, run_id: str, reason: str) -> int:
        doomed = [key for key, step in self._steps.items() if step.run_id == run_id]
        for key in doomed:
            del self._steps[key]  # its heap entry is skipped when it comes up
        return len(doomed)

    async def pending(self) -> int:
        return len(self._steps)

    async def start(self, handler: StepHandler | None) -> None:
        self._handler = handler
        if handler is not None:
            self._task = asyncio.create_task(self._loop(), name="flows-embedded")

    async def _loop(self) -> None:
        while True:
            now = int(time.time() * 1000)
            while self._heap and self._heap[0][0] <= now:
                _, key = heapq.heappop(self._heap)
                step = self._steps.pop(key, None)
                if step is not None and self._handler is not None:
                    task = asyncio.create_task(self._run(step))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
            self._wake.clear()
            wait = (self._heap[0][0] - now) / 1000 if self._heap else 3600.0
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.01, min(wait, 3600.0)))
            except asyncio.TimeoutError:
                pass

    async def _run(self, step: PendingStep) -> None:
        try:
            assert self._handler is not None
            await self._handler(step)
        except Exception:  # one step's failure must not stop the others
            log.exception("flow step %s failed", step.idempotency_key)

    async def stop(self) -> None:
        for task in [self._task, *self._running]:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in [self._task, *self._running] if t is not None), return_exceptions=True)
