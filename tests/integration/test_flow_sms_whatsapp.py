"""SMS (Netgsm, Verimor, Mobildev) and WhatsApp (UltraMSG, Cloud API) steps against stand-ins on loopback.

Each provider's stand-in (``tests/standins/``) follows its published API. For each one:
the message arrives with the provider's fields (the Turkish text intact, the sender id,
the number written the provider's way); 5xx and timeouts are retried with growing
pauses; a 4xx is not retried and is recorded; a step that runs again (a worker that
crashed after sending) sends nothing twice; a delivery report (webhook or query) sets
``delivered``; a stop word posted by the provider stops the flow at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from database.engine import create_engine, session_factory
from database.migrate import upgrade
from flows.channels import receipts
from flows.channels.delivery import Backoff
from flows.channels.store_providers import StoreProviders
from flows.contacts import consented, parse_registration, register
from flows.models import Contact, FlowRun, OutboxMessage
from flows.report import flow_report
from flows.scheduler import MemoryScheduler, PendingStep
from flows.service import FlowService
from nudges.catalogue import Catalogue
from nudges.ledger import MemoryLedger
from nudges.stores import StoreRegistry
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import SECRET, stores_yaml, trust_profile
from tests.live_server import LiveServer
from tests.standins import mobildev, netgsm, ultramsg, verimor, whatsapp_cloud
from tests.standins.script import Script

PHONE = "+905321234567"
NOW = 1_796_385_600_000  # 2026-12-04 12:00 UTC (15:00 in Istanbul: no quiet hours)


@dataclass(frozen=True)
class Provider:
    name: str
    channel: str
    app: Callable[[Script], Starlette]
    #: The stores file's provider entry (YAML flow mapping), given the stand-in's URL.
    config: Callable[[str], str]
    #: (text, sender id, recipient) as the provider received them.
    read: Callable[[dict], tuple[str, str, str]]
    recipient: str
    sender: str
    #: Where the provider echoes our idempotency key, if it takes one.
    reference: Callable[[dict], str] | None = None


PROVIDERS = [
    Provider("netgsm", "sms", netgsm.netgsm_stand_in,
             lambda url: f"{{provider: netgsm, usercode: '{netgsm.USERCODE}', password: {netgsm.PASSWORD}, header: {netgsm.HEADER}, base_url: '{url}'}}",
             lambda f: (f["message"], f["msgheader"], f["gsmno"]), "5321234567", netgsm.HEADER),
    Provider("verimor", "sms", verimor.verimor_stand_in,
             lambda url: f"{{provider: verimor, username: '{verimor.USERNAME}', password: {verimor.PASSWORD}, source_addr: {verimor.SOURCE}, base_url: '{url}'}}",
             lambda f: (f["messages"][0]["msg"], f["source_addr"], f["messages"][0]["dest"]), "905321234567", verimor.SOURCE,
             lambda f: f["messages"][0]["id"]),
    Provider("mobildev", "sms", mobildev.mobildev_stand_in,
             lambda url: f"{{provider: mobildev, username: {mobildev.USERNAME}, password: {mobildev.PASSWORD}, originator: {mobildev.ORIGINATOR}, base_url: '{url}'}}",
             lambda f: (f["Mesgbody"], f["Originator"], f["Numbers"]), "5321234567", mobildev.ORIGINATOR),
    Provider("ultramsg", "whatsapp", ultramsg.ultramsg_stand_in,
             lambda url: f"{{provider: ultramsg, instance_id: {ultramsg.INSTANCE}, token: {ultramsg.TOKEN}, base_url: '{url}'}}",
             lambda f: (f["body"], f["instance"], f["to"]), PHONE, ultramsg.INSTANCE, lambda f: f["referenceId"]),
    Provider("cloud", "whatsapp", whatsapp_cloud.cloud_stand_in,
             lambda url: (f"{{provider: cloud, phone_number_id: '{whatsapp_cloud.PHONE_NUMBER_ID}', access_token: {whatsapp_cloud.TOKEN}, "
                          f"template_name: cart_reminder, app_secret: cloud-app-secret, verify_token: hub-verify, base_url: '{url}'}}"),
             lambda f: (f["template"]["components"][0]["parameters"][0]["text"], f["authorization"], f["to"]),
             "905321234567", f"Bearer {whatsapp_cloud.TOKEN}", lambda f: f["biz_opaque_callback_data"]),
]


class Harness:
    """A flow service on SQLite whose SMS/WhatsApp channels are the store's provider (a stand-in)."""

    def __init__(self, tmp_path: Path, provider: Provider, url: str, backoff: Backoff, first_step: str | None = None) -> None:
        """``first_step``: the first step's channels, if not the provider's channel alone."""
        text = stores_yaml().replace(
            "            - {delay_min: 1, channel: email, template: light_reminder, incentive: none}\n"
            "            - {delay_min: 2, channel: email, fallback: sms, template: reason_nudge}\n",
            f"            - {{delay_min: 1, {first_step or 'channel: ' + provider.channel}, template: light_reminder, incentive: none}}\n"
            f"            - {{delay_min: 2, channel: {provider.channel}, template: light_reminder, incentive: none}}\n"
            f"      {provider.channel}: {provider.config(url)}\n")
        self.registry = StoreRegistry.from_yaml_text(text)
        self.store = self.registry.by_id("shop")
        self.provider = provider
        self.engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
        self.sessions = session_factory(self.engine)
        self.profiles = MemoryProfileStore()
        self.now = NOW
        self.channels = {name: StoreProviders(self.registry, name, timeout_s=1.0) for name in ("sms", "whatsapp")}  # type: ignore[arg-type]
        self.service = FlowService(
            registry=self.registry, sessions=self.sessions, scheduler=MemoryScheduler(), profiles=self.profiles,
            ledger=MemoryLedger(), catalogue=Catalogue(self.registry), publish=self._published,
            channels=dict(self.channels), public_url="http://127.0.0.1:9", backoff=backoff, clock=lambda: self.now,
        )

    async def _published(self, events) -> None:
        pass

    async def start(self, customer: str = "c-1", also_consent: str | None = None) -> FlowRun:
        consent = {channel: {"granted": True, "source": "checkout_checkbox"}
                   for channel in (self.provider.channel, also_consent) if channel}
        async with self.sessions.begin() as db:
            reg = parse_registration(json.dumps({
                "customer_id": customer, "phone": "0532 123 45 67", "locale": "tr", "time_zone": "Europe/Istanbul",
                "consent": consent}).encode(), self.now)
            contact = await register(db, "shop", SECRET, reg, default_locale="tr", retention_days=30, now_ms=self.now)
        await self.profiles.put(trust_profile(f"s-{customer}-000001", f"v-{customer}"))
        run = await self.service.start(self.store, contact, f"s-{customer}-000001", f"v-{customer}")
        assert run is not None
        return run

    async def run_step(self, run: FlowRun, step: int) -> OutboxMessage:
        row = await self.try_step(run, step)
        assert row is not None
        return row

    async def try_step(self, run: FlowRun, step: int) -> OutboxMessage | None:
        """Run a step as the scheduler would; its outbox row, if it made one."""
        await self.service.run_step(PendingStep(run.id, "shop", run.contact_id, run.flow, step, self.now))
        async with self.sessions() as db:
            return await db.get(OutboxMessage, f"{run.id}:{step}:{run.contact_id}")

    async def webhook(self, method: str, body: bytes, headers: dict[str, str] | None = None,
                      query: dict[str, str] | None = None):
        """What the edge's webhook route does with a provider's call (the route itself: test_flow_provider_http)."""
        adapter = self.channels[self.provider.channel].adapter("shop")
        answer = await adapter.webhook(method, query or {}, headers or {}, body)
        if answer.events:
            await receipts.record(self.service, "shop", self.provider.channel, answer.events)
        return answer

    async def report(self) -> dict:
        async with self.sessions() as db:
            rows = await flow_report(db, "shop")
        return {(r["step"], r["channel"]): r for r in rows}

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        await self.engine.dispose()


def by_name(*names: str) -> list:
    return [pytest.param(p, id=p.name) for p in PROVIDERS if p.name in names]


ALL = by_name(*(p.name for p in PROVIDERS))


@pytest.fixture
def script() -> Script:
    return Script(hold_s=3.0)


async def _harness(tmp_path: Path, provider: Provider, url: str, backoff: Backoff = Backoff(attempts=4, first_s=0.01)) -> Harness:
    h = Harness(tmp_path, provider, url, backoff)
    await upgrade(h.engine)
    return h


@pytest.mark.parametrize("provider", ALL)
async def test_the_message_arrives_in_turkish_with_the_providers_fields(tmp_path: Path, provider: Provider, script: Script) -> None:
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        row = await h.run_step(run, 0)
        assert (row.status, row.attempts, row.channel) == ("sent", 1, provider.channel)
        assert len(script.delivered) == 1
        text, sender, recipient = provider.read(script.delivered[0])
        # The decision core's Turkish words, every letter intact through the provider's encoding:
        assert "Sepetinde ürün kaldı. Senin için saklıyoruz." in text
        assert text.startswith("shop: Sepetin seni bekliyor.")
        assert text == row.text or provider.name == "cloud"  # the outbox shows what was sent
        assert (sender, recipient) == (provider.sender, provider.recipient)
        assert row.provider_message_id
        if provider.reference is not None:  # the provider takes our key, and echoes it in its reports
            assert provider.reference(script.delivered[0]) == row.idempotency_key
        await h.close()


async def test_turkish_letters_choose_the_providers_turkish_alphabet(tmp_path: Path, script: Script) -> None:
    """``ı`` and ``ç`` are not GSM 03.38: Netgsm needs dil=TR, Verimor datacoding=1 (155 chars a part, not 70)."""
    for provider, check in ((PROVIDERS[0], lambda f: f.get("dil") == "TR"),
                            (PROVIDERS[1], lambda f: f["datacoding"] == "1")):
        sub = tmp_path / provider.name
        sub.mkdir()
        script = Script()
        with LiveServer(provider.app(script)) as server:
            h = await _harness(sub, provider, server.url)
            row = await h.run_step(await h.start(), 0)
            assert check(script.delivered[0]), script.delivered[0]
            assert "1 part(s) turkish" in row.detail  # one SMS, not the three UCS-2 would take
            await h.close()


@pytest.mark.parametrize("provider", ALL)
async def test_5xx_and_timeouts_are_retried_with_growing_pauses(tmp_path: Path, provider: Provider, script: Script) -> None:
    script.failures = ["5xx", "timeout"]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url, Backoff(attempts=4, first_s=0.3, factor=2.0))
        row = await h.run_step(await h.start(), 0)
        assert (row.status, row.attempts) == ("sent", 3)
        assert len(script.received) == 3 and len(script.delivered) == 1  # one message reached the phone
        first_gap, second_gap = script.times[1] - script.times[0], script.times[2] - script.times[1]
        assert first_gap >= 0.3  # the first pause
        assert second_gap >= 0.6 + 1.0  # the client's 1 s timeout, then the doubled pause
        await h.close()


@pytest.mark.parametrize("provider", ALL)
@pytest.mark.parametrize("failure", ["auth", "invalid"])
async def test_a_4xx_is_not_retried_and_is_recorded(tmp_path: Path, provider: Provider, failure: str, script: Script) -> None:
    script.failures = [failure]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        row = await h.run_step(await h.start(), 0)
        assert (row.status, row.attempts) == ("failed", 1)
        assert len(script.received) == 1 and script.delivered == []
        assert row.detail and row.sent_ms is None
        report = await h.report()
        assert (report[(0, provider.channel)]["failed"], report[(0, provider.channel)]["sent"]) == (1, 0)
        await h.close()


@pytest.mark.parametrize("provider", ALL)
async def test_a_step_run_again_after_a_crash_is_not_sent_twice(tmp_path: Path, provider: Provider, script: Script) -> None:
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        first = await h.run_step(run, 0)
        # The queue delivers at least once: a worker killed after sending, another picks the job up.
        second = await h.run_step(run, 0)
        assert len(script.delivered) == 1
        assert (first.status, second.status, second.provider_message_id) == ("sent", "sent", first.provider_message_id)
        await h.close()


RECEIPTS = {
    "verimor": lambda row: json.dumps([{"type": "outbound", "campaign_id": 20000, "campaign_custom_id": row.idempotency_key,
                                        "message_id": "13582302", "message_custom_id": row.idempotency_key,
                                        "dest": "905321234567", "status": "DELIVERED", "gsm_error": "0"}]).encode(),
    "ultramsg": lambda row: json.dumps({"event_type": "message_ack", "instanceId": "1150", "referenceId": row.idempotency_key,
                                        "data": {"id": "true_905321234567@c.us_3EB0", "ack": "device", "fromMe": True}}).encode(),
    "cloud": lambda row: json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "statuses": [{"id": row.provider_message_id, "status": "delivered", "recipient_id": "905321234567",
                                                       "biz_opaque_callback_data": row.idempotency_key}]}}]}]}).encode(),
}
STOPS = {
    "verimor": lambda text: json.dumps([{"message_id": 1234, "type": "inbound", "received_at": "2026-12-04 12:00:00",
                                         "network": "TURKCELL", "source_addr": "905321234567",
                                         "destination_addr": "908501234567", "keyword": "", "content": text}]).encode(),
    "ultramsg": lambda text: json.dumps({"event_type": "message_received", "instanceId": "1150", "referenceId": "",
                                         "data": {"id": "false_905321234567@c.us_3A1", "from": "905321234567@c.us",
                                                  "to": "908501234567@c.us", "type": "chat", "body": text, "fromMe": False}}).encode(),
    "cloud": lambda text: json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "contacts": [{"wa_id": "905321234567"}],
        "messages": [{"from": "905321234567", "id": "wamid.IN1", "timestamp": "1796385600", "type": "text", "text": {"body": text}}]}}]}]}).encode(),
}


def _signed(provider: Provider, body: bytes) -> dict[str, str]:
    if provider.name != "cloud":
        return {}
    return {"x-hub-signature-256": "sha256=" + hmac.new(b"cloud-app-secret", body, hashlib.sha256).hexdigest()}


@pytest.mark.parametrize("provider", by_name("verimor", "ultramsg", "cloud"))
async def test_a_delivery_report_makes_the_message_delivered(tmp_path: Path, provider: Provider, script: Script) -> None:
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        row = await h.run_step(await h.start(), 0)
        report = await h.report()
        assert (report[(0, provider.channel)]["sent"], report[(0, provider.channel)]["delivered"]) == (1, 0)
        body = RECEIPTS[provider.name](row)
        answer = await h.webhook("POST", body, _signed(provider, body))
        assert answer.status == 200
        report = await h.report()
        assert (report[(0, provider.channel)]["sent"], report[(0, provider.channel)]["delivered"]) == (1, 1)
        await h.close()


async def test_netgsm_delivery_is_read_from_its_report_query(tmp_path: Path, script: Script) -> None:
    provider = PROVIDERS[0]
    statuses: dict[str, str] = {}
    with LiveServer(netgsm.netgsm_stand_in(script, statuses)) as server:
        h = await _harness(tmp_path, provider, server.url)
        first = await h.run_step(await h.start("c-1"), 0)
        second = await h.run_step(await h.start("c-2"), 0)
        statuses[first.provider_message_id] = "1"   # delivered
        statuses[second.provider_message_id] = "0"  # still waiting at the operator
        assert await receipts.poll(h.service, h.channels["sms"]) == 1
        report = await h.report()
        assert (report[(0, "sms")]["sent"], report[(0, "sms")]["delivered"]) == (2, 1)
        statuses[second.provider_message_id] = "3"  # wrong number: final, not delivered
        assert await receipts.poll(h.service, h.channels["sms"]) == 1
        report = await h.report()
        assert report[(0, "sms")]["delivered"] == 1
        async with h.sessions() as db:
            assert "not delivered: Netgsm status 3" in (await db.get(OutboxMessage, second.idempotency_key)).detail
        await h.close()


@pytest.mark.parametrize("provider", by_name("verimor", "ultramsg", "cloud"))
@pytest.mark.parametrize("word", ["DUR", "İptal", "STOP"])
async def test_a_stop_word_through_the_providers_webhook_stops_at_once(tmp_path: Path, provider: Provider, word: str,
                                                                       script: Script) -> None:
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        await h.run_step(run, 0)
        body = STOPS[provider.name](word)
        assert (await h.webhook("POST", body, _signed(provider, body))).status == 200
        async with h.sessions() as db:
            contact = await db.get(Contact, run.contact_id)
            assert not consented(contact, provider.channel)
            assert (await db.get(FlowRun, run.id)).status == "cancelled"
        assert await h.try_step(run, 1) is None  # the next step falls due: its run has ended, nothing goes out
        assert len(script.delivered) == 1
        await h.close()


async def test_whatsapp_cloud_sends_free_text_only_within_24_hours_of_the_shoppers_message(tmp_path: Path, script: Script) -> None:
    provider = PROVIDERS[4]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        await h.run_step(run, 0)
        assert script.delivered[0]["type"] == "template"  # no message from the shopper yet
        template = script.delivered[0]["template"]
        assert (template["name"], template["language"]["code"]) == ("cart_reminder", "tr")
        body = STOPS["cloud"]("Merhaba, kargo ne zaman gelir?")
        await h.webhook("POST", body, _signed(provider, body))
        h.now += 60_000
        await h.run_step(run, 1)
        assert script.delivered[1]["type"] == "text"
        assert "kaldı" in script.delivered[1]["text"]["body"]
        await h.close()


async def test_whatsapp_cloud_webhook_checks_the_signature_and_the_verify_token(tmp_path: Path, script: Script) -> None:
    provider = PROVIDERS[4]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        await h.run_step(run, 0)
        forged = STOPS["cloud"]("DUR")
        answer = await h.webhook("POST", forged, {"x-hub-signature-256": "sha256=" + "0" * 64})
        assert answer.status == 401
        async with h.sessions() as db:  # a forged stop word changes nothing
            assert consented(await db.get(Contact, run.contact_id), "whatsapp")
        ok = await h.webhook("GET", b"", query={"hub.mode": "subscribe", "hub.verify_token": "hub-verify", "hub.challenge": "1158201444"})
        assert (ok.status, ok.body) == (200, "1158201444")
        wrong = await h.webhook("GET", b"", query={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
        assert wrong.status == 403
        await h.close()


async def test_a_store_without_an_sms_provider_sends_the_step_on_its_fallback(tmp_path: Path, script: Script) -> None:
    """No ``flows.sms`` for the store: an SMS step with a WhatsApp fallback goes out on WhatsApp."""
    provider = PROVIDERS[3]  # the store has WhatsApp (UltraMSG) only
    with LiveServer(provider.app(script)) as server:
        h = Harness(tmp_path, provider, server.url, Backoff(attempts=2, first_s=0.01), first_step="channel: sms, fallback: whatsapp")
        await upgrade(h.engine)
        run = await h.start(also_consent="sms")  # the shopper would take SMS: the store cannot send it
        row = await h.run_step(run, 0)
        assert (row.status, row.channel) == ("sent", "whatsapp")
        assert len(script.delivered) == 1 and script.delivered[0]["to"] == PHONE
        await h.close()


async def test_outbox_rows_keep_receipts_per_provider(tmp_path: Path, script: Script) -> None:
    """Mobildev reports nothing we can read: accepted counts as delivered, as for e-mail."""
    provider = PROVIDERS[2]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        await h.run_step(await h.start(), 0)
        async with h.sessions() as db:
            rows = list(await db.scalars(select(OutboxMessage)))
        assert [(r.status, r.delivered_ms == r.sent_ms) for r in rows] == [("sent", True)]
        await h.close()


@pytest.mark.parametrize("provider", by_name("verimor", "ultramsg", "cloud"))
@pytest.mark.parametrize("body", [b"not json", b'{"entry": "x"}', b"[1, 2]", "\u0130PTAL".encode("utf-16")])
async def test_a_malformed_webhook_call_is_refused_and_changes_nothing(tmp_path: Path, provider: Provider, body: bytes,
                                                                      script: Script) -> None:
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        await h.run_step(run, 0)
        answer = await h.webhook("POST", body, _signed(provider, body))
        # UltraMSG posts many event types as JSON objects; one it does not know is acknowledged, not refused.
        unknown_event = provider.name == "ultramsg" and body.startswith(b"{")
        assert (answer.status, answer.events) == ((200 if unknown_event else 400), [])
        async with h.sessions() as db:
            assert consented(await db.get(Contact, run.contact_id), provider.channel)
            assert (await db.get(FlowRun, run.id)).status == "active"
        assert (await h.report())[(0, provider.channel)]["delivered"] == 0
        await h.close()


async def test_after_a_crash_mid_send_verimor_is_asked_by_our_key_before_sending_again(tmp_path: Path, script: Script) -> None:
    """The worker claimed the step and handed it to Verimor, then died before recording the answer:
    the rerun finds the campaign by our key (``/v2/status?custom_id=``) and does not send it twice."""
    provider = PROVIDERS[1]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        # The crash, replayed: the outbox row claimed ("sending"), the message at the provider, no answer recorded.
        taken = await h.run_step(run, 0)
        async with h.sessions.begin() as db:
            row = await db.get(OutboxMessage, taken.idempotency_key)
            row.status, row.provider_message_id, row.sent_ms = "sending", None, None
        rerun = await h.run_step(run, 0)
        assert len(script.delivered) == 1  # not sent twice
        assert (rerun.status, rerun.provider_message_id) == ("sent", taken.provider_message_id)
        assert "not sent again" in rerun.detail
        await h.close()


async def test_after_a_crash_before_the_provider_took_it_the_step_is_sent(tmp_path: Path, script: Script) -> None:
    """Claimed, then the worker died before Verimor had it: nothing found under our key, so it is sent now."""
    provider = PROVIDERS[1]
    with LiveServer(provider.app(script)) as server:
        h = await _harness(tmp_path, provider, server.url)
        run = await h.start()
        async with h.sessions.begin() as db:  # the claim the dead worker left
            db.add(OutboxMessage(idempotency_key=f"{run.id}:0:{run.contact_id}", store_id="shop", contact_id=run.contact_id,
                                 flow_run_id=run.id, flow=run.flow, step=0, channel="sms", status="sending",
                                 due_ms=h.now, created_ms=h.now))
        row = await h.run_step(run, 0)
        assert row.status == "sent" and len(script.delivered) == 1
        await h.close()
