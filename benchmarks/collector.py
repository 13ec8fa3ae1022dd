"""Collector throughput and latency against the real Kafka broker, beside the raw producer.

Prints, in one run on this machine:
  1. the raw aiokafka producer's rate for the same events (acks=all, idempotent): the limit;
  2. the collector's sustained events/s (one uvicorn process, batches of 20 events);
  3. latency p50/p99 at 50 % of that rate.

    make bench                 # or: .venv/bin/python benchmarks/collector.py --seconds 15

Load comes from `hey` (Debian's package; scripts/system_deps.sh --bench installs it if
missing) in a second process on
loopback. Targets (issue 2): >= 10,000 events/s per process, >= 50 % of the raw
producer's rate, p99 <= 25 ms at 50 % load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaProducer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scorer.events import collect, decode_batch, encode_event  # noqa: E402
from tests.live_server import free_port  # noqa: E402
from tests.services import services_up  # noqa: E402
from system_tools import require  # noqa: E402  (benchmarks/, this script's folder)

BATCH_EVENTS = 20
WRITE_KEY = "wk_bench_000001"


def batch_body() -> bytes:
    now = int(time.time() * 1000)
    return json.dumps(
        {
            "v": 1,
            "write_key": WRITE_KEY,
            "visitor_id": "v-bench-0000001",
            "session_id": f"s-bench-{uuid.uuid4().hex[:12]}",
            "sent_at": now,
            "page": {"path": "/cart", "type": "cart", "locale": "en", "device": "desktop"},
            "events": [
                {"id": f"e-{uuid.uuid4().hex}", "type": "shipping_info_open", "ts": now - 100 + i,
                 "product_id": "sku-1", "price": 129.9, "cart_value": 259.8, "cart_items": 2}
                for i in range(BATCH_EVENTS)
            ],
        }
    ).encode()


async def raw_producer_rate(bootstrap: str, topic: str, seconds: float) -> float:
    """Events/s of aiokafka alone, producing the same records the collector produces."""
    events = collect(decode_batch(batch_body()), "bench",
                     int(time.time() * 1000))
    values = [encode_event(e) for e in events]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                linger_ms=2)
    await producer.start()
    sent = 0
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            futures = [await producer.send(topic, v, key=b"s-bench") for v in values * 50]
            await asyncio.gather(*futures)
            sent += len(futures)
    finally:
        await producer.stop()
    return sent / (time.perf_counter() - started)


def hey(url: str, body: Path, seconds: float, concurrency: int, rate_per_worker: float | None) -> dict:
    command = ["hey", "-z", f"{seconds}s", "-c", str(concurrency), "-m", "POST",
               "-T", "application/json", "-D", str(body)]
    if rate_per_worker:
        command += ["-q", f"{rate_per_worker:.2f}"]
    out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    statuses = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    percentile = lambda p: float(re.search(rf"{p}%+ in ([\d.]+) secs", out).group(1)) * 1000
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "statuses": statuses,
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    require("hey")
    services = services_up()
    topic = f"events-bench-{uuid.uuid4().hex[:6]}"

    raw = asyncio.run(raw_producer_rate(services.kafka_bootstrap_servers, topic + "-raw", args.seconds))

    workdir = Path(tempfile.mkdtemp(prefix="cartcoach-bench-"))
    stores = workdir / "stores.yaml"
    # The load comes from one client: lift its rate limit, or most answers would be 429s.
    stores.write_text(f"stores:\n  - id: bench\n    write_key: {WRITE_KEY}\n"
                      "    secret_key: sk_bench_000001\n    allowed_origins: []\n"
                      '    rate_limits: {collect: "10000000/minute"}\n')
    body = workdir / "batch.json"
    body.write_bytes(batch_body())
    port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": services.kafka_bootstrap_servers,
           "REDIS_URL": services.redis_url, "CARTCOACH_STORES_FILE": str(stores),
           "CARTCOACH_EVENTS_TOPIC": topic, "CARTCOACH_PORT": str(port)}
    server = subprocess.Popen([str(REPO / ".venv/bin/cartcoach"), "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1/collect"
    try:
        for _ in range(200):
            try:
                subprocess.run(["curl", "-sf", f"http://127.0.0.1:{port}/readyz"], check=True,
                               capture_output=True)
                break
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        hey(url, body, 3, args.concurrency, None)  # warm-up: connections, metadata, JIT-free paths
        full = hey(url, body, args.seconds, args.concurrency, None)
        half_rate = full["rps"] / 2
        workers = 16
        half = hey(url, body, args.seconds, workers, half_rate / workers)
    finally:
        server.terminate()
        server.wait(timeout=30)

    events_per_s = full["rps"] * BATCH_EVENTS
    print(f"{'measure':<44}{'figure':>14}")
    print(f"{'raw aiokafka producer (limit), events/s':<44}{raw:>14,.0f}")
    print(f"{'collector, events/s (batches of 20)':<44}{events_per_s:>14,.0f}")
    print(f"{'collector / raw producer':<44}{events_per_s / raw:>14.1%}")
    print(f"{'statuses at full load':<44}{json.dumps(full['statuses']):>14}")
    print(f"{'at 50% load: requests/s':<44}{half['rps']:>14,.0f}")
    print(f"{'at 50% load: latency p50, ms':<44}{half['p50_ms']:>14.2f}")
    print(f"{'at 50% load: latency p99, ms':<44}{half['p99_ms']:>14.2f}")
    print(f"{'statuses at 50% load':<44}{json.dumps(half['statuses']):>14}")
    print("targets: >= 10,000 events/s; >= 50% of raw; p99 <= 25 ms at 50% load")


if __name__ == "__main__":
    main()
