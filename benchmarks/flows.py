"""Benchmark: the flows scheduler (saq on Redis) with 100,000 pending steps.

    .venv/bin/python benchmarks/flows.py                    # 100,000 pending steps
    .venv/bin/python benchmarks/flows.py --pending 20000 --probe 300

Needs Redis (REDIS_URL, or the one ``scripts/services.sh up`` starts). Prints:

* scheduled steps per second through :class:`flows.scheduler.SaqScheduler` (idempotent
  keyed enqueue plus the run's key set), against a baseline measured in the same run: a
  bare pipelined ``ZADD`` of the same number of members (what a hand-rolled scheduler
  would at least cost);
* Redis memory per pending step (``used_memory`` before and after, divided);
* the delay between a step's due time and the moment a worker starts it, for ``--probe``
  steps falling due while 100,000 others wait, against the same probe on an empty queue.
  saq moves due jobs once a second (its ``schedule`` timer, whole seconds), so about half
  a second on average is the design's floor.

Everything runs in its own queue name and is deleted afterwards; load goes to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis.asyncio import Redis  # noqa: E402

from flows.scheduler import PendingStep, SaqScheduler  # noqa: E402

FAR_FUTURE_MS = 30 * 24 * 3600 * 1000


def redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    out = subprocess.run(["bash", str(ROOT / "scripts/services.sh"), "env"], capture_output=True, text=True, check=True)
    return next(line.split("=", 1)[1] for line in out.stdout.splitlines() if "REDIS_URL" in line)


async def used_memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def delete_queue(redis: Redis, name: str) -> None:
    for pattern in (f"*{name}*",):
        batch: list = []
        async for key in redis.scan_iter(match=pattern, count=5000):
            batch.append(key)
            if len(batch) >= 5000:
                await redis.delete(*batch)
                batch.clear()
        if batch:
            await redis.delete(*batch)


async def schedule_many(scheduler: SaqScheduler, n: int, due_ms: int, prefix: str) -> float:
    """Seconds to schedule n steps (3 steps per run, as an API instance would: 20 callers at a time)."""
    started = time.perf_counter()

    async def caller(first: int) -> None:
        for i in range(first, n, 20):
            step = PendingStep(f"{prefix}{i // 3}", "bench", f"c{i // 3}", "onsite_plan", i % 3, due_ms + i % 3)
            assert await scheduler.schedule(step)

    await asyncio.gather(*(caller(k) for k in range(20)))
    return time.perf_counter() - started


async def baseline_zadd(redis: Redis, n: int, key: str) -> float:
    started = time.perf_counter()
    for start in range(0, n, 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(start, min(n, start + 1000)):
                pipe.zadd(key, {f"r{i // 3}:{i % 3}:c{i // 3}": i})
            await pipe.execute()
    elapsed = time.perf_counter() - started
    await redis.delete(key)
    return elapsed


async def probe_delay(url: str, name: str, probes: int) -> list[float]:
    """Seconds from due time to handler start, for ``probes`` steps due 2-3 s from now."""
    delays: list[float] = []
    done = asyncio.Event()

    async def handler(step: PendingStep) -> None:
        delays.append(time.time() - step.due_ms / 1000)
        if len(delays) >= probes:
            done.set()

    worker = SaqScheduler(url, name=name, concurrency=50)
    await worker.start(handler)
    now = int(time.time() * 1000)
    for i in range(probes):
        await worker.schedule(PendingStep(f"probe{i}", "bench", f"p{i}", "onsite_plan", 0, now + 2000 + (i * 1000) // probes))
    try:
        await asyncio.wait_for(done.wait(), timeout=30)
    finally:
        await worker.stop()
    return delays


def summary(delays: list[float]) -> str:
    q = statistics.quantiles(delays, n=100)
    return f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms (n={len(delays)})"


async def main(args: argparse.Namespace) -> None:
    url = redis_url()
    redis = Redis.from_url(url)
    name = f"bench-flows-{uuid.uuid4().hex[:8]}"
    empty = f"{name}-empty"
    try:
        base_s = await baseline_zadd(redis, args.pending, f"{name}:baseline")
        scheduler = SaqScheduler(url, name=name)
        await scheduler.start(None)
        before = await used_memory(redis)
        took = await schedule_many(scheduler, args.pending, int(time.time() * 1000) + FAR_FUTURE_MS, "run")
        after = await used_memory(redis)
        assert await scheduler.pending() == args.pending
        rate, base_rate = args.pending / took, args.pending / base_s
        print(f"scheduled {args.pending:,} steps in {took:.1f} s: {rate:,.0f} steps/s "
              f"(bare pipelined ZADD baseline {base_rate:,.0f}/s; ratio {rate / base_rate:.3f})")
        print(f"Redis memory per pending step: {(after - before) / args.pending:,.0f} bytes "
              f"({(after - before) / 2**20:.1f} MiB for {args.pending:,})")
        await scheduler.stop()

        loaded = await probe_delay(url, name, args.probe)
        idle = await probe_delay(url, empty, args.probe)
        print(f"due-to-start delay with {args.pending:,} pending: {summary(loaded)}")
        print(f"due-to-start delay on an empty queue (baseline): {summary(idle)}; "
              f"p50 ratio {statistics.median(loaded) / statistics.median(idle):.2f}")
    finally:
        await delete_queue(redis, name)
        await redis.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--pending", type=int, default=100_000, help="pending steps to hold in the queue (default 100,000)")
    parser.add_argument("--probe", type=int, default=200, help="steps whose due-to-start delay is measured (default 200)")
    asyncio.run(main(parser.parse_args()))
