"""SMS and WhatsApp steps end to end over real HTTP, embedded (``cartcoach serve`` without Redis).

The store's stores-file entry names Verimor for SMS and the WhatsApp Cloud API (both
stand-ins on loopback, following their published APIs). The back end registers a
contact, the page identifies the session, the SMS step falls due and reaches Verimor;
Verimor's delivery report comes to the webhook URL the API lists for the store and the
report says delivered; the shopper answers "İPTAL" on WhatsApp and the flow stops at
once: the WhatsApp step never goes out. Forged webhook calls change nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from flows.contacts import consented
from flows.models import Contact, FlowRun
from overlay_api.app import create_app
from nudges.stores import StoreRegistry
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, stores_yaml, trust_profile
from tests.live_server import LiveServer, free_port
from tests.standins import verimor, whatsapp_cloud
from tests.standins.script import Script

AUTH = {"Authorization": f"Bearer {SECRET}"}


async def wait_for(predicate, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def store_file(verimor_url: str, cloud_url: str) -> StoreRegistry:
    text = stores_yaml().replace(
        "            - {delay_min: 1, channel: email, template: light_reminder, incentive: none}\n"
        "            - {delay_min: 2, channel: email, fallback: sms, template: reason_nudge}\n",
        "            - {delay_min: 1, channel: sms, template: light_reminder, incentive: none}\n"
        "            - {delay_min: 1440, channel: whatsapp, template: light_reminder, incentive: none}\n"
        f"      sms: {{provider: verimor, username: '{verimor.USERNAME}', password: {verimor.PASSWORD}, "
        f"source_addr: {verimor.SOURCE}, base_url: '{verimor_url}'}}\n"
        f"      whatsapp: {{provider: cloud, phone_number_id: '{whatsapp_cloud.PHONE_NUMBER_ID}', "
        f"access_token: {whatsapp_cloud.TOKEN}, template_name: cart_reminder, app_secret: cloud-app-secret, "
        f"base_url: '{cloud_url}'}}\n")
    return StoreRegistry.from_yaml_text(text)


async def test_sms_and_whatsapp_through_the_stores_providers_with_receipts_and_a_stop_word(tmp_path: Path) -> None:
    sms, wa = Script(), Script()
    profiles = MemoryProfileStore()
    session, visitor = "s-provider-http-01", "v-provider-http-01"
    await profiles.put(trust_profile(session, visitor))
    port = free_port()
    database = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with LiveServer(verimor.verimor_stand_in(sms)) as verimor_server, LiveServer(whatsapp_cloud.cloud_stand_in(wa)) as cloud_server:
        # 60x: the SMS step after 1 s, the WhatsApp step after 24 min (long after this test).
        settings = Settings(public_url=f"http://127.0.0.1:{port}", database_url=database, stores_reload_s=0, flow_speedup=60.0)
        app = create_app(settings, stores=store_file(verimor_server.url, cloud_server.url), profiles=profiles)
        with LiveServer(app, port) as live:
            async with httpx.AsyncClient(base_url=live.url) as client:
                contact = (await client.post("/v1/contacts", headers=AUTH, json={
                    "customer_id": "cust-sms-1", "phone": "0532 123 45 67", "locale": "tr", "time_zone": "Europe/Istanbul",
                    "consent": {"sms": {"granted": True, "source": "checkout_checkbox"},
                                "whatsapp": {"granted": True, "source": "checkout_checkbox"}}})).json()
                assert (await client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
                    "write_key": WRITE_KEY, "session_id": session, "visitor_id": visitor,
                    "identify_id": contact["identify_id"]})).status_code == 204
                await wait_for(lambda: len(sms.delivered) == 1)
                sent = sms.delivered[0]
                assert sent["messages"][0]["dest"] == "905321234567" and sent["source_addr"] == verimor.SOURCE
                assert "Senin için saklıyoruz" in sent["messages"][0]["msg"] and sent["datacoding"] == "1"

                hooks = (await client.get("/v1/flows/hooks", headers=AUTH)).json()["hooks"]
                urls = {h["channel"]: h["url"] for h in hooks}
                assert {(h["channel"], h["provider"]) for h in hooks} == {("sms", "verimor"), ("whatsapp", "cloud")}

                async def sms_row() -> dict:
                    """The report's SMS step once the step is recorded as sent."""
                    deadline = time.monotonic() + 20
                    while time.monotonic() < deadline:
                        rows = {(r["step"], r["channel"]): r
                                for r in (await client.get("/v1/flows/report", headers=AUTH)).json()["steps"]}
                        if rows.get((0, "sms"), {}).get("sent") == 1:
                            return rows[(0, "sms")]
                        await asyncio.sleep(0.05)
                    raise AssertionError("the SMS step was not recorded as sent")

                assert (await sms_row())["delivered"] == 0  # taken by Verimor, not yet on the phone
                # Verimor pushes its delivery report to the URL the store set in its panel:
                dlr = [{"type": "outbound", "campaign_id": 20000, "campaign_custom_id": sent["custom_id"],
                        "message_id": "13582302", "message_custom_id": sent["messages"][0]["id"],
                        "dest": "905321234567", "status": "DELIVERED", "gsm_error": "0"}]
                forged = urls["sms"][:-4] + "0000"
                assert (await client.post(forged, json=dlr)).status_code == 404
                assert (await sms_row())["delivered"] == 0
                answered = await client.post(urls["sms"], json=dlr)
                assert (answered.status_code, answered.text) == (200, "OK")
                assert (await sms_row())["delivered"] == 1

                # The shopper answers İPTAL on WhatsApp; Meta posts it, signed:
                note = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
                    "field": "messages", "value": {"messaging_product": "whatsapp", "messages": [{
                        "from": "905321234567", "id": "wamid.IN1", "timestamp": "1796385600", "type": "text",
                        "text": {"body": "İPTAL"}}]}}]}]}).encode()
                unsigned = await client.post(urls["whatsapp"], content=note, headers={"Content-Type": "application/json"})
                assert unsigned.status_code == 401
                signature = "sha256=" + hmac.new(b"cloud-app-secret", note, hashlib.sha256).hexdigest()
                signed = await client.post(urls["whatsapp"], content=note,
                                           headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
                assert signed.status_code == 200

    engine = create_engine(database)
    try:
        async with session_factory(engine)() as db:
            stored = await db.get(Contact, contact["contact_id"])
            assert not consented(stored, "whatsapp") and consented(stored, "sms")
            runs = list(await db.scalars(select(FlowRun).where(FlowRun.contact_id == stored.id)))
            assert [(r.status, r.ended_reason) for r in runs] == [("cancelled", "unsubscribed (whatsapp)")]
    finally:
        await engine.dispose()
    assert wa.received == []  # the WhatsApp step never went out
