"""Faults, counted end to end: is any accepted event lost when a part of the full path fails?

Starts the full path on the real broker and Redis (``scripts/services.sh``): the API
(``cartcoach serve``) and one stream worker (``cartcoach worker``), each a process of
its own. Simulated shoppers (``scorer/simulator.py``, played as ``cartcoach traffic``
plays them) post their tracker batches to ``/v1/collect`` and, like the snippet, send a
batch again after a 503 (or a refused connection) until it is accepted. Phase by phase,
with fresh shoppers each time, one fault strikes a few seconds into the traffic:

* ``none``: no fault (the reference);
* ``worker``: the worker is killed with SIGKILL, and a new one started;
* ``broker``: the Kafka broker is stopped and started again (``services.sh kafka-stop``,
  ``kafka-start``);
* ``redis``: Redis is stopped and started again (``services.sh redis-stop``,
  ``redis-start``; it keeps its data in an append-only file).

After each phase the script waits for the profiles to settle, then prints the events
accepted (202), the events reflected in the sessions' profiles in Redis (each
profile counts the distinct events applied to its session), and the events lost:
accepted but in no profile. The target is 0 lost after every fault.

    .venv/bin/python benchmarks/faults.py
    .venv/bin/python benchmarks/faults.py --faults worker,broker --rate 6
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec
import redis.asyncio as aioredis

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FAULTS = ("none", "worker", "broker", "redis")


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help=f"comma-separated phases, in order (default: {','.join(FAULTS)})")
    parser.add_argument("--rate", type=float, default=4.0, help="new shoppers per second")
    parser.add_argument("--speed", type=float, default=20.0, help="how much faster than real time sessions play")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each phase starts new shoppers")
    parser.add_argument("--fault-at", type=float, default=10.0, help="seconds into a phase when the fault strikes")
    parser.add_argument("--settle-seconds", type=float, default=120.0,
                        help="how long to wait after a phase for its events to reach the profiles")
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load the whole app (seconds)

from cartcoach.cli import DEMO_WRITE_KEY  # noqa: E402
from scorer.events import Batch  # noqa: E402
from scorer.simulator import SimSession, SimulatorConfig, simulate, to_batches  # noqa: E402
from stream.profile_store import RedisProfileStore  # noqa: E402
from stream.topics import ensure_topics, topic_plan  # noqa: E402
from tests.live_server import free_port  # noqa: E402
from tests.services import SERVICES_SCRIPT, Services, services_up  # noqa: E402
from tests.stream_worker import StreamEnv, WorkerProcess, wait_for_group  # noqa: E402

#: The demo store (cartcoach/demo_stores.yaml), which ``DEMO_WRITE_KEY`` writes to.
STORE_ID = "demo"
#: How long a shopper keeps sending a refused batch again before giving up.
RETRY_FOR_S = 120.0


def services(action: str) -> None:
    subprocess.run(["bash", str(SERVICES_SCRIPT), action], check=True, capture_output=True)


@dataclass
class Tally:
    """What one phase's shoppers saw."""

    accepted: dict[str, set[str]] = field(default_factory=dict)
    responses: Counter[int] = field(default_factory=Counter)
    refused_connections: int = 0
    #: Batches never accepted although retried for RETRY_FOR_S (not accepted, so not lost).
    given_up: int = 0


class FullPath:
    """The API and worker processes on one set of topics."""

    def __init__(self, services_: Services, workdir: Path) -> None:
        self.stream = StreamEnv(services_, workdir, tag=f"faults{uuid.uuid4().hex[:6]}", extra={
            "CARTCOACH_SESSION_IDLE_TIMEOUT_S": "100000000",  # no session closes while we count
        })
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker: WorkerProcess | None = None
        self.workers = 0
        self.api: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        await ensure_topics(self.stream.services.kafka_bootstrap_servers, topic_plan(self.stream.settings))
        log = (REPO / ".services" / "logs" / f"api-{self.stream.tag}.log").open("wb")
        self.api = subprocess.Popen(
            [sys.executable, "-m", "cartcoach.cli", "serve", "--port", str(self.port)],
            cwd=REPO, env={**os.environ, **self.stream.env}, stdout=log, stderr=subprocess.STDOUT,
        )
        await self.start_worker()
        async with httpx.AsyncClient(base_url=self.url) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise SystemExit(f"the API did not start; see .services/logs/api-{self.stream.tag}.log")

    async def start_worker(self) -> None:
        self.workers += 1
        self.worker = WorkerProcess(self.stream, f"w{self.workers}")
        await wait_for_group(self.stream, members=1)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.api is not None:
            self.api.terminate()
            self.api.wait(timeout=30)


async def post_until_accepted(client: httpx.AsyncClient, batch: Batch, tally: Tally) -> None:
    """Post a batch, again after each 503 or refused connection (the snippet's backoff)."""
    body = msgspec.json.encode(batch)
    deadline = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            response = await client.post("/v1/collect", content=body, headers={"Content-Type": "application/json"})
        except httpx.HTTPError:
            tally.refused_connections += 1
            wait_s = 1.0
        else:
            tally.responses[response.status_code] += 1
            if response.status_code == 202:
                tally.accepted.setdefault(batch.session_id, set()).update(e.id for e in batch.events)
                return
            if response.status_code != 503:
                return  # a 4xx: not accepted, and a retry would not help
            wait_s = min(5.0, float(response.headers.get("Retry-After", "1")))
        if time.monotonic() + wait_s > deadline:
            tally.given_up += 1
            return
        await asyncio.sleep(wait_s)


async def shopper(client: httpx.AsyncClient, session: SimSession, speed: float, tally: Tally) -> None:
    """One simulated session's batches, in order, at ``speed`` times real time, sent at the present."""
    batches = to_batches(session, DEMO_WRITE_KEY)
    for i, batch in enumerate(batches):
        if i:
            await asyncio.sleep(min(1.5, max(0.0, (batch.sent_at - batches[i - 1].sent_at) / 1000 / speed)))
        shift = int(time.time() * 1000) - batch.sent_at
        events = [msgspec.structs.replace(e, ts=max(0, e.ts + shift)) for e in batch.events]
        await post_until_accepted(client, msgspec.structs.replace(batch, sent_at=batch.sent_at + shift, events=events),
                                  tally)


async def reflected(redis_url: str, accepted: dict[str, set[str]]) -> dict[str, int]:
    """Per session, the events its profile in Redis reflects (0 without a profile)."""
    store = RedisProfileStore(aioredis.from_url(redis_url), ttl_s=3600)
    try:
        seen: dict[str, int] = {}
        for session in accepted:
            try:
                profile = await store.get(STORE_ID, session)
            except (aioredis.RedisError, OSError):
                profile = None
            seen[session] = profile.events_seen if profile is not None else 0
        return seen
    finally:
        await store.close()


async def run_phase(path: FullPath, fault: str, args: argparse.Namespace) -> dict[str, object]:
    """Fresh shoppers for ``args.seconds``; the fault at ``args.fault_at`` s; then count."""
    tally = Tally()
    rnd = random.Random()
    strike = FAULT_ACTIONS[fault]
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=path.url, timeout=10.0) as client:
        shoppers: list[asyncio.Task[None]] = []
        fault_task: asyncio.Task[None] | None = None
        while time.monotonic() - started < args.seconds:
            if fault_task is None and time.monotonic() - started >= args.fault_at:
                fault_task = asyncio.create_task(strike(path))
            config = SimulatorConfig(sessions=1, seed=rnd.randrange(10**9), start_ms=int(time.time() * 1000))
            shoppers.append(asyncio.create_task(shopper(client, simulate(config)[0], args.speed, tally)))
            await asyncio.sleep(1 / args.rate)
        if fault_task is not None:
            await fault_task
        await asyncio.gather(*shoppers)
    sent_all = time.monotonic()
    # Wait for the profiles to reflect every accepted event (or the deadline: then some are lost).
    while True:
        seen = await reflected(path.stream.services.redis_url, tally.accepted)
        lost = sum(max(0, len(ids) - seen[s]) for s, ids in tally.accepted.items())
        if lost == 0 or time.monotonic() - sent_all > args.settle_seconds:
            break
        await asyncio.sleep(1.0)
    accepted = sum(len(ids) for ids in tally.accepted.values())
    return {
        "fault": fault,
        "sessions": len(tally.accepted),
        "accepted": accepted,
        "reflected": sum(min(len(ids), seen[s]) for s, ids in tally.accepted.items()),
        "lost": lost,
        "503s": tally.responses[503],
        "refused": tally.refused_connections,
        "given up": tally.given_up,
        "settled in s": round(time.monotonic() - sent_all, 1),
    }


async def no_fault(path: FullPath) -> None:
    return None


async def kill_worker(path: FullPath) -> None:
    assert path.worker is not None
    path.worker.kill()
    await asyncio.sleep(3)
    await path.start_worker()


async def restart_broker(path: FullPath) -> None:
    await asyncio.to_thread(services, "kafka-stop")
    await asyncio.sleep(3)
    await asyncio.to_thread(services, "kafka-start")


async def restart_redis(path: FullPath) -> None:
    await asyncio.to_thread(services, "redis-stop")
    await asyncio.sleep(3)
    await asyncio.to_thread(services, "redis-start")


FAULT_ACTIONS: dict[str, Callable[[FullPath], Awaitable[None]]] = {
    "none": no_fault, "worker": kill_worker, "broker": restart_broker, "redis": restart_redis,
}


async def redis_keeps_its_data(redis_url: str) -> bool:
    client = aioredis.from_url(redis_url)
    try:
        return (await client.config_get("appendonly")).get(b"appendonly") == b"yes"
    finally:
        await client.aclose()


async def main() -> None:
    parser = options()
    args = parser.parse_args()
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")

    services_ = services_up()
    if "redis" in faults and not await redis_keeps_its_data(services_.redis_url):
        print("Redis runs without its append-only file (started by an older services.sh): restarting it",
              file=sys.stderr)
        services("redis-stop")
        services("redis-start")
    workdir = REPO / ".services" / "faults"
    workdir.mkdir(parents=True, exist_ok=True)
    path = FullPath(services_, workdir)
    rows: list[dict[str, object]] = []
    try:
        await path.start()
        for fault in faults:
            rows.append(await run_phase(path, fault, args))
            print(f"phase {fault} done: {rows[-1]}", file=sys.stderr, flush=True)
    finally:
        path.stop()
        if "broker" in faults or "redis" in faults:
            services_up()  # leave both running, whatever happened
    columns = list(rows[0]) if rows else []
    print("".join(f"{c:>14}" for c in columns))
    for row in rows:
        print("".join(f"{row[c]!s:>14}" for c in columns))
    print(f"target: 0 lost after every fault; met in {sum(r['lost'] == 0 for r in rows)} of {len(rows)} phases")


if __name__ == "__main__":
    asyncio.run(main())
