"""Benchmark: floods on collect, overlay and secret-key guessing get 429s; /healthz stays fast.

    .venv/bin/python benchmarks/flood.py                     # 2,000 requests per route, embedded
    .venv/bin/python benchmarks/flood.py --full              # the API on Kafka + Redis (limits in Redis)
    .venv/bin/python benchmarks/flood.py --requests 500 --concurrency 10

The server is the product's app in a child process on loopback, with one store and
the shipped default rate limits (no ``rate_limits`` in its stores file): embedded by
default (counts in memory; accepted batches are processed by the in-process stream on
the same event loop), or with ``--full`` the API as deployed on the full path: Kafka
and Redis from ``scripts/services.sh`` (its own topic), rate-limit counts in Redis,
no stream worker needed for what is measured. In the same run the script measures ``/healthz`` latency idle (sequential
probes), then floods three routes at once from one client (this machine) while a
probe keeps asking ``/healthz`` every 20 ms:

* ``POST /v1/collect`` with valid batches and the public write key;
* ``GET /v1/overlay`` with the write key;
* ``POST /dashboard/api/token`` with guessed secret keys.

The flood comes from a child process and the probe from this one, so a probe never
waits behind the flooder's own work. It prints, per route, how many answers were 429
(with Retry-After) and, for ``/healthz``, p50 / p99 / max latency idle and during the
flood, and their ratio.
Bounded: ``--requests`` per route, at most ``--seconds`` in all, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRITE_KEY = "wk_flood_public_0001"
STORES = f"""
stores:
  - id: flood
    write_key: {WRITE_KEY}
    secret_key: sk_flood_secret_0001
    allowed_origins: []
"""


ROUTES = ("collect", "overlay", "token")
LABELS = {"collect": "POST /v1/collect", "overlay": "GET /v1/overlay", "token": "POST /dashboard/api/token"}


def serve(port: int, stores_file: str) -> None:
    """The child: the app as shipped, one uvicorn worker on 127.0.0.1:port (Kafka and Redis if the
    environment names them)."""
    import dataclasses

    import uvicorn

    from cartcoach.settings import Settings
    from overlay_api.app import create_app

    settings = dataclasses.replace(Settings.from_env(), stores_file=Path(stores_file))
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="error")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def batch() -> dict:
    now = int(time.time() * 1000)
    return {"v": 1, "write_key": WRITE_KEY, "visitor_id": f"v-{uuid.uuid4().hex[:12]}",
            "session_id": f"s-{uuid.uuid4().hex[:12]}", "sent_at": now, "page": {"path": "/cart", "type": "cart"},
            "events": [{"id": f"e-{uuid.uuid4().hex}", "type": "cart_view", "ts": now - 1}]}


async def flood(client, route: str, n: int, concurrency: int, deadline: float) -> dict:
    import httpx

    statuses: Counter = Counter()
    queue = iter(range(n))

    async def one() -> None:
        for _ in queue:
            if time.monotonic() > deadline:
                return
            try:
                if route == "collect":
                    response = await client.post("/v1/collect", json=batch())
                elif route == "overlay":
                    params = {"key": WRITE_KEY, "session": f"s-{uuid.uuid4().hex[:12]}"}
                    response = await client.get("/v1/overlay", params=params)
                else:
                    guess = {"authorization": f"Bearer sk_guess_{uuid.uuid4().hex}"}
                    response = await client.post("/dashboard/api/token", headers=guess)
            except httpx.HTTPError as exc:  # counted, not fatal: the figures say how many failed
                statuses[type(exc).__name__] += 1
                continue
            statuses[str(response.status_code)] += 1
            if response.status_code == 429:
                statuses["retry_after"] += "retry-after" in response.headers

    await asyncio.gather(*(one() for _ in range(concurrency)))
    return dict(statuses)


async def flood_all(url: str, requests: int, concurrency: int, seconds: float) -> dict:
    """The flooding child: three routes at once; prints what each route answered, as JSON."""
    import httpx

    limits = httpx.Limits(max_connections=concurrency * 3)
    async with httpx.AsyncClient(base_url=url, timeout=10.0, limits=limits) as client:
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        results = await asyncio.gather(*(flood(client, r, requests, concurrency, deadline) for r in ROUTES))
    return {"elapsed_s": time.perf_counter() - started, "routes": dict(zip(ROUTES, results))}


def probe(url: str, until: Callable[[], bool], every_s: float, limit: int) -> list[float]:
    """/healthz latencies in ms, one probe every ``every_s``, from this process (not the flooder)."""
    import httpx

    samples: list[float] = []
    with httpx.Client(base_url=url, timeout=10.0) as client:
        while not until() and len(samples) < limit:
            started = time.perf_counter()
            if client.get("/healthz").status_code == 200:
                samples.append((time.perf_counter() - started) * 1000)
            time.sleep(every_s)
    return samples


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(args: argparse.Namespace, idle: list[float], during: list[float], flooded: dict, server_cpu_s: float) -> None:
    print(f"flood ({'full path: Kafka + Redis' if args.full else 'embedded'}): {args.requests} requests per route, {args.concurrency} concurrent each, "
          f"one client, {flooded['elapsed_s']:.1f} s")
    for route, statuses in flooded["routes"].items():
        total = sum(v for k, v in statuses.items() if k != "retry_after")
        limited = statuses.get("429", 0)
        other = {k: v for k, v in sorted(statuses.items()) if k not in ("429", "retry_after")}
        print(f"  {LABELS[route]:28s} {total:6d} answered, 429: {limited:6d} ({limited / max(total, 1):6.1%}), "
              f"with Retry-After: {statuses.get('retry_after', 0)}; others {other}")
    print("/healthz latency (ms)        p50      p95      p99      max   probes   within 50 ms")
    for name, values in (("idle", idle), ("during the flood", during)):
        within = sum(v < 50 for v in values) / len(values)
        print(f"  {name:22s} {statistics.median(values):8.2f} {percentile(values, 0.95):8.2f} "
              f"{percentile(values, 0.99):8.2f} {max(values):8.2f} {len(values):8d} {within:12.1%}")
    print(f"  flood / idle: p50 x{statistics.median(during) / statistics.median(idle):.2f}, "
          f"p99 x{percentile(during, 0.99) / percentile(idle, 0.99):.2f}; "
          f"p99 during the flood {'under' if percentile(during, 0.99) < 50 else 'OVER'} 50 ms")
    answered = sum(v for statuses in flooded["routes"].values() for k, v in statuses.items() if k != "retry_after")
    print(f"  server CPU during the flood: {server_cpu_s:.1f} s for {answered + len(during)} requests, "
          f"{server_cpu_s / max(answered + len(during), 1) * 1000:.2f} ms each; "
          f"{server_cpu_s / flooded['elapsed_s']:.0%} of one core")
    cores, load = os.cpu_count(), os.getloadavg()
    print(f"  machine: {cores} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min): "
          "server, flooder and prober share these cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per flooded route (default 2000)")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent requests per route (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop the flood after this long (default 60)")
    parser.add_argument("--idle-probes", type=int, default=200, help="sequential /healthz probes before the flood")
    parser.add_argument("--port", type=int, default=0, help="loopback port for the server (default: a free one)")
    parser.add_argument("--full", action="store_true", help="the API on Kafka + Redis (scripts/services.sh)")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "STORES"), help=argparse.SUPPRESS)
    parser.add_argument("--flood-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    if args.flood_url:
        print(json.dumps(asyncio.run(flood_all(args.flood_url, args.requests, args.concurrency, args.seconds))))
        return
    from tests.live_server import free_port

    port = args.port or free_port()
    with tempfile.TemporaryDirectory() as tmp:
        stores = Path(tmp) / "stores.yaml"
        stores.write_text(STORES, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL")}
        if args.full:
            from tests.services import services_up

            services = services_up()
            env |= {"KAFKA_BOOTSTRAP_SERVERS": services.kafka_bootstrap_servers, "REDIS_URL": services.redis_url,
                    "CARTCOACH_EVENTS_TOPIC": f"events-flood-{uuid.uuid4().hex[:6]}"}
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(stores)], env=env)
        try:
            import httpx

            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            idle = probe(url, lambda: False, 0.005, args.idle_probes)
            flooder = subprocess.Popen(
                [sys.executable, __file__, "--flood-url", url, "--requests", str(args.requests),
                 "--concurrency", str(args.concurrency), "--seconds", str(args.seconds)],
                stdout=subprocess.PIPE, text=True,
            )
            cpu_before = cpu_seconds(child.pid)
            time.sleep(1.0)  # let the flood build up before probing
            during = probe(url, lambda: flooder.poll() is not None, 0.02, 100_000)
            out, _ = flooder.communicate(timeout=args.seconds + 60)
            report(args, idle, during, json.loads(out), cpu_seconds(child.pid) - cpu_before)
        finally:
            child.terminate()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
