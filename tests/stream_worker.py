"""A real ``cartcoach worker`` process for the stream tests, with its own topics and group."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from cartcoach.settings import Settings
from scorer.events import CollectedEvent, encode_event
from scorer.simulator import SimulatorConfig, collected, simulate
from stream.event_sink import SinkUnavailable
from stream.kafka_sink import KafkaEventSink
from tests.services import REPO, Services

#: Longer than any simulated session lasts from its arrival.
SESSION_SPAN_MS = 30 * 60 * 1000

#: How long :func:`publish` keeps sending a batch the broker does not acknowledge.
PUBLISH_PATIENCE_S = 120


@dataclass
class StreamEnv:
    """Topic names, app id and knobs for one test, as the worker's environment."""

    services: Services
    data_dir: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def store_id(self) -> str:
        return f"test-{self.tag}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.services.kafka_bootstrap_servers,
            "REDIS_URL": self.services.redis_url,
            "CARTCOACH_EVENTS_TOPIC": f"events-{self.tag}",
            "CARTCOACH_PROFILES_TOPIC": f"profiles-{self.tag}",
            "CARTCOACH_LABELS_TOPIC": f"labels-{self.tag}",
            "CARTCOACH_DEAD_LETTER_TOPIC": f"dead-{self.tag}",
            "CARTCOACH_STREAM_APP_ID": f"stream-{self.tag}",
            "CARTCOACH_TOPIC_PARTITIONS": "4",
            "CARTCOACH_SWEEP_INTERVAL_S": "2",
            "CARTCOACH_MODEL_REFRESH_S": "2",
            "CARTCOACH_STREAM_SESSION_TIMEOUT_S": "8",
            **self.extra,
        }

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)


async def wait_for_group(stream: StreamEnv, members: int, timeout_s: float = 90) -> None:
    """Wait until the workers' consumer group is stable with ``members`` members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stream.services.kafka_bootstrap_servers)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                (response,) = await admin.describe_consumer_groups([stream.settings.stream_app_id])
            except GroupCoordinatorNotAvailableError:  # a fresh broker: no offsets topic yet
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
                continue
            (group,) = response.groups
            state, current = group[2], len(group[5])
            if state == "Stable" and current == members:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"group {state} with {current} members, wanted {members}")
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


def simulated(stream: StreamEnv, n: int, seed: int, arrival_ms: int = 2_000) -> list[CollectedEvent]:
    """Simulated shoppers of the last hour, in the order the collector would emit them.

    Many shoppers go further back, so that every event is in the past: the broker
    refuses timestamps more than an hour ahead. The store id is the test's own, so
    runs never share profiles in Redis.
    """
    start = int(time.time() * 1000) - max(3_600_000, n * arrival_ms + SESSION_SPAN_MS)
    config = SimulatorConfig(sessions=n, seed=seed, start_ms=start, arrival_ms=arrival_ms)
    return list(collected(simulate(config), store_id=stream.store_id))


async def publish(stream: StreamEnv, events: list[CollectedEvent]) -> None:
    """Through the collector's own sink, one record per run of one session's events.

    Up to 500 runs at a time, none of the same session (the sink would make them one record).
    """
    # A fresh topic's first round waits for its partitions' leaders: on a busy CI machine that
    # can pass the collector's 5 s budget, which is the API's promise, not this helper's.
    sink = KafkaEventSink(stream.services.kafka_bootstrap_servers, stream.settings.events_topic, timeout_s=30.0)

    async def until_acked(run: list[CollectedEvent]) -> None:
        # A batch the broker did not acknowledge (it timed out under load) is sent again,
        # as the snippet does after a 503; if it was stored after all, the worker applies
        # each event id once, so counts stay exact.
        deadline = time.monotonic() + PUBLISH_PATIENCE_S
        while True:
            try:
                return await sink.publish(run)
            except SinkUnavailable:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1.0)

    try:
        together: dict[str, list[CollectedEvent]] = {}
        for run in runs_by_session(events):
            if run[0].session_id in together or len(together) == 500:
                await asyncio.gather(*map(until_acked, together.values()))
                together = {}
            together[run[0].session_id] = run
        await asyncio.gather(*map(until_acked, together.values()))
    finally:
        await sink.stop()


async def publish_per_event(stream: StreamEnv, events: list[CollectedEvent]) -> None:
    """The format before one record per batch: one record per event (version 1), keyed by session."""
    producer = AIOKafkaProducer(bootstrap_servers=stream.services.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        acks = [
            await producer.send(stream.settings.events_topic, encode_event(e), key=e.session_id.encode())
            for e in events
        ]
        await asyncio.gather(*acks)
    finally:
        await producer.stop()


def runs_by_session(events: list[CollectedEvent]) -> list[list[CollectedEvent]]:
    """Consecutive events of one session: the batches :func:`publish` writes as one record each."""
    return [list(run) for _, run in groupby(events, key=lambda e: e.session_id)]


class WorkerProcess:
    def __init__(self, stream: StreamEnv, name: str) -> None:
        # Logs outlive pytest's temporary directories, for reading after a failure.
        log_dir = REPO / ".services" / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"worker-{stream.tag}-{name}.log"
        env = {**os.environ, **stream.env, "CARTCOACH_STREAM_DATA_DIR": str(stream.data_dir / name)}
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cartcoach.cli", "worker", "--loglevel", "info"],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit, no flush."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
