"""One plan per shopper: a purchase cancels every pending step on every channel within 2 s.

The full path's API (pending steps in the real Redis through saq, contacts in a real
PostgreSQL); the purchase comes either from the store's back end (``/v1/outcomes``) or
from the thank-you page's marker (a ``purchase`` event through ``/v1/collect``).
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from sqlalchemy import select

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from flows.models import FlowRun
from flows.scheduler import SaqScheduler
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, registry
from tests.live_server import LiveServer
from tests.services import Services

pytestmark = pytest.mark.services
AUTH = {"Authorization": f"Bearer {SECRET}"}
EVERY_CHANNEL = """
        - name: everywhere
          priority: 50
          steps:
            - {delay_min: 10, channel: push, template: light_reminder, incentive: none}
            - {delay_min: 120, channel: sms, template: reason_nudge}
            - {delay_min: 240, channel: whatsapp, template: reason_nudge}
            - {delay_min: 1440, channel: email, template: last_offer, incentive: offer}
"""


@pytest.mark.parametrize("source", ["back_end", "thank_you_page"])
async def test_a_purchase_cancels_every_pending_step_on_every_channel_within_two_seconds(
    services: Services, postgres_url: str, source: str
) -> None:
    settings = Settings(redis_url=services.redis_url, database_url=postgres_url, stores_reload_s=0,
                        flows_dry_run=True, flows_queue=f"flows-cancel-{uuid.uuid4().hex[:8]}")
    app = create_app(settings, stores=registry(EVERY_CHANNEL), profiles=MemoryProfileStore())
    visitor, session = f"v-cancel-{uuid.uuid4().hex[:8]}", f"s-cancel-{uuid.uuid4().hex[:8]}"
    with LiveServer(app) as live:
        scheduler = SaqScheduler(services.redis_url, name=settings.flows_queue)  # the same queue, seen from here
        await scheduler.start(None)
        async with httpx.AsyncClient(base_url=live.url) as client:
            contact = (await client.post("/v1/contacts", headers=AUTH, json={
                "customer_id": f"cust-{visitor}", "email": "ayla@example.com", "phone": "+905321234567",
                "consent": {ch: {"granted": True, "source": "checkout_checkbox"} for ch in ("email", "sms", "whatsapp", "push")},
            })).json()
            await client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
                "write_key": WRITE_KEY, "session_id": session, "visitor_id": visitor, "identify_id": contact["identify_id"]})
            assert await scheduler.pending() == 4

            started = time.monotonic()
            if source == "back_end":
                answer = await client.post("/v1/outcomes", headers=AUTH, json={
                    "type": "purchase", "order_id": f"o-{visitor}", "amount": 250.0, "visitor_id": visitor})
            else:
                now = int(time.time() * 1000)
                answer = await client.post("/v1/collect", headers={"Origin": ORIGIN}, json={
                    "v": 1, "write_key": WRITE_KEY, "visitor_id": visitor, "session_id": session, "sent_at": now,
                    "page": {"path": "/thanks", "type": "thank_you", "locale": "en", "device": "desktop"},
                    "events": [{"id": f"e-{uuid.uuid4().hex}", "type": "purchase", "ts": now}]})
            assert answer.status_code == 202, answer.text
            while await scheduler.pending():
                assert time.monotonic() - started < 2.0, "pending steps still there after 2 s"
                await asyncio.sleep(0.02)
        await scheduler.stop()
    engine = create_engine(postgres_url)
    async with session_factory(engine)() as db:
        run = await db.scalar(select(FlowRun))
        assert (run.status, run.ended_reason) == ("cancelled", "purchased")
    await engine.dispose()
