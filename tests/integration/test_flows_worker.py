"""``cartcoach flows`` workers against the real Redis (saq) and a real PostgreSQL.

A step scheduled before the worker is SIGKILLed is sent exactly once after a restart,
also when two workers share the queue afterwards; the outbox records one sent row per
(flow run, step, contact).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from database.engine import create_engine, session_factory
from database.migrate import upgrade
from flows.contacts import parse_registration, register
from flows.models import OutboxMessage
from flows.scheduler import SaqScheduler
from flows.service import FlowService
from nudges.catalogue import Catalogue
from nudges.ledger import RedisLedger
from stream.profile_store import RedisProfileStore
from tests.flows_helpers import SECRET, SmtpServer, registry, stores_yaml, trust_profile
from tests.services import REPO, Services

pytestmark = pytest.mark.services

SPEEDUP = 20.0  # the quick flow's steps (1 and 2 minutes) fall due after 3 s and 6 s


class FlowsWorker:
    """One ``cartcoach flows`` process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._env = env
        self.log = log  # a file, not a pipe: a pipe nobody reads would block the worker's logging
        self.proc: subprocess.Popen | None = None

    def start(self) -> FlowsWorker:
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cartcoach.cli", "flows"], cwd=REPO, env=self._env,
                stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while "cartcoach flows: ready" not in self.log.read_text():
            assert self.proc.poll() is None, f"the flows worker exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the flows worker did not start"
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def wait(self) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def flows_env(services: Services, postgres_url: str, tmp_path: Path):
    stores = tmp_path / "stores.yaml"
    stores.write_text(stores_yaml(), encoding="utf-8")
    with SmtpServer() as smtp:
        env = {
            "PATH": os.environ["PATH"],
            "REDIS_URL": services.redis_url,
            "CARTCOACH_DATABASE_URL": postgres_url,
            "CARTCOACH_STORES_FILE": str(stores),
            "CARTCOACH_SMTP_HOST": "127.0.0.1",
            "CARTCOACH_SMTP_PORT": str(smtp.port),
            "CARTCOACH_SMTP_STARTTLS": "0",
            "CARTCOACH_FLOWS_QUEUE": f"flows-test-{uuid.uuid4().hex[:8]}",
            "CARTCOACH_FLOW_SPEEDUP": str(SPEEDUP),
            "CARTCOACH_PUBLIC_URL": "http://127.0.0.1:9",
        }
        yield env, smtp


async def test_a_step_scheduled_before_sigkill_is_sent_exactly_once_after_restart(
    flows_env, services: Services, tmp_path: Path
) -> None:
    env, smtp = flows_env
    engine = create_engine(env["CARTCOACH_DATABASE_URL"])
    await upgrade(engine)
    sessions = session_factory(engine)
    scheduler = SaqScheduler(services.redis_url, name=env["CARTCOACH_FLOWS_QUEUE"])
    await scheduler.start(None)  # this process only schedules, like `cartcoach serve` on the full path
    profiles = RedisProfileStore.from_url(services.redis_url, 3600)
    ledger = RedisLedger.from_url(services.redis_url)
    stores = registry()
    service = FlowService(
        registry=stores, sessions=sessions, scheduler=scheduler, profiles=profiles, ledger=ledger,
        catalogue=Catalogue(stores), publish=lambda events: asyncio.sleep(0), channels={"email": object()},  # type: ignore[dict-item]
        public_url="http://127.0.0.1:9", speedup=SPEEDUP,
    )
    workers: list[FlowsWorker] = []
    try:
        first = FlowsWorker(env, tmp_path / f'worker-{len(workers)}.log').start()
        workers.append(first)
        session, visitor = f"s-kill-{uuid.uuid4().hex[:8]}", f"v-kill-{uuid.uuid4().hex[:8]}"
        await profiles.put(trust_profile(session, visitor))
        async with sessions.begin() as db:
            reg = parse_registration(
                b'{"customer_id": "cust-kill", "email": "kill@example.com", "locale": "en",'
                b' "consent": {"email": {"granted": true, "source": "test"}}}', int(time.time() * 1000))
            contact = await register(db, "shop", SECRET, reg, default_locale="en", retention_days=30,
                                     now_ms=int(time.time() * 1000))
        run = await service.start(stores.by_id("shop"), contact, session, visitor)
        assert run is not None and await scheduler.pending() == 2

        await asyncio.sleep(1.0)
        first.kill()  # before the first step is due (3 s)
        await asyncio.sleep(3.0)  # the first step falls due while no worker runs
        assert smtp.messages == []

        workers.append(FlowsWorker(env, tmp_path / 'worker-1.log').start())
        workers.append(FlowsWorker(env, tmp_path / 'worker-2.log').start())  # two, sharing the queue
        deadline = time.monotonic() + 20
        while len(smtp.messages) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)  # would a duplicate still arrive?
        assert len(smtp.messages) == 2, [w.log.read_text()[-2000:] for w in workers]
        assert len({m["Message-ID"] for m in smtp.messages}) == 2
        async with sessions() as db:
            rows = list(await db.scalars(select(OutboxMessage).order_by(OutboxMessage.step)))
        assert [(r.step, r.status, r.attempts) for r in rows] == [(0, "sent", 1), (1, "sent", 1)]
        assert await scheduler.pending() == 0
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()
        await scheduler.stop()
        await profiles.close()
        await ledger.close()
        await engine.dispose()
