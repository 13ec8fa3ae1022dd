"""The production path, run as Dockerfile and docker-compose.yml run it, without Docker.

No Docker engine runs here, so this test does what the image build and compose do,
reading both files so that it breaks when they drift: it copies the Dockerfile's
COPY sources into a build context, builds the wheel from it, installs it into a fresh
virtualenv the way the Dockerfile's ``pip install`` does, lays out compose's
bind-mounts under a temporary root, and starts compose's ``api`` and ``worker``
commands with compose's environment, from an empty working directory, against the
real Kafka broker and Redis. Then it checks what a store owner would: the API is
healthy (compose's own healthcheck), the snippet and demo store load, a batch is
accepted, the worker turns it into a profile and the overlay answers with a nudge,
and both processes' Prometheus metrics counted it all.

What differs from the containers, and why:

- ``kafka:9092`` and ``redis://redis:6379/0`` are the test's broker and Redis;
- ports are free loopback ports and ``0.0.0.0`` is ``127.0.0.1`` (each container has
  its own network; servers here bind loopback only);
- topic names and the consumer group are the test's own (the broker is shared by
  the other tests);
- the Dockerfile's other RUN lines (creating a user) are not run, and pip may use
  its cache (``--no-cache-dir`` only keeps the image small);
- pip does not byte-compile what it installs (``--no-compile``): Python compiles each
  module on its first import anyway, and compiling every installed package up front
  (numpy, scipy, river, ...) was about 40 % of this test's install time.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from cartcoach.settings import DEFAULT_STORES_FILE
from nudges.assignment import assign
from nudges.stores import StoreRegistry
from tests.live_server import free_port
from tests.services import REPO, Services

# The install dominates: ~40 s on an idle machine, three minutes seen on a loaded one.
pytestmark = [pytest.mark.services, pytest.mark.timeout(480)]

DEMO_KEY = "wk_demo_public_0001"
#: Compose's service addresses, and what stands in for them here (filled per run).
COMPOSE_KAFKA = "kafka:9092"
COMPOSE_REDIS = "redis://redis:6379/0"
COMPOSE_DATABASE = "postgresql://cartcoach:change-me@postgres:5432/cartcoach"


@dataclass
class Image:
    """What the Dockerfile says, in the forms this test can reproduce."""

    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[str, str]] = field(default_factory=list)
    pip_installs: list[list[str]] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)


def read_dockerfile(text: str) -> Image:
    """The Dockerfile's WORKDIR, ENV, COPY, ``RUN pip install`` and CMD lines.

    >>> image = read_dockerfile('WORKDIR /app\\nENV A=1 B=2\\nCOPY x ./x\\nRUN pip install .\\nCMD ["a"]')
    >>> image.workdir, image.env, image.copies, image.pip_installs, image.cmd
    ('/app', {'A': '1', 'B': '2'}, [('x', './x')], [['pip', 'install', '.']], ['a'])
    """
    image = Image()
    for line in text.splitlines():
        assert not line.rstrip().endswith("\\"), f"continuation lines are not read by this test: {line}"
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "WORKDIR":
            image.workdir = rest.strip()
        elif instruction == "ENV":
            image.env.update(pair.split("=", 1) for pair in shlex.split(rest))
        elif instruction == "COPY":
            *sources, target = shlex.split(rest)
            image.copies += [(source, target) for source in sources]
        elif instruction == "RUN" and shlex.split(rest)[:2] == ["pip", "install"]:
            image.pip_installs.append(shlex.split(rest))
        elif instruction == "CMD":
            image.cmd = json.loads(rest)
    return image


def compose_services() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def expand(value: str) -> str:
    """Compose's ``${VAR:-default}`` with nothing set in the environment."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def run(argv: list[str], **kwargs) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Image, Path]:
    """The Dockerfile built as a wheel and installed into a fresh virtualenv; its bin folder."""
    image = read_dockerfile((REPO / "Dockerfile").read_text(encoding="utf-8"))
    assert image.copies and image.pip_installs and image.cmd
    tmp = tmp_path_factory.mktemp("image")
    context = tmp / "context"
    for source, target in image.copies:
        destination = context / target
        if (REPO / source).is_dir():
            shutil.copytree(REPO / source, destination)
        else:
            destination = destination / Path(source).name if target.endswith("/") else destination
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / source, destination)
    wheelhouse = tmp / "wheelhouse"
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheelhouse), str(context)])
    (wheel,) = wheelhouse.glob("cartcoach-*.whl")
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    for argv in image.pip_installs:
        assert argv[-1] == ".", f"the Dockerfile installs something else than its context: {argv}"
        options = [a for a in argv[2:-1] if a != "--no-cache-dir"]
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", *options, str(wheel)])
    return image, venv / "bin"


@dataclass
class Deployment:
    api_url: str
    api_metrics_url: str
    worker_metrics_url: str
    healthchecks: dict[str, list[str]]
    logs: dict[str, Path]

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def deployment(
    image: tuple[Image, Path], services: Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    dockerfile, bin_dir = image
    root = tmp_path_factory.mktemp("root")
    workdir = root / dockerfile.workdir.lstrip("/")
    workdir.mkdir(parents=True, exist_ok=True)  # empty: no sources beside the process
    tag = uuid.uuid4().hex[:8]
    stand_ins = {
        COMPOSE_KAFKA: services.kafka_bootstrap_servers,
        COMPOSE_REDIS: services.redis_url,
        COMPOSE_DATABASE: services.database_url,
    }
    ports: dict[str, int] = {}  # container port -> loopback port

    def host_port(container_port: str) -> str:
        return str(ports.setdefault(container_port, free_port()))

    processes: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}
    healthchecks: dict[str, list[str]] = {}
    mounted: list[str] = []
    for name, service in compose_services().items():
        if name not in ("api", "worker"):
            continue
        assert service.get("build") == ".", f"{name} runs another image than the Dockerfile's"
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            assert source.startswith("./"), f"{name}: a named volume is not reproduced here: {volume}"
            (root / target.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / source, root / target.lstrip("/"))
            mounted.append(target)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8", **dockerfile.env}
        for key, value in service.get("environment", {}).items():
            value = expand(str(value))
            if value in stand_ins:
                value = stand_ins[value]
            elif any(value == m or value.startswith(m.rstrip("/") + "/") for m in mounted):
                value = str(root / value.lstrip("/"))
            elif key.endswith("_HOST") and value == "0.0.0.0":
                value = "127.0.0.1"
            elif key.endswith("_PORT"):
                value = host_port(value)
            env[key] = value
        for topic in ("EVENTS", "PROFILES", "LABELS", "DEAD_LETTER"):
            env[f"CARTCOACH_{topic}_TOPIC"] = f"{topic.lower()}-wheel-{tag}"
        env["CARTCOACH_STREAM_APP_ID"] = f"stream-wheel-{tag}"
        assert env.get("KAFKA_BOOTSTRAP_SERVERS") == services.kafka_bootstrap_servers, (
            f"{name}: compose no longer points at {COMPOSE_KAFKA}"
        )
        assert env.get("REDIS_URL") == services.redis_url, f"{name}: compose no longer uses {COMPOSE_REDIS}"
        command = list(service.get("command") or dockerfile.cmd)
        for flag, replace in (("--host", lambda v: "127.0.0.1" if v == "0.0.0.0" else v), ("--port", host_port)):
            if flag in command:
                at = command.index(flag) + 1
                command[at] = replace(command[at])
        command[0] = shutil.which(command[0], path=env["PATH"]) or command[0]
        logs[name] = root / f"{name}.log"
        with logs[name].open("wb") as out:
            processes[name] = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
        if "healthcheck" in service:
            healthchecks[name] = [
                localised(part, ports) for part in service["healthcheck"]["test"][1:]
            ]
    compose_api_port = compose_services()["api"]["ports"][0].split(":")[-1]
    api_url = f"http://127.0.0.1:{ports[compose_api_port]}"
    try:
        yield Deployment(
            api_url=api_url,
            api_metrics_url=f"http://127.0.0.1:{ports['9101']}/metrics",
            worker_metrics_url=f"http://127.0.0.1:{ports['9102']}/metrics",
            healthchecks=healthchecks,
            logs=logs,
        )
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def localised(part: str, ports: dict[str, int]) -> str:
    """A healthcheck's ``localhost:PORT`` in the container, as the loopback port it got here."""
    return re.sub(r"localhost:(\d+)", lambda m: f"127.0.0.1:{ports.get(m[1], m[1])}", part)


def wait_healthy(deployment: Deployment, name: str, bin_dir: Path, timeout_s: float = 90) -> None:
    """Run compose's healthcheck (``CMD python -c ...``) with the virtualenv's python until it passes."""
    argv = deployment.healthchecks[name]
    argv = [str(bin_dir / argv[0]) if argv[0] == "python" else argv[0], *argv[1:]]
    deadline = time.monotonic() + timeout_s
    while subprocess.run(argv, capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, f"{name} not healthy in {timeout_s} s:\n{deployment.log(name)}"
        time.sleep(0.5)


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a /metrics page, by name and labels."""
    text = httpx.get(url, timeout=5).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def session_in_arm(arm: str) -> str:
    experiment = StoreRegistry.from_file(DEFAULT_STORES_FILE).by_id("demo").experiment
    return next(s for i in range(10_000) if assign("demo", experiment, s := f"s-wheel-{uuid.uuid4().hex[:8]}-{i}").name == arm)


def batch(session: str, visitor: str, events: list[dict]) -> dict:
    now = int(time.time() * 1000)
    return {
        "v": 1, "write_key": DEMO_KEY, "visitor_id": visitor, "session_id": session, "sent_at": now,
        "page": {"path": "/demo/en/cart", "type": "cart", "locale": "en", "device": "desktop"},
        "events": [{"id": f"e-{uuid.uuid4().hex}", "ts": now - 1000 + i, **e} for i, e in enumerate(events)],
    }  # fmt: skip


def test_the_installed_wheel_serves_the_snippet_collects_and_answers_overlays_like_compose(
    deployment: Deployment, image: tuple[Image, Path]
) -> None:
    _, bin_dir = image
    wait_healthy(deployment, "api", bin_dir)
    wait_healthy(deployment, "worker", bin_dir)
    with httpx.Client(base_url=deployment.api_url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["ready"] is True
        # Package data: the snippet, the demo store, the dashboard.
        snippet = client.get("/cartcoach.js")
        assert snippet.status_code == 200 and "javascript" in snippet.headers["content-type"]
        assert snippet.content == (REPO / "tracker" / "dist" / "cartcoach.js").read_bytes()
        assert client.get("/demo/en/").status_code == 200
        assert client.get("/demo/static/catalogue.json").json()["products"]
        assert "<html" in client.get("/dashboard").text.lower()

        session, visitor = session_in_arm("v1"), f"v-wheel-{uuid.uuid4().hex[:8]}"
        headers = {"origin": deployment.api_url}  # the demo store allows its own origin
        signals = [{"type": "cart_view", "cart_value": 389.9, "cart_items": 1}] + [
            {"type": "shipping_info_open", "product_id": "p2"} for _ in range(3)
        ] + [{"type": "exit_intent"}]
        accepted = client.post("/v1/collect", json=batch(session, visitor, signals), headers=headers)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json() == {"accepted": 5}
        refused = client.post("/v1/collect", json={**batch(session, visitor, signals), "write_key": "wk_nobody_0001"})
        assert refused.status_code == 401

        # The worker applies the batch and stores the profile; the overlay reads it.
        params = {"key": DEMO_KEY, "session": session, "visitor": visitor, "trigger": "exit_intent", "locale": "en"}
        deadline = time.monotonic() + 60
        while (overlay := client.get("/v1/overlay", params=params, headers=headers)).status_code == 204:
            assert time.monotonic() < deadline, f"no overlay in 60 s; worker log:\n{deployment.log('worker')}"
            time.sleep(0.5)
        assert overlay.status_code == 200, overlay.text
        nudge = overlay.json()
        assert nudge["arm"] == "v1" and nudge["reason"] == "shipping_speed" and nudge["title"]

        answer = [{"type": "survey_answer", "answer": "shipping_speed"}]
        assert client.post("/v1/collect", json=batch(session, visitor, answer), headers=headers).status_code == 202

    api = scrape(deployment.api_metrics_url)
    assert value(api, "cartcoach_events_accepted_total") == 6
    assert value(api, "cartcoach_batches_rejected_total", reason="unknown_write_key") == 1
    assert value(api, "cartcoach_overlay_decisions_total", arm="v1") == 1
    assert value(api, "cartcoach_produce_seconds_count", outcome="acked") >= 3  # two batches and the decision
    assert value(api, "cartcoach_http_requests_total", path="/v1/collect", status_code="202") == 2
    assert value(api, "cartcoach_http_requests_total", path="/v1/collect", status_code="401") == 1

    # The worker: the six events and the overlay decision applied, a profile published,
    # the survey answer learned, and nothing left behind on its partitions.
    deadline = time.monotonic() + 30
    while True:
        worker = scrape(deployment.worker_metrics_url)
        lag = [v for (n, _), v in worker.items() if n == "cartcoach_consumer_lag"]
        done = (
            value(worker, "cartcoach_events_applied_total") >= 7
            and value(worker, "cartcoach_learner_updates_total", kind="reason") >= 1
            and lag and sum(lag) == 0
        )
        if done:
            break
        assert time.monotonic() < deadline, f"worker metrics did not move: {worker}\n{deployment.log('worker')}"
        time.sleep(1)
    assert value(worker, "cartcoach_events_applied_total") == 7
    assert value(worker, "cartcoach_profiles_published_total") >= 1
