"""A flow end to end over real HTTP and a real SMTP server (aiosmtpd on loopback).

The store's back end registers a contact, the page identifies the session, the steps fall
due (delays sped up 60x), and the e-mails arrive: parsed back, they carry both parts, the
decision core's words for the shopper's reason (escaped in HTML, plain in text), the
one-click unsubscribe headers, and a link that unsubscribes at once.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from cartcoach.settings import Settings
from flows.channels.channel import OutboundMessage
from flows.channels.delivery import Backoff, deliver
from flows.channels.email import SmtpChannel
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.flows_helpers import ORIGIN, SECRET, WRITE_KEY, SmtpServer, registry, trust_profile
from tests.live_server import LiveServer, free_port

AUTH = {"Authorization": f"Bearer {SECRET}"}


async def wait_for(predicate, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_the_flow_sends_both_steps_as_real_emails_and_the_link_unsubscribes(tmp_path: Path) -> None:
    profiles = MemoryProfileStore()
    session, visitor = "s-email-flow-0001", "v-email-flow-0001"
    await profiles.put(trust_profile(session, visitor))
    port = free_port()
    with SmtpServer() as smtp:
        settings = Settings(
            public_url=f"http://127.0.0.1:{port}",
            database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", stores_reload_s=0, flow_speedup=60.0,
            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False, smtp_from="Shop <hello@shop.example>",
        )
        app = create_app(settings, stores=registry(), profiles=profiles)
        with LiveServer(app, port) as live:
            async with httpx.AsyncClient(base_url=live.url) as client:
                contact = (await client.post("/v1/contacts", headers=AUTH, json={
                    "customer_id": "cust-email-1", "email": "ayla@example.com", "locale": "en",
                    "consent": {"email": {"granted": True, "source": "checkout_checkbox"}}})).json()
                identified = await client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
                    "write_key": WRITE_KEY, "session_id": session, "visitor_id": visitor,
                    "identify_id": contact["identify_id"]})
                assert identified.status_code == 204
                await wait_for(lambda: len(smtp.messages) >= 2)
                await asyncio.sleep(0.5)
                assert len(smtp.messages) == 2  # two steps, two e-mails, no more

                reminder, nudge = smtp.messages
                for message in (reminder, nudge):
                    assert message["To"] == "ayla@example.com"
                    assert message["From"] == "Shop <hello@shop.example>"
                    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
                    assert message["Message-ID"].endswith("@cartcoach>")
                    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
                assert reminder["Subject"] == "Your cart is waiting"
                # The reason nudge answers "trust" with the store's own review, as text:
                html = nudge.get_body(("html",)).get_content()
                text = nudge.get_body(("plain",)).get_content()
                assert "Fits &lt;well&gt; &amp; ships fast" in html and "<well>" not in html
                assert "Fits <well> & ships fast" in text
                assert "★★★★★" in html and "(5/5, Ayla)" in text  # the store's own review, its own rating
                assert nudge["Subject"] != reminder["Subject"]
                assert f"{ORIGIN}/cart" in text or f"{ORIGIN}/checkout" in text  # the store's own link

                # Opens and clicks are counted once each, and a click goes to the store's own site only.
                pixel = re.search(r'<img src="([^"]+/v1/flows/open/[^"]+)"', html).group(1)
                click = re.search(r'href="([^"]+/v1/flows/click/[^"]+)"', html).group(1).replace("&amp;", "&")
                for _ in range(2):
                    assert (await client.get(pixel)).headers["content-type"] == "image/gif"
                    followed = await client.get(click)
                    assert followed.status_code == 302 and followed.headers["location"].startswith(ORIGIN + "/")
                elsewhere = await client.get(click.split("?to=")[0] + "?to=https%3A%2F%2Fevil.example%2F")
                assert elsewhere.status_code == 400
                outbox = (await client.get("/v1/flows/outbox", headers=AUTH)).json()["messages"]
                assert [(m["step"], m["status"], m["recipient"]) for m in outbox] == [
                    (1, "sent", "a***@example.com"), (0, "sent", "a***@example.com")]
                assert (await client.get("/v1/flows/outbox")).status_code == 401
                assert "/v1/flows/open/" not in outbox[0]["html"]  # looking at the outbox is not an open

                link = re.fullmatch(r"<(.+)>", nudge["List-Unsubscribe"]).group(1)
                assert link in text
                confirm = await client.get(link)
                assert confirm.status_code == 200 and "<form" in confirm.text  # a GET changes nothing
                one_click = {"Content-Type": "application/x-www-form-urlencoded"}  # RFC 8058
                assert (await client.post(link, json={})).status_code == 415  # not a form
                done = await client.post(link, content=b"List-Unsubscribe=One-Click", headers=one_click)
                assert done.status_code == 200 and "unsubscribed" in done.text
                forged = await client.post(link[:-4] + "0000", headers=one_click)
                assert forged.status_code == 404
                report = {(r["flow"], r["step"]): r for r in (await client.get("/v1/flows/report", headers=AUTH)).json()["steps"]}
                assert (report["quick", 0]["sent"], report["quick", 0]["opened"], report["quick", 0]["unsubscribed"]) == (1, 0, 0)
                step2 = report["quick", 1]
                assert (step2["sent"], step2["opened"], step2["clicked"], step2["unsubscribed"]) == (1, 1, 1, 1)

                # Unsubscribed: a new session of the same shopper starts nothing that sends.
                await profiles.put(trust_profile("s-email-flow-0002", visitor))
                await client.post("/v1/identify", headers={"Origin": ORIGIN}, json={
                    "write_key": WRITE_KEY, "session_id": "s-email-flow-0002", "visitor_id": visitor,
                    "identify_id": contact["identify_id"]})
                await asyncio.sleep(3.0)
                assert len(smtp.messages) == 2


def message(**kw) -> OutboundMessage:
    fields = dict(idempotency_key="r_1:0:c_1", store_id="shop", contact_id="c_1", channel="email",
                  to="ayla@example.com", locale="en", text="Hi", subject="Hi", html="<p>Hi</p>")
    return OutboundMessage(**{**fields, **kw})


@pytest.mark.parametrize(("reply", "status"), [("550 5.1.1 No such user", "permanent"), ("451 4.7.1 Try later", "retryable")])
async def test_smtp_refusals_are_permanent_or_retryable_by_their_code(reply: str, status: str) -> None:
    with SmtpServer(reply=reply) as smtp:
        outcome = await SmtpChannel("127.0.0.1", smtp.port, "a@shop.example", starttls=False).send(message())
    assert outcome.status == status and reply.split()[0] in outcome.detail


async def test_a_dead_server_is_retried_with_backoff_and_recorded_per_attempt() -> None:
    channel = SmtpChannel("127.0.0.1", free_port(), "a@shop.example", starttls=False, timeout_s=1.0)
    started = time.monotonic()
    result = await deliver(channel, message(), Backoff(attempts=3, first_s=0.2, factor=2.0))
    assert result.outcome.status == "retryable"
    assert len(result.attempts) == 3
    assert time.monotonic() - started >= 0.6  # 0.2 s then 0.4 s between the attempts
