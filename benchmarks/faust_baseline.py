"""The framework's own ceiling: a Faust agent that reads the events topic and does nothing else.

``benchmarks/stream.py`` runs it in a subprocess, on the same topic as the worker,
with the worker's transport and batching, so the two rates show how much of the
worker's time is the work and how much is Faust's handling of each record::

    .venv/bin/python benchmarks/faust_baseline.py 127.0.0.1:19092 events 100000

It prints ``records/s <rate> records/cpu-s <rate>`` (first to last record; the
second per second of CPU the process used, which other load on the machine moves
less) and stops. A record is what
the collector writes: one tracker batch (``stream/event_records.py``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import uuid
from pathlib import Path

import faust

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stream.batching import take_batches  # noqa: E402
from stream.kafka_transport import broker_urls  # noqa: E402


def baseline_app(bootstrap_servers: str, topic_name: str, total: int) -> faust.App:
    app = faust.App(
        f"faust-baseline-{uuid.uuid4().hex[:8]}",
        broker=broker_urls(bootstrap_servers),
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
    )
    topic = app.topic(topic_name, key_type=bytes, value_type=bytes, acks=False)
    @app.agent(topic, name="read_only")
    async def read_only(stream: faust.StreamT) -> None:
        records, started, cpu_started = 0, 0.0, 0.0
        async for batch in take_batches(stream, 500, 0.01):  # the worker's batching and defaults
            if not records:
                started, cpu_started = time.perf_counter(), time.process_time()
            records += len(batch)
            if records >= total:
                cpu_s = time.process_time() - cpu_started  # all of the process's threads
                print(f"records/s {records / (time.perf_counter() - started):.0f} "
                      f"records/cpu-s {records / cpu_s:.0f}", flush=True)
                os.kill(os.getpid(), signal.SIGTERM)  # the worker's own graceful stop
                return

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bootstrap_servers", help="Kafka brokers, host:port[,host:port]")
    parser.add_argument("topic", help="the events topic to read")
    parser.add_argument("count", type=int, help="stop after this many records")
    args = parser.parse_args()
    worker = faust.Worker(baseline_app(args.bootstrap_servers, args.topic, args.count), loglevel="warning", quiet=True, redirect_stdouts=False)
    worker.spinner = None  # as `cartcoach worker` does (its spinner sets the root logger to DEBUG)
    worker.execute_from_commandline()
