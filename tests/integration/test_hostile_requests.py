"""Hostile requests across every route: each gets a 4xx naming the problem and changes nothing.

One real server (embedded, its flows database a SQLite file), one store with an exposure,
a verified order and a registered, identified contact, then more than a hundred
bad requests: wrong content types, invalid UTF-8, broken and deep JSON, schema breaches,
server-only event types, out-of-bound money, wrong keys, forged tokens and links, bad
parameters, unknown experiments, contacts and coupons. After them the experiment report,
the experiment list, every stored profile, the events the stream has seen, and the
contacts, consents, flow runs, outbox and coupons are exactly as before.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import httpx
import pytest

from sqlalchemy import select

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from flows.models import Consent, Contact, Coupon, FlowOrder, FlowRun, OutboxMessage
from flows.unsubscribe import unsubscribe_token
from overlay_api.app import create_app
from tests.integration.test_poisoning import KEY, SECRET, Shopper, exposed_buyer
from tests.live_server import LiveServer

AUTH = {"authorization": f"Bearer {SECRET}"}
JSON = {"content-type": "application/json"}


def batch(**change) -> dict:
    now = int(time.time() * 1000)
    body = {"v": 1, "write_key": KEY, "visitor_id": "v-hostile-01", "session_id": "s-hostile-01", "sent_at": now,
            "page": {"path": "/demo/en/cart", "type": "cart"},
            "events": [{"id": f"e-{uuid.uuid4().hex}", "type": "cart_view", "ts": now - 1}]}
    return body | change


def event(**fields) -> dict:
    return batch(events=[{"id": f"e-{uuid.uuid4().hex}", "ts": int(time.time() * 1000) - 1, **fields}])


def hostile() -> list[tuple[str, str, dict]]:
    """(method, path, httpx keyword arguments) for each hostile request."""
    collect = "/v1/collect"
    reqs: list[tuple[str, str, dict]] = [
        ("POST", collect, {"content": json.dumps(batch()), "headers": {"content-type": "text/html"}}),
        ("POST", collect, {"content": json.dumps(batch()), "headers": {"content-type": "application/xml"}}),
        ("POST", collect, {"content": json.dumps(batch())}),  # no content type
        ("POST", collect, {"content": b"\xff\xfe\xfd", "headers": JSON}),
        ("POST", collect, {"content": b'{"v": 1, "write_key": "\xff"}', "headers": JSON}),
        ("POST", collect, {"content": b"{", "headers": JSON}),
        ("POST", collect, {"content": b"", "headers": JSON}),
        ("POST", collect, {"content": b"[" * 5000 + b"]" * 5000, "headers": JSON}),
        ("POST", collect, {"content": b"null", "headers": JSON}),
        ("POST", collect, {"content": b"x" * 70_000, "headers": JSON}),  # over the body limit
        ("POST", collect, {"json": batch(v=2)}),
        ("POST", collect, {"json": batch(write_key="wk_nobody_0001")}),
        ("POST", collect, {"json": batch(write_key=SECRET)}),
        ("POST", collect, {"json": batch(visitor_id="<script>")}),
        ("POST", collect, {"json": batch(session_id="short")}),
        ("POST", collect, {"json": batch(sent_at=-1)}),
        ("POST", collect, {"json": batch(events=[])}),
        ("POST", collect, {"json": batch(page={"path": "/cart?email=a@b.c"})}),
        ("POST", collect, {"json": batch(page={"path": "/cart", "type": "admin"})}),
        ("POST", collect, {"json": event(type="overlay_decision", experiment="nudges-v1", arm="v1")}),
        ("POST", collect, {"json": event(type="session_timeout")}),
        ("POST", collect, {"json": event(type="no_such_type")}),
        ("POST", collect, {"json": event(type="custom")}),  # no name
        ("POST", collect, {"json": event(type="cart_view", cart_value=999999999)}),
        ("POST", collect, {"json": event(type="cart_view", cart_value=-5)}),
        ("POST", collect, {"json": event(type="cart_view", cart_value=1e12)}),
        ("POST", collect, {"json": event(type="cart_view", cart_value=50_000.0, cart_items=1)}),
        ("POST", collect, {"json": event(type="cart_add", product_id="p2", price=999999.0)}),
        ("POST", collect, {"json": event(type="page_view", product_id="no-such", price=500_000.0)}),
        ("POST", collect, {"json": event(type="purchase", order_id="x", amount=-1)}),
        ("POST", collect, {"json": event(type="survey_answer", answer="free money")}),
        ("POST", collect, {"json": event(type="scroll", depth=2.0)}),
        ("POST", collect, {"json": event(type="cart_view", ts=10**15)}),
        ("POST", collect, {"json": batch(events=[{"id": "e-dup-000001", "type": "cart_view", "ts": 1},
                                                 {"id": "e-dup-000001", "type": "cart_view", "ts": 1}])}),
        ("POST", collect, {"json": batch(), "headers": {"origin": "https://evil.example"}}),
        ("GET", "/v1/overlay", {"params": {"key": KEY, "session": "x"}}),
        ("GET", "/v1/overlay", {"params": {"key": KEY, "session": "s-hostile-01", "visitor": "bad visitor"}}),
        ("GET", "/v1/overlay", {"params": {"key": KEY, "session": "s-hostile-01", "trigger": "always"}}),
        ("GET", "/v1/overlay", {"params": {"key": KEY, "session": "s-hostile-01", "product": "p" * 200}}),
        ("GET", "/v1/overlay", {"params": {"key": "wk_nobody_0001", "session": "s-hostile-01"}}),
        ("GET", "/v1/overlay", {"params": {"key": SECRET, "session": "s-hostile-01"}}),
        ("GET", "/v1/overlay", {"params": {"key": KEY, "session": "s-hostile-01"},
                                "headers": {"origin": "https://evil.example"}}),
        ("POST", "/v1/outcomes", {"json": {"type": "purchase"}}),  # no key
        ("POST", "/v1/outcomes", {"json": {"type": "purchase"}, "headers": {"authorization": f"Bearer {KEY}"}}),
        ("POST", "/v1/outcomes", {"json": {"type": "purchase"}, "headers": {"authorization": "Basic abc"}}),
        ("POST", "/v1/outcomes", {"content": b"<p>order</p>", "headers": AUTH | {"content-type": "text/html"}}),
        ("POST", "/v1/outcomes", {"content": b"\xff\xff", "headers": AUTH | JSON}),
        ("POST", "/v1/outcomes", {"content": b"{", "headers": AUTH | JSON}),
        ("POST", "/v1/outcomes", {"content": b"[" * 5000, "headers": AUTH | JSON}),
        ("POST", "/v1/outcomes", {"json": {"type": "chargeback", "order_id": "o", "amount": 1,
                                           "visitor_id": "v-hostile-01"}, "headers": AUTH}),
        ("POST", "/v1/outcomes", {"json": {"type": "purchase", "order_id": "o", "amount": 1e10,
                                           "visitor_id": "v-hostile-01"}, "headers": AUTH}),
        ("POST", "/v1/outcomes", {"json": {"type": "purchase", "order_id": "o", "amount": 10,
                                           "visitor_id": "v-hostile-01", "currency": "USD"}, "headers": AUTH}),
        ("POST", "/v1/outcomes", {"json": {"type": "purchase", "order_id": "o", "amount": 10,
                                           "visitor_id": "v-hostile-01", "at": 1}, "headers": AUTH}),
        ("POST", "/v1/outcomes", {"json": {"type": "purchase", "order_id": "o", "amount": 10,
                                           "visitor_id": "v-hostile-01", "email": "a@b.c"}, "headers": AUTH}),
        ("GET", "/v1/experiments", {}),
        ("GET", "/v1/experiments", {"headers": {"authorization": f"Bearer {KEY}"}}),
        ("GET", "/v1/experiments/nudges-v1/report", {}),
        ("GET", "/v1/experiments/nudges-v1/report", {"headers": {"authorization": "Bearer sk_guess_0000000"}}),
        ("GET", "/v1/experiments/no-such-experiment/report", {"headers": AUTH}),
        ("GET", "/v1/experiments/..%2F..%2Fetc/report", {"headers": AUTH}),
        ("GET", "/v1/experiments/nudges-v1/report", {"headers": AUTH, "params": {"format": "xml"}}),
        ("POST", "/dashboard/api/token", {}),
        ("POST", "/dashboard/api/token", {"headers": {"authorization": "Bearer sk_guess_0000001"}}),
        ("GET", "/dashboard/api/summary", {}),
        ("GET", "/dashboard/api/summary", {"headers": AUTH, "params": {"reason": "greed"}}),
        ("GET", "/dashboard/api/summary", {"headers": AUTH, "params": {"device": "fridge"}}),
        ("GET", "/dashboard/api/installation", {}),
        ("GET", "/dashboard/api/installation", {"headers": {"authorization": f"Bearer {KEY}"}}),
        ("GET", "/dashboard/stream", {"params": {"token": "demo.99999999999.forged"}}),
        ("GET", "/dashboard/stream", {}),
        *flows_hostile(),
        ("PUT", "/v1/collect", {"json": batch()}),
        ("DELETE", "/v1/outcomes", {"headers": AUTH}),
        ("GET", "/v1/no-such-route", {}),
    ]
    return reqs


CONTACT = {"customer_id": "cust-hostile-1", "email": "ayla@example.com", "time_zone": "Europe/Istanbul",
           "consent": {"email": {"granted": True, "source": "checkout_checkbox"}}}
#: The registered contact's id, known once the fixture has registered it.
CONTACT_ID: dict[str, str] = {}


def flows_hostile() -> list[tuple[str, str, dict]]:
    """Bad requests to the flows' routes: contacts, identify, unsubscribe, inbound, coupons, outbox, links."""
    contact_id = CONTACT_ID["id"]
    unsubscribe = f"/v1/unsubscribe/demo/{contact_id}/email/{unsubscribe_token(SECRET, contact_id, 'email')}"
    identify = {"write_key": KEY, "session_id": "s-hostile-01", "visitor_id": "v-hostile-01",
                "identify_id": "ci_" + "0" * 32}
    inbound = {"channel": "sms", "sender": "+905321234567", "text": "STOP"}
    return [
        ("POST", "/v1/contacts", {"json": CONTACT | {"consent": {}}}),  # no key
        ("POST", "/v1/contacts", {"json": CONTACT | {"consent": {}}, "headers": {"authorization": f"Bearer {KEY}"}}),
        ("POST", "/v1/contacts", {"content": json.dumps(CONTACT | {"consent": {}}),
                                  "headers": AUTH | {"content-type": "text/plain"}}),
        ("POST", "/v1/contacts", {"content": b"\xff\xfe", "headers": AUTH | JSON}),
        ("POST", "/v1/contacts", {"content": b"{", "headers": AUTH | JSON}),
        ("POST", "/v1/contacts", {"content": b"[" * 5000 + b"]" * 5000, "headers": AUTH | JSON}),
        ("POST", "/v1/contacts", {"json": CONTACT | {"email": "not-an-address"}, "headers": AUTH}),
        ("POST", "/v1/contacts", {"json": CONTACT | {"phone": "12"}, "headers": AUTH}),
        ("POST", "/v1/contacts", {"json": CONTACT | {"time_zone": "Mars/Olympus"}, "headers": AUTH}),
        ("POST", "/v1/contacts", {"json": CONTACT | {"consent": {"fax": {"granted": False}}}, "headers": AUTH}),
        ("POST", "/v1/contacts", {"json": CONTACT | {"consent": {"sms": {"granted": True, "source": "x"}}},
                                  "headers": AUTH}),  # sms consent without a phone
        ("POST", "/v1/contacts", {"json": CONTACT | {"password": "hunter2"}, "headers": AUTH}),
        ("DELETE", f"/v1/contacts/{contact_id}", {}),
        ("DELETE", f"/v1/contacts/{contact_id}", {"headers": {"authorization": f"Bearer {KEY}"}}),
        ("DELETE", "/v1/contacts/c_no_such_contact", {"headers": AUTH}),
        ("POST", "/v1/identify", {"content": json.dumps(identify), "headers": {"content-type": "text/html"}}),
        ("POST", "/v1/identify", {"content": b"{", "headers": JSON}),
        ("POST", "/v1/identify", {"content": b"\xff", "headers": JSON}),
        ("POST", "/v1/identify", {"json": identify | {"identify_id": "cust-hostile-1"}}),
        ("POST", "/v1/identify", {"json": identify | {"session_id": "<script>"}}),
        ("POST", "/v1/identify", {"json": identify | {"email": "a@b.c"}}),
        ("POST", "/v1/identify", {"json": identify | {"write_key": "wk_nobody_0001"}}),
        ("POST", "/v1/identify", {"json": identify | {"write_key": SECRET}}),
        ("POST", "/v1/identify", {"json": identify, "headers": {"origin": "https://evil.example"}}),
        ("GET", unsubscribe[:-4] + "0000", {}),
        ("POST", unsubscribe[:-4] + "0000", {"content": b"List-Unsubscribe=One-Click",
                                             "headers": {"content-type": "application/x-www-form-urlencoded"}}),
        ("POST", unsubscribe.replace("/email/", "/fax/"), {}),
        ("POST", unsubscribe.replace("/demo/", "/nostore/"), {}),
        ("POST", unsubscribe, {"json": {"List-Unsubscribe": "One-Click"}}),  # a real link, but not a form
        ("POST", "/v1/inbound", {"json": inbound}),  # no key
        ("POST", "/v1/inbound", {"json": inbound, "headers": {"authorization": f"Bearer {KEY}"}}),
        ("POST", "/v1/inbound", {"content": json.dumps(inbound), "headers": AUTH | {"content-type": "text/plain"}}),
        ("POST", "/v1/inbound", {"content": b"{", "headers": AUTH | JSON}),
        ("POST", "/v1/inbound", {"json": inbound | {"channel": "email"}, "headers": AUTH}),
        ("POST", "/v1/inbound", {"json": inbound | {"sender": "1" * 40}, "headers": AUTH}),
        ("POST", "/v1/inbound", {"json": inbound | {"sender": "not a number"}, "headers": AUTH}),
        ("POST", "/v1/coupons/redeem", {"json": {"code": "CC-0000ABCD", "order_id": "o-1"}}),
        ("POST", "/v1/coupons/redeem", {"json": {"code": "FREE", "order_id": "o-1"}, "headers": AUTH}),
        ("POST", "/v1/coupons/redeem", {"json": {"code": "CC-0000ABCD", "order_id": ""}, "headers": AUTH}),
        ("POST", "/v1/coupons/redeem", {"json": {"code": "CC-0000ABCD", "order_id": "o-1"}, "headers": AUTH}),
        ("POST", "/v1/coupons/redeem", {"content": b"code=CC-0000ABCD", "headers": AUTH | {"content-type": "text/plain"}}),
        ("GET", "/v1/flows/outbox", {}),
        ("GET", "/v1/flows/outbox", {"headers": {"authorization": "Bearer sk_guess_0000002"}}),
        ("GET", "/v1/flows/outbox", {"headers": AUTH, "params": {"limit": "0"}}),
        ("GET", "/v1/flows/outbox", {"headers": AUTH, "params": {"limit": "all"}}),
        ("GET", "/v1/flows/report", {}),
        ("GET", "/v1/flows/plan", {"params": {"session_id": "s-0000000001"}}),
        ("GET", "/v1/flows/plan", {"headers": AUTH}),
        ("GET", "/v1/flows/plan", {"headers": AUTH, "params": {"session_id": "<img src=x>"}}),
        ("GET", "/v1/flows/open/demo/r_x:0:c_x/forged", {}),
        ("GET", "/v1/flows/open/nostore/r_x:0:c_x/forged", {}),
        ("GET", "/v1/flows/click/demo/r_x:0:c_x/forged", {"params": {"to": "https://shop.example/"}}),
        ("GET", "/v1/flows/click/demo/r_x:0:c_x/forged", {"params": {"to": "https://evil.example/"}}),
        ("PUT", "/v1/contacts", {"json": CONTACT, "headers": AUTH}),
    ]


async def flows_state(app) -> dict:
    """Every flows row, as plain values: contacts, consents, runs, outbox, coupons."""
    async with app.state.flows.service.sessions() as db:
        def rows(model):
            return sorted(tuple((c.key, getattr(r, c.key)) for c in r.__table__.columns) for r in model)
        return {m.__tablename__: rows(await db.scalars(select(m)))
                for m in (Contact, Consent, FlowRun, OutboxMessage, Coupon, FlowOrder)}


async def snapshot(client: httpx.AsyncClient, app, shopper: Shopper) -> dict:
    report = (await client.get("/v1/experiments/nudges-v1/report", headers=AUTH)).json()
    listing = (await client.get("/v1/experiments", headers=AUTH)).json()
    profiles = {s: await app.state.profiles.get("demo", s) for s in (shopper.session, "s-hostile-01")}
    return {"report": report, "experiments": listing, "profiles": profiles,
            "events": len(app.state.sink.pipeline.recent), "labels": app.state.sink.labels_learned,
            "flows": await flows_state(app)}


@pytest.fixture
async def live(tmp_path: Path):
    shutil.copy(DEFAULT_STORES_FILE, tmp_path / "stores.yaml")
    shutil.copy(DEFAULT_STORES_FILE.with_name("demo_catalogue.yaml"), tmp_path / "demo_catalogue.yaml")
    settings = Settings(stores_file=tmp_path / "stores.yaml", database_url=f"sqlite:///{tmp_path / 'flows.db'}",
                        flows_dry_run=True)
    app = create_app(settings)
    with LiveServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as client:
            yield client, app


async def registered_contact(client: httpx.AsyncClient, shopper: Shopper) -> None:
    """A contact with e-mail consent, identified on the shopper's session."""
    created = await client.post("/v1/contacts", json=CONTACT, headers=AUTH)
    assert created.status_code == 201, created.text
    CONTACT_ID["id"] = created.json()["contact_id"]
    linked = await client.post("/v1/identify", json={
        "write_key": KEY, "session_id": shopper.session, "visitor_id": shopper.visitor,
        "identify_id": created.json()["identify_id"]})
    assert linked.status_code == 204, linked.text


async def test_a_hundred_hostile_requests_get_4xx_and_change_nothing(live) -> None:
    client, app = live
    shopper = await exposed_buyer(client, f"hst{uuid.uuid4().hex[:8]}")
    await registered_contact(client, shopper)
    before = await snapshot(client, app, shopper)
    assert before["flows"]["contacts"] and before["flows"]["consents"] and before["flows"]["flow_runs"]
    requests = hostile()
    assert len(requests) >= 100
    for method, path, kwargs in requests:
        response = await client.request(method, path, **kwargs)
        assert 400 <= response.status_code < 500, (method, path, kwargs, response.status_code, response.text)
        if response.status_code not in (405, 413) and response.headers.get("content-type") == "application/json":
            assert response.json()["error"], (method, path)
        if response.status_code == 422:
            assert response.json()["path"].startswith("$"), (method, path, response.text)
    assert await snapshot(client, app, shopper) == before
