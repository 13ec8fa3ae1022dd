"""Benchmark: GET /v1/overlay at 500 requests/s against a live server on loopback.

    .venv/bin/python benchmarks/overlay.py                      # 500 req/s for 10 s
    .venv/bin/python benchmarks/overlay.py --rate 800 --seconds 20

The server is the product's app (embedded default: the overlay's decisions flow into
the in-process stream and the experiment ledger on the same event loop) with the demo
store, one uvicorn worker, in a child process. The demo store's cooldown is set to 0
and the session asked about (in an arm that shows an overlay) first gets its profile
the real way, by posting its events to ``/v1/collect``; so *every* request takes the full path: profile and ledger look-ups, scenario engine
and guardrails, assignment, publishing the decision, the JSON answer.

Server-side time is measured in the child by an ASGI wrapper around the whole app
(routing included, from the request's arrival at the app to the last body byte),
not by the load generator. Load comes from ``hey`` (Debian's package; scripts/system_deps.sh
--bench installs it if missing) at a fixed
rate: ``-c 10 -q rate/10``. Bounded: stops after ``--seconds``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from system_tools import require  # noqa: E402  (benchmarks/, this script's folder)

WORKERS = 10


def serve(port: int, stores_file: str) -> None:
    """The child: the app as shipped (embedded) with a timing wrapper, on 127.0.0.1:port."""
    import uvicorn

    from cartcoach.settings import Settings
    from overlay_api.app import create_app

    app = create_app(Settings(stores_file=Path(stores_file)))
    durations: list[float] = []

    async def timed(scope, receive, send):
        if scope["type"] != "http" or scope["path"] != "/v1/overlay":
            if scope["type"] == "http" and scope["path"] == "/bench/timings":
                body = json.dumps(durations).encode()
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        await app(scope, receive, send)
        durations.append((time.perf_counter() - started) * 1000)

    uvicorn.run(timed, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    require("hey")

    import httpx
    import yaml

    from cartcoach.settings import DEFAULT_STORES_FILE
    from nudges.assignment import assign
    from nudges.stores import StoreRegistry
    from tests.live_server import free_port

    workdir = Path(tempfile.mkdtemp(prefix="cartcoach-overlay-bench-"))
    raw = yaml.safe_load(DEFAULT_STORES_FILE.read_text(encoding="utf-8"))
    raw["stores"][0]["experiment"]["cooldown_min"] = 0  # every request takes the full path
    # The load comes from one client: lift its rate limit, or most answers would be 429s.
    raw["stores"][0]["rate_limits"] = {"collect": "1000000/minute", "overlay": "1000000/minute", "secret": "1000000/minute"}
    raw["stores"][0]["catalogue"]["file"] = str(DEFAULT_STORES_FILE.with_name("demo_catalogue.yaml"))
    stores = workdir / "stores.yaml"
    stores.write_text(yaml.safe_dump(raw), encoding="utf-8")
    experiment = StoreRegistry.from_file(stores).by_id("demo").experiment
    session = next(s for i in range(1000) if assign("demo", experiment, s := f"s-bench-{i:08d}").name == "v1")

    port = free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(stores)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/v1/overlay?key=wk_demo_public_0001&session={session}&visitor=v-bench-0001&trigger=exit_intent&locale=tr&product=p2"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        now = int(time.time() * 1000)
        events = [{"id": "e-bench-0000", "type": "cart_view", "ts": now - 4000, "cart_value": 389.9}] + [
            {"id": f"e-bench-{i:04d}", "type": "shipping_info_open", "ts": now - 3000 + i} for i in range(1, 4)
        ]
        batch = {"v": 1, "write_key": "wk_demo_public_0001", "visitor_id": "v-bench-0001", "session_id": session,
                 "sent_at": now, "page": {"path": "/demo/tr/cart", "type": "cart"}, "events": events}
        assert httpx.post(f"{base}/v1/collect", json=batch).status_code == 202
        for _ in range(100):  # the stream scores it within its debounce
            if (first := httpx.get(url)).status_code == 200:
                break
            time.sleep(0.1)
        assert first.status_code == 200, (first.status_code, first.text)
        subprocess.run(["hey", "-z", "2s", "-c", str(WORKERS), "-q", "50", url], check=True, capture_output=True)
        warm = len(httpx.get(f"{base}/bench/timings").json())
        out = subprocess.run(
            ["hey", "-z", f"{args.seconds}s", "-c", str(WORKERS), "-q", f"{args.rate / WORKERS:.2f}", url],
            check=True, capture_output=True, text=True,
        ).stdout
        server = httpx.get(f"{base}/bench/timings").json()[warm:]
    finally:
        child.terminate()
        child.wait(timeout=30)

    statuses = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    client = {p: float(re.search(rf"{p}%+ in ([\d.]+) secs", out).group(1)) * 1000 for p in (50, 99)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    print(f"GET /v1/overlay, {args.seconds:g} s at a target of {args.rate:g} req/s "
          f"(hey -c {WORKERS} -q {args.rate / WORKERS:g}): achieved {rps:.0f} req/s, statuses {statuses}")
    print(f"server-side ({len(server)} requests): p50 {percentile(server, 50):.3f} ms  "
          f"p90 {percentile(server, 90):.3f} ms  p99 {percentile(server, 99):.3f} ms  max {max(server):.3f} ms")
    print(f"client-side (hey, loopback): p50 {client[50]:.3f} ms  p99 {client[99]:.3f} ms")


if __name__ == "__main__":
    main()
