"""SMS and WhatsApp steps sent by a ``cartcoach flows`` worker (full path: saq on the real Redis,
PostgreSQL), through the providers the stores file names: Netgsm (its password read from the
worker's environment with ``env:``) and UltraMSG, both stand-ins on loopback."""

from __future__ import annotations

import asyncio
import json
import os
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
from nudges.stores import StoreRegistry
from stream.profile_store import RedisProfileStore
from tests.flows_helpers import SECRET, stores_yaml, trust_profile
from tests.integration.test_flows_worker import SPEEDUP, FlowsWorker
from tests.live_server import LiveServer
from tests.services import Services
from tests.standins import netgsm, ultramsg
from tests.standins.script import Script

pytestmark = pytest.mark.services


def providers_yaml(netgsm_url: str, ultramsg_url: str) -> str:
    return stores_yaml().replace(
        "            - {delay_min: 1, channel: email, template: light_reminder, incentive: none}\n"
        "            - {delay_min: 2, channel: email, fallback: sms, template: reason_nudge}\n",
        "            - {delay_min: 1, channel: sms, template: light_reminder, incentive: none}\n"
        "            - {delay_min: 2, channel: whatsapp, fallback: sms, template: light_reminder, incentive: none}\n"
        f"      sms: {{provider: netgsm, usercode: '{netgsm.USERCODE}', password: 'env:CARTCOACH_TEST_NETGSM_PASSWORD', "
        f"header: {netgsm.HEADER}, base_url: '{netgsm_url}'}}\n"
        f"      whatsapp: {{provider: ultramsg, instance_id: {ultramsg.INSTANCE}, token: {ultramsg.TOKEN}, base_url: '{ultramsg_url}'}}\n")


async def test_a_flows_worker_sends_sms_and_whatsapp_through_the_stores_providers(
        services: Services, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sms, wa = Script(), Script()
    monkeypatch.setenv("CARTCOACH_TEST_NETGSM_PASSWORD", netgsm.PASSWORD)  # this process reads the file too
    with LiveServer(netgsm.netgsm_stand_in(sms)) as netgsm_server, LiveServer(ultramsg.ultramsg_stand_in(wa)) as wa_server:
        text = providers_yaml(netgsm_server.url, wa_server.url)
        stores_file = tmp_path / "stores.yaml"
        stores_file.write_text(text, encoding="utf-8")
        queue = f"flows-sms-{uuid.uuid4().hex[:8]}"
        env = {
            "PATH": os.environ["PATH"], "REDIS_URL": services.redis_url, "CARTCOACH_DATABASE_URL": postgres_url,
            "CARTCOACH_STORES_FILE": str(stores_file), "CARTCOACH_FLOWS_QUEUE": queue,
            "CARTCOACH_FLOW_SPEEDUP": str(SPEEDUP), "CARTCOACH_PUBLIC_URL": "http://127.0.0.1:9",
            "CARTCOACH_TEST_NETGSM_PASSWORD": netgsm.PASSWORD,
        }
        engine = create_engine(postgres_url)
        await upgrade(engine)
        sessions = session_factory(engine)
        scheduler = SaqScheduler(services.redis_url, name=queue)
        await scheduler.start(None)  # this process only schedules, like `cartcoach serve` on the full path
        profiles = RedisProfileStore.from_url(services.redis_url, 3600)
        ledger = RedisLedger.from_url(services.redis_url)
        stores = StoreRegistry.from_yaml_text(text)
        service = FlowService(
            registry=stores, sessions=sessions, scheduler=scheduler, profiles=profiles, ledger=ledger,
            catalogue=Catalogue(stores), publish=lambda events: asyncio.sleep(0),
            channels={"sms": object(), "whatsapp": object()},  # type: ignore[dict-item]  (the worker sends)
            public_url="http://127.0.0.1:9", speedup=SPEEDUP,
        )
        worker = FlowsWorker(env, tmp_path / "worker.log").start()
        try:
            customer = f"cust-sms-{uuid.uuid4().hex[:8]}"
            session, visitor = f"s-{customer}", f"v-{customer}"
            await profiles.put(trust_profile(session, visitor))
            now = int(time.time() * 1000)
            async with sessions.begin() as db:
                reg = parse_registration(json.dumps({
                    "customer_id": customer, "phone": "+90 532 123 45 67", "locale": "tr", "time_zone": "UTC",
                    "consent": {"sms": {"granted": True, "source": "test"}, "whatsapp": {"granted": True, "source": "test"}},
                }).encode(), now)
                contact = await register(db, "shop", SECRET, reg, default_locale="tr", retention_days=30, now_ms=now)
            run = await service.start(stores.by_id("shop"), contact, session, visitor)
            assert run is not None and await scheduler.pending() == 2
            deadline = time.monotonic() + 30
            while (len(sms.delivered), len(wa.delivered)) != (1, 1) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert (len(sms.delivered), len(wa.delivered)) == (1, 1), worker.log.read_text()[-2000:]
            assert sms.delivered[0]["gsmno"] == "5321234567" and sms.delivered[0]["dil"] == "TR"
            assert wa.delivered[0]["to"] == "+905321234567" and "kaldı" in wa.delivered[0]["body"]
            # The provider has it; the worker records its answer a moment later: wait for that.
            expected = [(0, "sms", "sent"), (1, "whatsapp", "sent")]
            rows: list[OutboxMessage] = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                async with sessions() as db:
                    rows = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.flow_run_id == run.id)
                                                 .order_by(OutboxMessage.step)))
                if [(r.step, r.channel, r.status) for r in rows] == expected:
                    break
                await asyncio.sleep(0.1)
            assert [(r.step, r.channel, r.status) for r in rows] == expected
            assert len(sms.received) == 1 and len(wa.received) == 1  # each sent once
            assert all(r.delivered_ms is None for r in rows)  # both providers report delivery later
        finally:
            worker.terminate()
            worker.wait()
            await scheduler.stop()
            await profiles.close()
            await ledger.close()
            await engine.dispose()
