"""Stream worker throughput and end-to-end latency on the real broker and Redis.

Prints, in one run on this machine:
  1. a raw aiokafka consumer's rate reading the same topic (the limit), and a
     Faust agent's that reads it and does nothing else (the framework's ceiling,
     ``benchmarks/faust_baseline.py``); and the work alone, in process (the
     embedded runner on the same events: decoding, the session step, scoring,
     learning; no Kafka, no Redis);
  2. one Faust worker's sustained events/s with scoring, draining a backlog of
     simulated traffic (state in the changelog-backed table, profiles to Redis and
     the profiles topic, labels to learning);
  3. end-to-end latency, event produced -> profile in Redis (Redis pub/sub tells us
     the moment the profile is stored), at 50 % of that rate, p50/p95/p99, for
     trigger events (scored at once) and for all events (others wait for the
     debounce flush).

    .venv/bin/python benchmarks/stream.py --sessions 3000

Targets (issue 5): >= 5,000 events/s per worker with scoring, >= 40 % of the raw
consumer's rate, p95 <= 250 ms at 50 % load.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import msgspec
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cartcoach.settings import Settings  # noqa: E402
from scorer.events import CollectedEvent, decode_event, encode_event  # noqa: E402
from scorer.profile import AbandonmentProfile  # noqa: E402
from stream.embedded_runner import EmbeddedRunner  # noqa: E402
from stream.kafka_sink import KafkaEventSink  # noqa: E402
from nudges.ledger import MemoryLedger  # noqa: E402
from stream.model_health import MemoryModelHealth  # noqa: E402
from stream.processing import SCORE_ALWAYS  # noqa: E402
from stream.profile_store import MemoryProfileStore, profile_channel  # noqa: E402
from stream.topics import ensure_topics, topic_plan  # noqa: E402
from tests.services import services_up  # noqa: E402
from tests.stream_worker import StreamEnv, WorkerProcess, publish, simulated, wait_for_group  # noqa: E402


async def raw_consumer_rate(stream: StreamEnv, total: int) -> float:
    consumer = AIOKafkaConsumer(
        stream.settings.events_topic,
        bootstrap_servers=stream.services.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    read, started = 0, None
    try:
        while read < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if started is None and batch:
                started = time.perf_counter()
            read += sum(len(records) for records in batch.values())
    finally:
        await consumer.stop()
    return read / (time.perf_counter() - started)


async def faust_agent_rate(stream: StreamEnv, total: int) -> float:
    """Records/s of a Faust agent that only reads the topic, in a process of its own."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "benchmarks" / "faust_baseline.py"),
        stream.services.kafka_bootstrap_servers, stream.settings.events_topic, str(total),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    found = re.search(rb"records/s (\d+)", output)
    if found is None:
        raise SystemExit(f"the Faust baseline printed no rate:\n{output.decode(errors='replace')[-2000:]}")
    return float(found.group(1))


async def in_process_rate(stream: StreamEnv, events: list[CollectedEvent]) -> float:
    """Events/s of the work alone: decode and apply in batches as the worker does, stores in memory."""
    runner = EmbeddedRunner(stream.settings, MemoryProfileStore(), MemoryLedger(), MemoryModelHealth())
    encoded = [encode_event(event) for event in events]
    batch = stream.settings.stream_batch_max
    started = time.perf_counter()
    for i in range(0, len(encoded), batch):
        await runner.handle_batch([decode_event(value) for value in encoded[i : i + batch]])
    await runner.service.flush()
    return len(encoded) / (time.perf_counter() - started)


async def committed(stream: StreamEnv) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=stream.services.kafka_bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(stream.settings.stream_app_id)
    finally:
        await admin.close()
    topic = stream.settings.events_topic
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def drain_rate(stream: StreamEnv, total: int, warmup: int) -> float:
    """Events/s between the first commit past ``warmup`` and the commit of the last event."""
    first: tuple[float, int] | None = None
    while True:
        done = await committed(stream)
        now = time.perf_counter()
        if first is None and done >= total:
            raise SystemExit("the worker drained the whole backlog between two polls: use a larger --sessions")
        if first is None and done >= warmup:
            first = (now, done)
        elif done >= total and first is not None:
            return (done - first[1]) / (now - first[0])
        await asyncio.sleep(0.25)


async def latency_at(stream: StreamEnv, rate: float, seconds: float) -> dict[str, list[float]]:
    """Send fresh sessions at ``rate`` events/s; time each event until its profile is stored."""
    events = simulated(stream, int(rate * seconds / 10) + 10, seed=99, arrival_ms=500)[: int(rate * seconds)]
    client = aioredis.from_url(stream.services.redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(profile_channel(stream.store_id))
    sent: dict[tuple[str, int], tuple[float, str]] = {}
    seen: defaultdict[str, int] = defaultdict(int)
    latencies: dict[str, list[float]] = {"trigger events": [], "all events": []}

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            arrived = time.perf_counter()
            profile = msgspec.json.decode(message["data"], type=AbandonmentProfile)
            for n in range(profile.events_seen, 0, -1):  # every event this profile now reflects
                entry = sent.pop((profile.session_id, n), None)
                if entry is None:
                    break
                latency_ms = (arrived - entry[0]) * 1000
                latencies["all events"].append(latency_ms)
                if entry[1] in SCORE_ALWAYS:
                    latencies["trigger events"].append(latency_ms)

    listener = asyncio.create_task(listen())
    sink = KafkaEventSink(stream.services.kafka_bootstrap_servers, stream.settings.events_topic)
    started = time.perf_counter()
    try:
        for i, event in enumerate(events):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            now_ms = int(time.time() * 1000)
            fresh = msgspec.structs.replace(event, at=now_ms, received_at=now_ms, ts=now_ms)
            seen[event.session_id] += 1
            sent[(event.session_id, seen[event.session_id])] = (time.perf_counter(), event.type)
            await sink.publish([fresh])
        await asyncio.sleep(stream.settings.score_debounce_ms / 1000 * 2 + 1)
    finally:
        listener.cancel()
        await sink.stop()
        await pubsub.aclose()
        await client.aclose()
    return latencies


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--latency-seconds", type=float, default=15)
    parser.add_argument("--latency-rate", type=float, default=None,
                        help="events/s for the latency run (default: 50 %% of the measured rate)")
    args = parser.parse_args()

    workdir = REPO / ".services" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    shipped = Settings()
    # The worker as shipped (the tests sweep and look for models every 2 s), except
    # that no simulated session is closed as abandoned while we measure.
    stream = StreamEnv(services_up(), workdir, tag=f"bench{uuid.uuid4().hex[:6]}", extra={
        "CARTCOACH_SESSION_IDLE_TIMEOUT_S": "100000000",
        "CARTCOACH_SWEEP_INTERVAL_S": str(shipped.sweep_interval_s),
        "CARTCOACH_MODEL_REFRESH_S": str(shipped.model_refresh_s),
    })
    await ensure_topics(stream.services.kafka_bootstrap_servers, topic_plan(stream.settings))
    backlog = simulated(stream, args.sessions, seed=1, arrival_ms=500)
    await publish(stream, backlog)
    raw = await raw_consumer_rate(stream, len(backlog))
    framework = await faust_agent_rate(stream, len(backlog))
    work_alone = await in_process_rate(stream, backlog)

    worker = WorkerProcess(stream, "bench")
    try:
        await wait_for_group(stream, members=1)
        rate = await drain_rate(stream, len(backlog), warmup=min(2000, len(backlog) // 10))
        load = args.latency_rate or rate / 2
        half = await latency_at(stream, load, args.latency_seconds)
    finally:
        worker.stop()

    print(f"{'measure':<52}{'figure':>12}")
    print(f"{'events in the backlog':<52}{len(backlog):>12,}")
    print(f"{'raw aiokafka consumer (limit), events/s':<52}{raw:>12,.0f}")
    print(f"{'Faust agent doing nothing (ceiling), events/s':<52}{framework:>12,.0f}")
    print(f"{'the work alone, in process, events/s':<52}{work_alone:>12,.0f}")
    print(f"{'one worker with scoring, events/s':<52}{rate:>12,.0f}")
    print(f"{'worker / raw consumer':<52}{rate / raw:>12.1%}")
    print(f"{'worker / Faust agent doing nothing':<52}{rate / framework:>12.1%}")
    print(f"at {load / rate:.0%} load ({load:,.0f} events/s), produced -> profile in Redis:")
    for name, values in half.items():
        print(f"  {name + f' (n={len(values)})':<50}"
              f"p50 {percentile(values, 50):6.1f} ms  p95 {percentile(values, 95):6.1f} ms  "
              f"p99 {percentile(values, 99):6.1f} ms")
    print("targets: >= 5,000 events/s; >= 40% of raw; p95 <= 250 ms at 50% load")


if __name__ == "__main__":
    asyncio.run(main())
