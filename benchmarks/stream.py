"""Stream worker throughput and end-to-end latency on the real broker and Redis.

Each run publishes a backlog of simulated traffic to a fresh ``events`` topic the way
the collector does (one record per tracker batch) and measures, on those records:

  1. the work alone, in process: the records decoded and applied by the embedded
     runner (the session step, scoring, learning; stores in memory, no Kafka, no
     Redis), in batches as the worker takes them; measured just before and just after
     the worker (3.), and the two averaged, so that both sides of the ratio see the
     same machine;
  2. a Faust agent that reads the same records and does nothing else, with the
     worker's transport and batching (``benchmarks/faust_baseline.py``): the
     framework's own cost;
  3. one worker draining the backlog, with scoring (state in the changelog-backed
     table, profiles to Redis and the profiles topic, labels to learning), timed from
     its own count of events applied (its metrics endpoint) and its CPU read at the
     same moment (every 0.5 s, every 20 ms near the end); with the records per batch it
     applied and its CPU once idle, the part of its CPU that is paid per second;
  4. end-to-end latency, tracker batch produced -> profile in Redis (Redis pub/sub
     says when a profile is stored), at half the worker's rate, p50/p95/p99, for
     trigger events (scored at once) and for all events (the others wait for the
     debounce flush); and for trigger events from the broker's acknowledgement (the
     worker's own share, when the broker is slow to acknowledge). A batch the broker
     refuses is sent again after Retry-After, as the snippet does;
  5. where trigger events waited during that run, mean and p95 per stage: produced ->
     acknowledged by the broker (the collector's sink), then the worker's own stages from
     its ``cartcoach_trigger_stage_seconds`` histogram (``stream/trigger_timing.py``,
     read before and after; p95 interpolated within the buckets): the record's Kafka
     timestamp -> in a batch, waiting in the batch, applying its part of the batch,
     applied -> its publication, scoring and storing in Redis. The stages' p95s do not
     add up; their means roughly do;
  6. who shared the cores during that run: the CPU of the worker, the broker, Redis,
     this benchmark (its producer and the subscriber that times profiles) and everything
     else, and the time the host took the virtual cores away (stolen); with
     ``--timeline``, second by second beside the trigger events sent in that second and
     their p95, so that a slow second can be laid beside what the machine did.

The ratios compare rates of the same run. On a machine shared with other work the
wall-clock rates move with everyone else's load from one measurement to the next, so
each rate is also given per second of CPU the measured process used (the worker's
includes its consumer thread; the broker's and Redis's are not counted): what it
would reach with a core of its own. The latency load is half the worker's wall rate
measured in the same run, so it follows the machine's state. Each run also prints
the machine's load while it ran (the 1-minute load average, and the tasks waiting for
one of the cores, sampled every 0.5 s): judge the latency against it. ``--runs 5``
repeats everything and prints the spread.

    .venv/bin/python benchmarks/stream.py --sessions 3000 --runs 5

Targets (issue 20): the worker at >= 70 % of the work alone's rate; trigger events
in Redis with p95 <= 250 ms at half load, in every run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import statistics
import sys
import threading
import time
import urllib.request
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

import msgspec
import redis.asyncio as aioredis
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def share_below_one(text: str) -> float:
    """A share from 0 up to, not including, 1 (some sessions must reach a cart to be timed)."""
    try:
        share = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= share < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share from 0 up to 1 (1 itself leaves no trigger event to time)")
    return share


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--sessions", type=int, default=3000, help="simulated sessions in the backlog")
    parser.add_argument("--runs", type=int, default=1, help="repeat everything this many times")
    parser.add_argument("--latency-seconds", type=float, default=15, help="how long the latency run sends")
    parser.add_argument("--latency-rate", type=float, default=None,
                        help="events/s for the latency run (default: half the worker's measured rate)")
    parser.add_argument("--cartless-share", type=share_below_one, default=0.0,
                        help="share of sessions that never reach a cart: their cart, checkout and exit-intent "
                             "events are left out (the simulator's shoppers all reach one; most of a real "
                             "store's sessions do not)")
    parser.add_argument("--timeline", action="store_true",
                        help="also print each latency run second by second: trigger events sent, their p95, "
                             "and the CPU of the worker, the broker, Redis and this benchmark")
    return parser


if __name__ == "__main__":
    options().parse_args()  # --help and bad options answered before the imports below load the scorer and the stream (seconds)

from cartcoach.settings import Settings  # noqa: E402
from scorer.events import CollectedEvent  # noqa: E402
from stream.embedded_runner import EmbeddedRunner  # noqa: E402
from stream.event_records import decode_events, encode_events  # noqa: E402
from stream.event_sink import SinkUnavailable  # noqa: E402
from stream.kafka_sink import KafkaEventSink  # noqa: E402
from nudges.ledger import MemoryLedger  # noqa: E402
from stream.model_health import MemoryModelHealth  # noqa: E402
from stream.processing import SCORE_ALWAYS  # noqa: E402
from stream.trigger_timing import STAGES  # noqa: E402
from stream.profile_store import MemoryProfileStore, profile_channel  # noqa: E402
from stream.topics import ensure_topics, topic_plan  # noqa: E402
from tests.services import Services, services_up  # noqa: E402
from tests.stream_worker import (  # noqa: E402
    StreamEnv, WorkerProcess, publish, runs_by_session, simulated, wait_for_group,
)

READING = """\
How to read it: "per CPU-second" counts only the measured process's own CPU (the worker's
consumer thread included, the broker's and Redis's not), so it moves less with the
machine's load than events/s. What still moves it is the worker's CPU that is paid per
second, not per event (its timers, heartbeats and empty fetches: the idle rows), a larger
share when a starved worker drains slowly; compare runs by their load rows. Every run
has its own topics, consumer group, store id and model key, so the Redis keys and broker
partitions that earlier runs left are read by no later worker."""

P95_TARGET_MS = 250
#: The worker's stages of a trigger event (stream/trigger_timing.py), as the report names them.
STAGE_NAMES = {
    "to_worker": "record's timestamp -> in a batch",
    "in_batch": "in the batch -> applying starts",
    "applying": "applying its part of the batch",
    "to_publish": "applied -> its publication",
    "publishing": "scoring, storing in Redis",
}
#: Latencies measured per event: from the send (the target), and from the broker's ack.
LATENCY_KINDS = ("trigger events", "all events", "trigger events, broker ack")
#: Trigger events from the send to the broker's acknowledgement (the collector's share).
TO_ACK = "trigger events, to the ack"
SHARE_TARGET = 0.70
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_jiffies() -> tuple[int, int]:
    """All the machine's cores together since boot, from ``/proc/stat``: (busy, total)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields[:8])  # user .. steal (guest time is inside user already)
    return total - idle, total


#: Who shares the cores, as the latency run reports them (see :func:`process_group`).
PROCESS_GROUPS = ("the worker", "the broker", "Redis", "this benchmark", "everything else")


def name_and_ticks(stat: str) -> tuple[str, int]:
    """A process's name and CPU ticks so far (user + system, all its threads), from its
    ``/proc/<pid>/stat`` line."""
    fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on: utime is 14, stime 15
    return stat[stat.index("(") + 1:stat.rindex(")")], int(fields[11]) + int(fields[12])


def process_ticks() -> dict[int, tuple[str, int]]:
    """Every process's name and CPU ticks so far, from ``/proc``."""
    ticks: dict[int, tuple[str, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ticks[int(stat.parent.name)] = name_and_ticks(stat.read_text())
        except OSError:
            continue  # it ended meanwhile
    return ticks


def process_group(pid: int, name: str, worker_pid: int | None) -> str:
    """Which of :data:`PROCESS_GROUPS` a process is: the worker, the broker (Kafka's JVM),
    Redis, this benchmark (its producer and the subscriber that times profiles), or other."""
    if pid == worker_pid:
        return "the worker"
    if pid == os.getpid():
        return "this benchmark"
    if name == "java":
        return "the broker"
    if name.startswith("redis-server"):
        return "Redis"
    return "everything else"


def steal_jiffies(proc_stat: str) -> int:
    """Time the machine's virtual cores were ready but the host ran something else, since
    boot, from the text of ``/proc/stat``."""
    return int(proc_stat.split("\n", 1)[0].split()[8])


@dataclass
class Sample:
    """One look at the machine: when (perf_counter), tasks runnable per core, every process's
    (name, CPU ticks), and the cores' stolen time so far."""

    at: float
    runnable_per_core: float
    processes: dict[int, tuple[str, int]]
    steal: int


def runnable_per_core(proc_stat: str) -> float:
    """Tasks running or ready to run, per core, from the text of ``/proc/stat``."""
    running = next(line for line in proc_stat.splitlines() if line.startswith("procs_running"))
    return int(running.split()[1]) / (os.cpu_count() or 1)


class MachineLoad:
    """The machine's load while a phase runs: the 1-minute load average, and how many
    tasks are runnable per core (``procs_running`` in ``/proc/stat``), every 0.5 s; how
    busy its cores were, all processes together; and, when given the worker's pid, the
    CPU of each process group (:data:`PROCESS_GROUPS`: the broker, Redis and this
    benchmark's own producer share the cores with the worker), sampled with the rest."""

    def __init__(self, worker_pid: int | None = None) -> None:
        self.load_averages: list[float] = []
        self.runnable_per_core: list[float] = []
        self.samples: list[Sample] = []
        #: Share of the machine's CPU time that was busy during the phase.
        self.busy = 0.0
        self._worker_pid = worker_pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "MachineLoad":
        self._jiffies = cpu_jiffies()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        (busy_before, total_before), (busy, total) = self._jiffies, cpu_jiffies()
        self.busy = (busy - busy_before) / max(1, total - total_before)
        self._look_at_processes(Path("/proc/stat").read_text())  # the phase's end, for the shares

    def _sample(self) -> None:
        while True:
            self.load_averages.append(float(Path("/proc/loadavg").read_text().split()[0]))
            proc_stat = Path("/proc/stat").read_text()
            self.runnable_per_core.append(runnable_per_core(proc_stat))
            self._look_at_processes(proc_stat)
            if self._stop.wait(0.5):
                return

    def _look_at_processes(self, proc_stat: str) -> None:
        if self._worker_pid is not None:
            self.samples.append(Sample(time.perf_counter(), runnable_per_core(proc_stat), process_ticks(),
                                       steal_jiffies(proc_stat)))

    def group_share(self, group: str, start: int = 0, end: int = -1) -> float:
        """The group's CPU between two samples, in cores (1.0: one core all the time). A process
        that ended between them is not counted (its ticks are gone with it)."""
        if len(self.samples) < 2:
            return float("nan")
        first, last = self.samples[start], self.samples[end]
        ticks = sum(used - first.processes.get(pid, (name, 0))[1] for pid, (name, used) in last.processes.items()
                    if process_group(pid, name, self._worker_pid) == group)
        return ticks / CLOCK_TICKS / max(1e-9, last.at - first.at)

    def steal_share(self, start: int = 0, end: int = -1) -> float:
        """Time the host took the cores away between two samples, in cores."""
        if len(self.samples) < 2:
            return float("nan")
        first, last = self.samples[start], self.samples[end]
        return (last.steal - first.steal) / CLOCK_TICKS / max(1e-9, last.at - first.at)


class _Reflects(msgspec.Struct):
    """What the latency run reads of a profile: whose, and how many events it reflects."""

    session_id: str
    events_seen: int


class Backlog:
    """The backlog's records as the collector writes them."""

    def __init__(self, events: list[CollectedEvent]) -> None:
        self.events = events
        self.runs = runs_by_session(events)
        self.values = [encode_events(run) for run in self.runs]

    @property
    def events_per_record(self) -> float:
        return len(self.events) / len(self.runs)


async def faust_agent_rate(stream: StreamEnv, records: int) -> tuple[float, float]:
    """Records/s of a Faust agent that only reads the topic, in a process of its own,
    per second of wall time and per second of its CPU."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "benchmarks" / "faust_baseline.py"),
        stream.services.kafka_bootstrap_servers, stream.settings.events_topic, str(records),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    found = re.search(rb"records/s (\d+) records/cpu-s (\d+)", output)
    if found is None:
        raise SystemExit(f"the Faust baseline printed no rate:\n{output.decode(errors='replace')[-2000:]}")
    return float(found.group(1)), float(found.group(2))


async def work_alone_rate(settings: Settings, backlog: Backlog) -> tuple[float, float]:
    """Events/s of the work alone: the records decoded and applied as the worker takes them
    (up to ``stream_batch_max`` records at a time), stores in memory; per second of wall
    time and per second of CPU."""
    runner = EmbeddedRunner(settings, MemoryProfileStore(), MemoryLedger(), MemoryModelHealth())
    take = settings.stream_batch_max
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(0, len(backlog.values), take):
        await runner.handle_batch([event for value in backlog.values[i : i + take] for event in decode_events(value)])
    await runner.service.flush()
    events = len(backlog.events)
    return events / (time.perf_counter() - started), events / (time.process_time() - cpu_started)


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, all its threads (Linux ``/proc``)."""
    return name_and_ticks(Path(f"/proc/{pid}/stat").read_text())[1] / CLOCK_TICKS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WorkerCounters(msgspec.Struct):
    """What the benchmark reads of the worker's metrics endpoint."""

    events_applied: int
    #: Applied batches and the records in them (``cartcoach_stream_batch_records``).
    batches: int
    batch_records: int


def worker_counters(metrics_port: int) -> WorkerCounters | None:
    """The worker's counters, or None while its endpoint is not up."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as answer:
            text = answer.read().decode()
    except OSError:
        return None

    def value(name: str) -> int:
        found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
        return int(float(found.group(1))) if found else 0

    return WorkerCounters(value("cartcoach_events_applied_total"), value("cartcoach_stream_batch_records_count"),
                          value("cartcoach_stream_batch_records_sum"))


@dataclass
class StageTimes:
    """The worker's ``cartcoach_trigger_stage_seconds`` histogram (:mod:`stream.trigger_timing`)
    at one moment: per stage, the cumulative bucket counts and the sum of seconds."""

    buckets: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)

    def since(self, before: "StageTimes") -> "StageTimes":
        """What was observed between ``before`` and this reading."""
        return StageTimes(
            {stage: [(le, n - dict(before.buckets.get(stage, [])).get(le, 0.0)) for le, n in rows]
             for stage, rows in self.buckets.items()},
            {stage: total - before.sums.get(stage, 0.0) for stage, total in self.sums.items()},
        )

    def mean_ms(self, stage: str) -> float:
        count = self.buckets.get(stage, [(0.0, 0.0)])[-1][1]
        return self.sums.get(stage, 0.0) / count * 1000 if count else float("nan")

    def quantile_ms(self, stage: str, q: float) -> float:
        """The ``q`` quantile, interpolated within its bucket as Prometheus's histogram_quantile does."""
        rows = self.buckets.get(stage, [])
        if not rows or rows[-1][1] == 0:
            return float("nan")
        rank, lower, below = q * rows[-1][1], 0.0, 0.0
        for le, n in rows:
            if n >= rank:
                if le == float("inf"):
                    return lower * 1000
                return (lower + (le - lower) * (rank - below) / max(n - below, 1e-9)) * 1000
            lower, below = le, n
        return float("nan")


def stage_times(metrics_port: int) -> StageTimes:
    """The worker's trigger stage histogram now, read with prometheus_client's own parser."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    times = StageTimes()
    for family in text_string_to_metric_families(text):
        if family.name != "cartcoach_trigger_stage_seconds":
            continue
        for sample in family.samples:
            stage = sample.labels["stage"]
            if sample.name.endswith("_bucket"):
                times.buckets.setdefault(stage, []).append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_sum"):
                times.sums[stage] = sample.value
    return times


@dataclass
class Drain:
    """One worker draining the backlog: rates, batch sizes, and its CPU when idle."""

    #: Events per second of wall time, per second of the worker's CPU.
    rate: tuple[float, float]
    #: Mean records per applied batch during the drain (500 at most by default).
    records_per_batch: float
    #: The worker's CPU with nothing to do, in seconds per second (timers, heartbeats, fetches).
    idle_cpu: float = 0.0


async def drain_rate(backlog: Backlog, warmup: int, pid: int, metrics_port: int) -> Drain:
    """Events/s between the worker's count of applied events passing ``warmup`` and reaching
    the backlog's, per second of wall time and per second of the worker's CPU (read at
    the same moment as the count: no commit interval between the two).

    Each read of the endpoint costs the worker 1-3 ms of CPU, so it is read every 0.5 s
    while the end is far and every 20 ms once it is near (at 10 reads a second the reads
    alone were 2-3 % of its CPU on a loaded machine).
    """
    total = len(backlog.events)
    first: tuple[float, float, WorkerCounters] | None = None
    while True:
        counters = worker_counters(metrics_port)
        now, cpu = time.perf_counter(), cpu_seconds(pid)
        if counters is None:
            await asyncio.sleep(0.25)
            continue
        done = counters.events_applied
        if first is None and done >= total:
            raise SystemExit("the worker drained the whole backlog between two polls: use a larger --sessions")
        if first is None and done >= warmup:
            first = (now, cpu, counters)
        elif done >= total and first is not None:
            start_at, start_cpu, start = first
            batches = counters.batches - start.batches
            records_per_batch = (counters.batch_records - start.batch_records) / batches if batches else float("nan")
            return Drain(((done - start.events_applied) / (now - start_at),
                          (done - start.events_applied) / (cpu - start_cpu)), records_per_batch)
        if first is None:
            await asyncio.sleep(0.1)
        else:
            rate = max(1.0, (done - first[2].events_applied) / max(now - first[0], 1e-3))
            await asyncio.sleep(min(0.5, max(0.02, (total - done) / rate / 2)))


@dataclass
class SharedState:
    """What the broker and Redis hold when a run starts: every run adds its own topics,
    consumer groups and profile keys, none of which a later run's worker reads."""

    redis_keys: int
    partitions: int


async def shared_state(services: Services) -> SharedState:
    client = aioredis.from_url(services.redis_url)
    admin = AIOKafkaAdminClient(bootstrap_servers=services.kafka_bootstrap_servers)
    await admin.start()
    try:
        topics = await admin.describe_topics(await admin.list_topics())
        return SharedState(await client.dbsize(), sum(len(topic["partitions"]) for topic in topics))
    finally:
        await admin.close()
        await client.aclose()


async def idle_cpu(pid: int, seconds: float = 3.0) -> float:
    """The worker's CPU per second of wall time while it has nothing to apply."""
    started, cpu = time.perf_counter(), cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - cpu) / (time.perf_counter() - started)


async def latency_at(
    stream: StreamEnv, rate: float, seconds: float, cartless_share: float
) -> tuple[dict[str, list[float]], int, list[tuple[float, float]]]:
    """Send fresh sessions' tracker batches at ``rate`` events/s; time each event until a
    profile reflecting it is stored, from the send and from the broker's acknowledgement
    (the worker's share: what is left once the broker has the batch). Also returns how
    many sends the broker refused (the collector's 503): those are sent again after
    Retry-After, as the snippet does, and timed from the first; and each trigger event's
    (sent at, latency in ms), for the timeline."""
    sessions = int(rate * seconds / 10 / (1 - 0.6 * cartless_share)) + 10
    events = cartless(simulated(stream, sessions, seed=99, arrival_ms=500), cartless_share)[: int(rate * seconds)]
    client = aioredis.from_url(stream.services.redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(profile_channel(stream.store_id))
    #: Per (session, nth event): when it was sent, its type, when the broker acknowledged it.
    sent: dict[tuple[str, int], list[Any]] = {}
    seen: defaultdict[str, int] = defaultdict(int)
    latencies: dict[str, list[float]] = {kind: [] for kind in (*LATENCY_KINDS, TO_ACK)}
    triggers: list[tuple[float, float]] = []

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            arrived = time.perf_counter()
            profile = msgspec.json.decode(message["data"], type=_Reflects)
            for n in range(profile.events_seen, 0, -1):  # every event this profile now reflects
                entry = sent.pop((profile.session_id, n), None)
                if entry is None:
                    break
                sent_at, kind, acked_at = entry
                latency_ms = (arrived - sent_at) * 1000
                # A profile can come back before this loop has seen the ack: 0 from the ack.
                after_ack_ms = max(0.0, arrived - acked_at) * 1000 if acked_at is not None else 0.0
                latencies["all events"].append(latency_ms)
                if kind in SCORE_ALWAYS:
                    latencies["trigger events"].append(latency_ms)
                    triggers.append((sent_at, latency_ms))
                    latencies["trigger events, broker ack"].append(after_ack_ms)
                    if acked_at is not None:
                        latencies[TO_ACK].append((acked_at - sent_at) * 1000)

    listener = asyncio.create_task(listen())
    sink = KafkaEventSink(stream.services.kafka_bootstrap_servers, stream.settings.events_topic)
    await sink.start()
    refused = 0
    retry_after_s = Settings().retry_after_s

    async def send(events: list[CollectedEvent], entries: list[list[Any]]) -> None:
        nonlocal refused
        while True:
            try:
                await sink.publish(events)
                for entry in entries:
                    entry[2] = time.perf_counter()
                return
            except SinkUnavailable as exc:
                # As the snippet does with the collector's 503: wait Retry-After, send again.
                refused += 1
                if refused == 1:
                    print(f"the broker refused a batch in the latency run: {exc}", file=sys.stderr, flush=True)
                await asyncio.sleep(retry_after_s)

    sending: set[asyncio.Task[None]] = set()
    started, done = time.perf_counter(), 0
    try:
        for run in runs_by_session(events):
            await asyncio.sleep(max(0.0, started + done / rate - time.perf_counter()))
            done += len(run)
            now_ms = int(time.time() * 1000)
            fresh = [msgspec.structs.replace(e, at=now_ms, received_at=now_ms, ts=now_ms) for e in run]
            entries = []
            for event in run:
                seen[event.session_id] += 1
                entries.append(sent.setdefault((event.session_id, seen[event.session_id]),
                                               [time.perf_counter(), event.type, None]))
            task = asyncio.create_task(send(fresh, entries))  # as concurrent requests would
            sending.add(task)
            task.add_done_callback(sending.discard)
        await asyncio.gather(*sending)
        await asyncio.sleep(stream.settings.score_debounce_ms / 1000 * 2 + 1)
    finally:
        listener.cancel()
        await sink.stop()
        await pubsub.aclose()
        await client.aclose()
    return latencies, refused, triggers


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else float("nan")


@dataclass
class Run:
    events: int
    records: int
    #: (per second of wall time, per second of CPU) for each.
    work_alone: tuple[float, float]
    faust_records: tuple[float, float]
    worker: tuple[float, float]
    load: float
    latency: dict[str, list[float]] = field(default_factory=dict)
    #: Sends the broker refused during the latency run (sent again).
    refused: int = 0
    #: The machine while the worker drained the backlog, and while latency was measured.
    drain_machine: MachineLoad = field(default_factory=MachineLoad)
    latency_machine: MachineLoad = field(default_factory=MachineLoad)
    #: The work alone before and after the worker, per CPU-second.
    work_alone_cpu_before_after: tuple[float, float] = (0.0, 0.0)
    drain: Drain | None = None
    #: Left by earlier runs on the same broker and Redis when this run started.
    state_before: SharedState | None = None
    #: Where trigger events' time went in the worker during the latency run.
    stages: StageTimes = field(default_factory=StageTimes)
    #: The worker's CPU-seconds per second during the latency run: how busy half load keeps it.
    latency_cpu: float = 0.0
    #: Share of sessions whose trigger events were left out (``--cartless-share``).
    cartless_share: float = 0.0
    #: Each trigger event of the latency run: (sent at, perf_counter; latency, ms).
    triggers: list[tuple[float, float]] = field(default_factory=list)

    def faust_events(self, i: int) -> float:
        """The no-op agent's rate in events: its records times events per record."""
        return self.faust_records[i] * self.events / self.records

    def share(self, i: int) -> float:
        return self.worker[i] / self.work_alone[i]

    def p(self, kind: str, q: float) -> float:
        return percentile(self.latency[kind], q)


def cartless(events: list[CollectedEvent], share: float) -> list[CollectedEvent]:
    """The events, less the trigger events of about ``share`` of the sessions (chosen by
    their id): shoppers who browse and never reach a cart. Their records are the ones a
    batch applies after its trigger sessions' (stream/trigger_first.py)."""
    def never_reaches_a_cart(session_id: str) -> bool:
        return zlib.crc32(session_id.encode()) % 1000 < share * 1000

    return [e for e in events if e.type not in SCORE_ALWAYS or not never_reaches_a_cart(e.session_id)]


async def one_run(
    services: Services, sessions: int, latency_seconds: float, latency_rate: float | None, cartless_share: float
) -> Run:
    state_before = await shared_state(services)
    workdir = REPO / ".services" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    shipped = Settings()
    # The worker as shipped (the tests sweep and look for models every 2 s), except
    # that no simulated session is closed as abandoned while we measure.
    stream = StreamEnv(services, workdir, tag=f"bench{uuid.uuid4().hex[:6]}", extra={
        "CARTCOACH_SESSION_IDLE_TIMEOUT_S": "100000000",
        "CARTCOACH_SWEEP_INTERVAL_S": str(shipped.sweep_interval_s),
        "CARTCOACH_MODEL_REFRESH_S": str(shipped.model_refresh_s),
    })
    await ensure_topics(stream.services.kafka_bootstrap_servers, topic_plan(stream.settings))
    backlog = Backlog(cartless(simulated(stream, sessions, seed=1, arrival_ms=500), cartless_share))
    await publish(stream, backlog.events)
    framework = await faust_agent_rate(stream, len(backlog.runs))
    before = await work_alone_rate(stream.settings, backlog)

    metrics_port = free_port()
    stream.extra["CARTCOACH_WORKER_METRICS_PORT"] = str(metrics_port)
    worker = WorkerProcess(stream, "bench")
    try:
        await wait_for_group(stream, members=1)
        with MachineLoad() as drain_machine:
            drain = await drain_rate(backlog, min(2000, len(backlog.events) // 10), worker.pid, metrics_port)
        await asyncio.sleep(stream.settings.score_debounce_ms / 1000)  # its last debounce flush
        drain.idle_cpu = await idle_cpu(worker.pid)
        after = await work_alone_rate(stream.settings, backlog)
        load = latency_rate or drain.rate[0] / 2
        stages_before = stage_times(metrics_port)
        with MachineLoad(worker.pid) as latency_machine:
            cpu_before, wall_before = cpu_seconds(worker.pid), time.perf_counter()
            latency, refused, triggers = await latency_at(stream, load, latency_seconds, cartless_share)
            latency_cpu = (cpu_seconds(worker.pid) - cpu_before) / (time.perf_counter() - wall_before)
        stages = stage_times(metrics_port).since(stages_before)
    finally:
        worker.stop()
    work_alone = ((before[0] + after[0]) / 2, (before[1] + after[1]) / 2)
    return Run(len(backlog.events), len(backlog.runs), work_alone, framework, drain.rate, load, latency, refused,
               drain_machine, latency_machine, (before[1], after[1]), drain, state_before, stages, latency_cpu,
               cartless_share, triggers)


def timeline(number: int, run: Run) -> None:
    """The latency run second by second: the trigger events sent in that second, their p95
    and slowest latency, how many tasks were runnable per core, and each process group's
    CPU in that second, so that a slow second can be laid beside what the machine did."""
    samples = run.latency_machine.samples
    names = {"the worker": "worker", "the broker": "broker", "Redis": "Redis", "this benchmark": "bench",
             "everything else": "other"}
    print(f"run {number}, second by second (trigger events sent that second; CPU and stolen time as share of a core):")
    print(f"{'s':>4}{'sent':>6}{'p95 ms':>8}{'max ms':>8}{'runnable':>10}" + "".join(f"{names[g]:>8}" for g in PROCESS_GROUPS)
          + f"{'stolen':>8}")
    for k in range(0, len(samples) - 2, 2):
        start, end = samples[k].at, samples[k + 2].at
        latencies = [ms for sent, ms in run.triggers if start <= sent < end]
        p95 = percentile(latencies, 95) if len(latencies) > 1 else float("nan")
        slowest = max(latencies, default=float("nan"))
        runnable = statistics.fmean(sample.runnable_per_core for sample in samples[k:k + 3])
        shares = "".join(f"{run.latency_machine.group_share(g, k, k + 2):>8.0%}" for g in PROCESS_GROUPS)
        stolen = run.latency_machine.steal_share(k, k + 2)
        print(f"{k // 2:>4}{len(latencies):>6}{p95:>8.0f}{slowest:>8.0f}{runnable:>10.1f}{shares}{stolen:>8.0%}")


def spread(values: list[float], fmt: str) -> str:
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(min(values), fmt)} – {format(max(values), fmt)} (median {format(statistics.median(values), fmt)})"


def report(runs: list[Run]) -> None:
    first = runs[0]
    if first.cartless_share:
        print(f"sessions that never reach a cart: {first.cartless_share:.0%} (their trigger events left out)")
    print(f"backlog: {first.events:,} events in {first.records:,} records "
          f"({first.events / first.records:.2f} events per record, one per tracker batch)")
    rows: list[tuple[str, list[float], str]] = []
    for i, per in enumerate(("events/s", "events per CPU-second")):
        rows += [
            (f"the work alone, in process, {per}", [r.work_alone[i] for r in runs], ",.0f"),
            (f"Faust agent doing nothing, {per}", [r.faust_events(i) for r in runs], ",.0f"),
            (f"one worker with scoring, {per}", [r.worker[i] for r in runs], ",.0f"),
            (f"worker / the work alone, {per}", [r.share(i) for r in runs], ".1%"),
            (f"worker / Faust agent doing nothing, {per}", [r.worker[i] / r.faust_events(i) for r in runs], ".1%"),
        ]
    drains = [r.drain for r in runs if r.drain is not None]
    if len(drains) == len(runs):
        rows.append(("  records per batch the worker applied, mean (500 at most)",
                     [d.records_per_batch for d in drains], ".0f"))
        rows.append(("  the worker's CPU when idle, ms per second", [d.idle_cpu * 1000 for d in drains], ".0f"))
        # CPU-seconds per wall second while draining is wall rate / CPU rate.
        rows.append(("  idle CPU as a share of the worker's CPU while draining",
                     [d.idle_cpu / (d.rate[0] / d.rate[1]) for d in drains], ".1%"))
    rows.append(("  the work alone before the worker, events per CPU-second",
                 [r.work_alone_cpu_before_after[0] for r in runs], ",.0f"))
    rows.append(("  the work alone after the worker, events per CPU-second",
                 [r.work_alone_cpu_before_after[1] for r in runs], ",.0f"))
    rows.append(("load average (1 min) while the worker drained, max",
                 [max(r.drain_machine.load_averages) for r in runs], ".1f"))
    rows.append(("runnable tasks per core while the worker drained, mean",
                 [statistics.fmean(r.drain_machine.runnable_per_core) for r in runs], ".1f"))
    states = [r.state_before for r in runs if r.state_before is not None]
    if len(states) == len(runs):
        rows.append(("Redis keys when the run started (earlier runs')", [st.redis_keys for st in states], ",.0f"))
        rows.append(("broker partitions when the run started", [st.partitions for st in states], ",.0f"))
    rows.append(("latency load, events/s (half the worker's rate)", [r.load for r in runs], ",.0f"))
    rows.append(("  load average (1 min) while measuring latency, max",
                 [max(r.latency_machine.load_averages) for r in runs], ".1f"))
    rows.append(("  runnable tasks per core while measuring latency, mean",
                 [statistics.fmean(r.latency_machine.runnable_per_core) for r in runs], ".1f"))
    rows.append(("  the worker's CPU while measuring latency, share of a core", [r.latency_cpu for r in runs], ".0%"))
    rows.append(("  the machine's cores busy while measuring latency, all processes",
                 [r.latency_machine.busy for r in runs], ".0%"))
    for group in PROCESS_GROUPS[1:]:  # the worker's is the row above
        rows.append((f"    {group}, share of a core", [r.latency_machine.group_share(group) for r in runs], ".0%"))
    rows.append(("    taken by the host (stolen), share of a core", [r.latency_machine.steal_share() for r in runs], ".0%"))
    rows.append(("  batches the broker refused (sent again)", [r.refused for r in runs], ",.0f"))
    for kind in LATENCY_KINDS:
        start = "acked by the broker" if kind.endswith("broker ack") else "produced"
        for q in (50, 95, 99):
            rows.append((f"{kind.split(',')[0]}, {start} -> Redis, p{q} ms", [r.p(kind, q) for r in runs], ".0f"))
    width = max(len(name) for name, _, _ in rows) + 2
    header = "".join(f"{'run ' + str(i + 1):>10}" for i in range(len(runs)))
    print(f"{'measure':<{width}}{header}" + ("   spread" if len(runs) > 1 else ""))
    for name, values, fmt in rows:
        cells = "".join(f"{format(v, fmt):>10}" for v in values)
        print(f"{name:<{width}}{cells}" + (f"   {spread(values, fmt)}" if len(runs) > 1 else ""))
    print(f"{'where trigger events waited, mean/p95 ms':<{width}}")
    stage_rows: list[tuple[str, list[float]]] = [
        ("  produced -> acked by the broker", [statistics.fmean(r.latency[TO_ACK] or [float("nan")]) for r in runs],
         [r.p(TO_ACK, 95) for r in runs])]
    for stage in STAGES:
        stage_rows.append((f"  worker: {STAGE_NAMES[stage]}", [r.stages.mean_ms(stage) for r in runs],
                           [r.stages.quantile_ms(stage, 0.95) for r in runs]))
    for name, means, p95s in stage_rows:
        cells = "".join(f"{format(m, '.0f') + '/' + format(p, '.0f'):>10}" for m, p in zip(means, p95s))
        print(f"{name:<{width}}{cells}")
    share_met = sum(r.share(0) >= SHARE_TARGET for r in runs)
    cpu_share_met = sum(r.share(1) >= SHARE_TARGET for r in runs)
    p95_met = sum(r.p("trigger events", 95) <= P95_TARGET_MS for r in runs)
    print(f"targets: worker >= {SHARE_TARGET:.0%} of the work alone: {share_met} of {len(runs)} runs in events/s, "
          f"{cpu_share_met} of {len(runs)} per CPU-second; "
          f"trigger p95 <= {P95_TARGET_MS} ms at half load: {p95_met} of {len(runs)} runs")
    print(READING)


async def main() -> None:
    args = options().parse_args()
    services = services_up()
    runs: list[Run] = []
    for i in range(args.runs):
        runs.append(await one_run(services, args.sessions, args.latency_seconds, args.latency_rate, args.cartless_share))
        if args.runs > 1:
            print(f"run {i + 1} of {args.runs} done", file=sys.stderr, flush=True)
            with contextlib.redirect_stdout(sys.stderr):
                report(runs)
    report(runs)
    if args.timeline:
        for number, run in enumerate(runs, 1):
            timeline(number, run)


if __name__ == "__main__":
    asyncio.run(main())
