"""The outbox page in Chromium: e-mails render in a sandboxed frame (their markup cannot run
or reach the page), SMS text is shown as text, and nothing shows without the secret key."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import Browser, expect

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from database.migrate import upgrade
from flows.models import Contact, FlowRun, OutboxMessage
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import SECRET, registry
from tests.live_server import LiveServer

HOSTILE_HTML = """<!doctype html><html><body><h1>Your cart is waiting</h1>
<script>window.parent.document.title = "pwned"</script><p>Come back soon</p></body></html>"""


async def fill(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    now = int(time.time() * 1000)
    async with session_factory(engine).begin() as db:
        db.add(Contact(id="c_1", store_id="shop", customer_id="cust-1", identify_id="ci_1", email="ayla@example.com",
                       phone="+905321234567", locale="en", time_zone="UTC", created_ms=now, updated_ms=now, expires_ms=now + 10**9))
        db.add(FlowRun(id="r_1", store_id="shop", contact_id="c_1", flow="quick", session_id="s", visitor_id="v",
                       status="active", started_ms=now))
        await db.flush()
        common = dict(store_id="shop", contact_id="c_1", flow_run_id="r_1", flow="quick", due_ms=now, sent_ms=now)
        db.add(OutboxMessage(idempotency_key="r_1:0:c_1", step=0, channel="email", status="sent", recipient="ayla@example.com",
                             subject="Your cart is waiting", text="Your cart is waiting", html=HOSTILE_HTML,
                             created_ms=now, **common))
        db.add(OutboxMessage(idempotency_key="r_1:1:c_1", step=1, channel="sms", status="sent", recipient="+905321234567",
                             text="shop: <b>not bold</b> https://shop.example/cart", created_ms=now + 1, **common))
    await engine.dispose()


def test_the_outbox_shows_emails_sandboxed_and_sms_as_text(browser: Browser, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with ThreadPoolExecutor(1) as pool:  # sync Playwright owns this thread's event loop
        pool.submit(asyncio.run, fill(url)).result()
    app = create_app(Settings(database_url=url, stores_reload_s=0, flows_dry_run=True),
                     stores=registry(), profiles=MemoryProfileStore())
    with LiveServer(app) as live:
        page = browser.new_page()
        page.goto(live.url + "/dashboard/outbox")
        expect(page.locator("#login")).to_be_visible()
        expect(page.locator("#messages li")).to_have_count(0)
        page.fill("#secret", SECRET)
        page.click("#login-form button")
        expect(page.locator("#messages li")).to_have_count(2)
        frame = page.locator("#messages iframe")
        assert frame.get_attribute("sandbox") == ""
        expect(page.frame_locator("#messages iframe").locator("h1")).to_have_text("Your cart is waiting")
        page.wait_for_timeout(500)
        assert page.title() == "cartcoach · outbox"  # the e-mail's script never ran
        sms = page.locator("#messages .sms")
        expect(sms).to_have_text("shop: <b>not bold</b> https://shop.example/cart")
        assert page.locator("#messages .sms b").count() == 0
        expect(page.locator("#messages li").first).to_contain_text("+90532***67")
        expect(page.locator("#report tbody tr")).to_have_count(2)
        page.close()
