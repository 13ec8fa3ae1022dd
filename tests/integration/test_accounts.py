"""Accounts over real HTTP, on SQLite and on a real PostgreSQL: sign-up, sessions, roles,
CSRF, sign-in throttling, settings that validate like the stores file, the audit log,
agencies that see only their clients, and the stores file's import and export."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from cartcoach.cli import app as cli
from cartcoach.settings import Settings
from overlay_api.app import create_app
from overlay_api.console import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from tests.browser.dashboard_data import EXPERIMENT, filled_ledger, run
from tests.live_server import LiveServer, free_port

OWNER, PASSWORD = "owner@shop.example", "owner-password-1"
STORES = """
rate_limits: {collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}
stores:
  - id: shop
    write_key: wk_shop_accounts_01
    secret_key: sk_shop_accounts_01
    allowed_origins: ["https://shop.example"]
    voice: friendly
    policy: {allowed_incentives: [reviews, coupon], max_coupon_pct: 10, margin_floor_pct: 30}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def settings_for(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    stores = tmp_path / "stores.yaml"
    if not stores.exists():
        stores.write_text(STORES, encoding="utf-8")
    values: dict[str, object] = dict(
        stores_file=stores, database_url=database_url, stores_reload_s=0.2, port=free_port(),
        owner_email=OWNER, owner_password=PASSWORD,
        signin_rate_per_account="1000/day", signin_rate_per_client="1000/day",
    )  # fmt: skip
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class Browser:
    """What the dashboard's script does: keep cookies, send the CSRF cookie back as a header."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.http.get("/dashboard").raise_for_status()  # sets the CSRF cookie

    def send(self, method: str, path: str, body: object | None = None, csrf: bool = True) -> httpx.Response:
        headers = {CSRF_HEADER: self.http.cookies.get(CSRF_COOKIE, "")} if csrf else {}
        return self.http.request(method, path, json=body, headers=headers)

    def sign_in(self, email: str = OWNER, password: str = PASSWORD) -> httpx.Response:
        return self.send("POST", "/dashboard/api/signin", {"email": email, "password": password})


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[tuple[LiveServer, Settings]]:
    settings = settings_for(tmp_path, database_url)
    app = create_app(settings)
    with LiveServer(app, port=settings.port) as server:
        server.app = app  # type: ignore[attr-defined]
        yield server, settings


def test_sign_up_creates_a_served_store_and_sign_out_ends_the_session(live) -> None:
    server, _ = live
    browser = Browser(server.url)
    made = browser.send("POST", "/dashboard/api/signup", {
        "email": "New.Owner@Example.com", "password": "a-long-password",
        "store": {"id": "newshop", "origin": "https://newshop.example", "locale": "tr"},
    })  # fmt: skip
    assert made.status_code == 201, made.text
    keys = made.json()
    assert keys["store_id"] == "newshop" and keys["secret_key"].startswith("sk_")
    me = browser.send("GET", "/dashboard/api/me").json()
    assert me["email"] == "new.owner@example.com"
    assert [(s["id"], s["role"]) for s in me["stores"]] == [("newshop", "owner")]
    # The new store is served at once: its secret key opens the API.
    api = httpx.get(server.url + "/v1/experiments", headers={"Authorization": f"Bearer {keys['secret_key']}"})
    assert api.status_code == 200
    # The cookie is HttpOnly, SameSite=Strict, scoped to the dashboard.
    cookie = next(h for h in made.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and "path=/dashboard" in cookie.lower()
    stolen = dict(browser.http.cookies)
    assert browser.send("POST", "/dashboard/api/signout").status_code == 200
    assert browser.send("GET", "/dashboard/api/me").status_code == 401
    replay = httpx.get(server.url + "/dashboard/api/me", cookies=stolen)
    assert replay.status_code == 401  # the server forgot the session, not only the browser
    # The same address cannot sign up twice; a bad store is refused before any user exists.
    again = browser.send("POST", "/dashboard/api/signup", {"email": "new.owner@example.com", "password": "a-long-password",
                                                             "agency": {"name": "Another"}})
    assert again.status_code == 422 and again.json()["path"] == "email"
    bad = browser.send("POST", "/dashboard/api/signup", {"email": "x@example.com", "password": "a-long-password",
                                                           "store": {"id": "Bad Id!", "origin": "https://x.example"}})
    assert bad.status_code == 422 and bad.json()["path"] == "store.id"
    assert browser.sign_in("x@example.com", "a-long-password").status_code == 401


def test_the_dashboard_language_is_kept_with_the_user_not_the_browser(live) -> None:
    server, _ = live
    first = Browser(server.url)
    first.sign_in()
    assert first.send("GET", "/dashboard/api/me").json()["language"] is None  # not chosen: the browser's applies
    assert first.send("PUT", "/dashboard/api/me/language", {"language": "tr"}, csrf=False).status_code == 403
    bad = first.send("PUT", "/dashboard/api/me/language", {"language": "de"})
    assert bad.status_code == 422 and bad.json()["path"] == "language"
    assert bad.json()["errors"][0]["template"] == "one of {values}"
    assert first.send("PUT", "/dashboard/api/me/language", {"language": "tr"}).json() == {"language": "tr"}
    # Another browser, another session: the same user, the same language.
    other = Browser(server.url)
    other.sign_in()
    assert other.send("GET", "/dashboard/api/me").json()["language"] == "tr"
    assert httpx.put(server.url + "/dashboard/api/me/language", json={"language": "en"}).status_code in (401, 403)
    # A new account keeps the language its sign-up page spoke.
    new = Browser(server.url)
    made = new.send("POST", "/dashboard/api/signup", {"email": "dil@example.com", "password": "a-long-password",
                                                        "agency": {"name": "Dil Ajansı"}, "language": "tr"})
    assert made.status_code == 201, made.text
    assert new.send("GET", "/dashboard/api/me").json()["language"] == "tr"


def test_a_saved_setting_serves_at_once_is_audited_and_wins_over_the_file(live, tmp_path: Path) -> None:
    server, settings = live
    browser = Browser(server.url)
    assert browser.sign_in().status_code == 200
    saved = browser.send("PUT", "/dashboard/api/stores/shop/settings",
                         {"changes": {"voice": "formal", "policy": {"max_coupon_pct": 15}}})
    assert saved.status_code == 200, saved.text
    assert saved.json()["changed"] == ["policy.max_coupon_pct", "voice"]
    served = server.app.state.stores.by_id("shop")  # type: ignore[attr-defined]
    assert served.voice == "formal" and served.policy.max_coupon_pct == 15
    view = browser.send("GET", "/dashboard/api/stores/shop/settings").json()
    assert view["settings"]["voice"] == "formal"
    assert {(a["field"], a["before"], a["after"]) for a in view["audit"]} == {
        ("voice", "friendly", "formal"), ("policy.max_coupon_pct", 10, 15)}
    # An edit of the file later does not undo the database's version of this store.
    settings.stores_file.write_text(STORES.replace("voice: friendly", "voice: friendly  # edited"), encoding="utf-8")
    time.sleep(1.0)
    assert server.app.state.stores.by_id("shop").voice == "formal"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"policy": {"max_coupon_pct": 150}}, "policy.max_coupon_pct"),
        ({"brand_tier": "premium"}, "policy.allowed_incentives"),  # premium never offers coupons
        ({"policy": {"allowed_incentives": ["installments"]}}, "policy.installments"),
        ({"experiment": {"holdout": 1.5}}, "experiment.holdout"),
        ({"experiment": {"weights": [0, 0, 0]}}, "experiment.weights"),
        ({"voice": "shouty"}, "voice"),
        ({"policy": {"no_such_field": 1}}, "policy"),
        ({"secret_key": "sk_mine_for_now"}, "secret_key"),
        ({"tone": "loud"}, "tone"),  # not in the library
        ({"rules": [{"name": "big", "when": "colour == 1"}]}, "rules[0].when"),
    ],
)
def test_bad_settings_name_the_field_and_change_nothing(live, changes: dict, field: str) -> None:
    server, _ = live
    browser = Browser(server.url)
    browser.sign_in()
    before = browser.send("GET", "/dashboard/api/stores/shop/settings").json()
    refused = browser.send("PUT", "/dashboard/api/stores/shop/settings", {"changes": changes})
    assert refused.status_code == 422, refused.text
    assert refused.json()["path"] == field and refused.json()["errors"][0]["message"]
    # The English message stays for API users; the dashboard also gets it as a template with values.
    said = refused.json()["errors"][0]
    filled = said["template"]
    for name, value in said["values"].items():
        filled = filled.replace("{" + name + "}", value)
    assert filled == said["message"]
    assert browser.send("GET", "/dashboard/api/stores/shop/settings").json() == before
    assert server.app.state.stores.by_id("shop").policy.max_coupon_pct == 10  # type: ignore[attr-defined]


def test_a_copied_tone_and_a_rule_are_saved_audited_previewed_and_replaced_whole(live) -> None:
    server, _ = live
    browser = Browser(server.url)
    browser.sign_in()
    view = browser.send("GET", "/dashboard/api/stores/shop/settings").json()
    assert set(view["tones"]) == {"warm", "concise", "premium", "playful", "expert"}
    assert view["tones"]["warm"]["examples"]["tr"]  # the library's examples, for the page to show
    copy = {"like": "warm", "cta": {"en": "Take me to checkout"}, "dismiss": {"tr": "Sonra bakarım"}}
    rule = {"name": "price-premium", "when": 'reason == "price"', "tone": "premium"}
    saved = browser.send("PUT", "/dashboard/api/stores/shop/settings", {"changes": {"tone": copy, "rules": [rule]}})
    assert saved.status_code == 200, saved.text
    served = server.app.state.stores.by_id("shop")  # type: ignore[attr-defined]
    assert served.tone_in_force.dismiss == {"en": "Maybe later", "tr": "Sonra bakarım"} and served.rules[0].tone == "premium"
    fields = {a["field"] for a in browser.send("GET", "/dashboard/api/stores/shop/settings").json()["audit"]}
    assert {"tone.like", "tone.cta.en", "tone.dismiss.tr", "rules"} <= fields
    preview = browser.send("POST", "/dashboard/api/stores/shop/preview", {"changes": {}}).json()
    assert preview["tone"] == "copy of warm"
    assert {v["dismiss"] for v in preview["variants"]["trust"]["tr"]} == {"Sonra bakarım"}
    assert {v["dismiss"] for v in preview["variants"]["price"]["en"]} == {"Close"}  # the rule's premium tone
    # A library tone picked afterwards replaces the copy whole (its overrides do not linger).
    browser.send("PUT", "/dashboard/api/stores/shop/settings", {"changes": {"tone": "concise", "rules": []}}).raise_for_status()
    served = server.app.state.stores.by_id("shop")  # type: ignore[attr-defined]
    assert served.tone == "concise" and served.rules == []


def test_an_analyst_reads_but_cannot_save_and_csrf_is_required(live) -> None:
    server, _ = live
    owner = Browser(server.url)
    owner.sign_in()
    invitation = owner.send("POST", "/dashboard/api/stores/shop/invitations", {"role": "analyst"})
    assert invitation.status_code == 201
    analyst = Browser(server.url)
    joined = analyst.send("POST", "/dashboard/api/signup", {"email": "analyst@cro.example", "password": "analyst-password",
                                                              "invitation": invitation.json()["invitation"]})
    assert joined.status_code == 201 and joined.json()["role"] == "analyst"
    assert analyst.send("GET", "/dashboard/api/stores/shop/settings").json()["role"] == "analyst"
    refused = analyst.send("PUT", "/dashboard/api/stores/shop/settings", {"changes": {"voice": "formal"}})
    assert refused.status_code == 403
    assert analyst.send("POST", "/dashboard/api/stores/shop/invitations", {"role": "owner"}).status_code == 403
    # The invitation was single-use.
    reuse = Browser(server.url).send("POST", "/dashboard/api/signup", {
        "email": "other@cro.example", "password": "analyst-password", "invitation": invitation.json()["invitation"]})
    assert reuse.status_code == 422 and reuse.json()["path"] == "invitation"
    # Without the CSRF header (or with a forged one), a signed-in owner's change is refused.
    assert owner.send("PUT", "/dashboard/api/stores/shop/settings", {"changes": {"voice": "formal"}},
                      csrf=False).status_code == 403
    forged = owner.http.put("/dashboard/api/stores/shop/settings", json={"changes": {"voice": "formal"}},
                            headers={CSRF_HEADER: "forged.token"})
    assert forged.status_code == 403
    assert owner.send("POST", "/dashboard/api/signin", {"email": OWNER, "password": PASSWORD}, csrf=False).status_code == 403
    assert server.app.state.stores.by_id("shop").voice == "friendly"  # type: ignore[attr-defined]
    # The store's secret key still opens the API routes (no cookie, no CSRF needed).
    token = httpx.post(server.url + "/dashboard/api/token", headers={"Authorization": "Bearer sk_shop_accounts_01"})
    assert token.status_code == 200


def test_an_agency_sees_its_clients_and_no_other_store(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    ledger = filled_ledger("client-a")  # client-a's experiment has exposures and verified orders
    tallies = run(ledger.tallies("client-a", EXPERIMENT))
    with LiveServer(create_app(settings, ledger=ledger), port=settings.port) as server:
        check_agency(server, tallies)


def check_agency(server: LiveServer, tallies) -> None:  # type: ignore[no-untyped-def]
    agency = Browser(server.url)
    made = agency.send("POST", "/dashboard/api/signup", {"email": "lead@agency.example", "password": "agency-password",
                                                           "agency": {"name": "Funnel Fixers"}})
    assert made.status_code == 201
    agency_id = made.json()["agency_id"]
    for client in ("client-a", "client-b"):
        added = agency.send("POST", f"/dashboard/api/agencies/{agency_id}/stores",
                            {"store": {"id": client, "origin": f"https://{client}.example"}})
        assert added.status_code == 201, added.text
    write_key = agency.send("GET", "/dashboard/api/stores/client-a/settings").json()["write_key"]
    now = int(time.time() * 1000)
    batch = {"v": 1, "write_key": write_key, "visitor_id": "v-agency-0001", "session_id": "s-agency-0001",
             "sent_at": now, "page": {"path": "/cart", "type": "cart", "device": "desktop"},
             "events": [{"id": f"e-agency-{i}", "type": "cart_view", "ts": now - 10 + i, "cart_value": 120.0,
                         "cart_items": 1} for i in range(3)]}
    collected = httpx.post(server.url + "/v1/collect", json=batch, headers={"Origin": "https://client-a.example"})
    assert collected.status_code == 202, collected.text
    page = agency.send("GET", f"/dashboard/api/agencies/{agency_id}").json()
    assert [s["store_id"] for s in page["stores"]] == ["client-a", "client-b"]
    a, b = page["stores"]
    assert (a["events_last_hour"], a["installation"]) == (3, "receiving")
    treated = [t for (arm, _), t in tallies.items() if arm != "holdout"]
    assert a["overlays_shown"] == sum(t.exposures for t in treated) > 0
    assert a["recovered_revenue_verified"] == round(sum(t.revenue for t in treated), 2) > 0
    assert (b["events_last_hour"], b["installation"], b["overlays_shown"]) == (0, "not installed", 0)
    assert agency.send("GET", "/dashboard/api/stores/shop/settings").status_code == 404
    assert agency.send("GET", "/dashboard/api/summary?store=shop").status_code == 404
    owner = Browser(server.url)
    owner.sign_in()
    assert owner.send("GET", f"/dashboard/api/agencies/{agency_id}").status_code == 404
    assert owner.send("GET", "/dashboard/api/stores/client-a/settings").status_code == 404


def test_sign_in_is_throttled_per_account_and_per_client(tmp_path: Path, sqlite_url: str) -> None:
    # Per day: a test never straddles a window edge (the sliding window would let one through).
    settings = settings_for(tmp_path, sqlite_url, signin_rate_per_account="5/day", signin_rate_per_client="12/day")
    with LiveServer(create_app(settings), port=settings.port) as server:
        browser = Browser(server.url)
        assert [browser.sign_in(password="wrong-password").status_code for _ in range(5)] == [401] * 5
        blocked = browser.sign_in()  # even the right password: this account is resting
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        other = [browser.sign_in(email=f"nobody{i}@example.com").status_code for i in range(7)]
        assert other == [401] * 6 + [429]  # 12 attempts from this client in all


def test_cookies_are_secure_off_loopback(tmp_path: Path, sqlite_url: str) -> None:
    settings = settings_for(tmp_path, sqlite_url, cookie_secure=True)
    with LiveServer(create_app(settings), port=settings.port) as server:
        first = httpx.get(server.url + "/dashboard")
        csrf = next(h for h in first.headers.get_list("set-cookie") if h.startswith(CSRF_COOKIE))
        assert "secure" in csrf.lower() and "samesite=strict" in csrf.lower()
        # A shopper's request to the collector or the demo store gets no dashboard cookie.
        assert "set-cookie" not in httpx.get(server.url + "/healthz").headers


def test_import_then_export_round_trips_and_the_database_wins(tmp_path: Path, database_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    stores = tmp_path / "stores.yaml"
    stores.write_text(STORES, encoding="utf-8")
    monkeypatch.setenv("CARTCOACH_DATABASE_URL", database_url)
    monkeypatch.setenv("CARTCOACH_STORES_FILE", str(stores))
    runner = CliRunner()
    imported = runner.invoke(cli, ["stores", "import", str(stores)])
    assert imported.exit_code == 0, imported.output
    assert "imported 1 store(s): shop" in imported.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(STORES.replace("max_coupon_pct: 10", "max_coupon_pct: 500"), encoding="utf-8")
    refused = runner.invoke(cli, ["stores", "import", str(broken)])
    assert refused.exit_code == 1 and "max_coupon_pct" in refused.output
    stores.write_text(STORES.replace("voice: friendly", "voice: formal"), encoding="utf-8")  # the file moves on
    out = tmp_path / "exported.yaml"
    assert runner.invoke(cli, ["stores", "export", "--out", str(out)]).exit_code == 0
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    shop = exported["stores"][0]
    assert shop["voice"] == "friendly" and shop["policy"]["max_coupon_pct"] == 10  # the database's version
    assert json.loads(json.dumps(shop)) == yaml.safe_load(STORES)["stores"][0]


def test_a_save_on_one_api_process_serves_on_another_without_a_restart(tmp_path: Path, postgres_url: str) -> None:
    """The full path: two API processes share PostgreSQL; the other one follows within its poll."""
    one = settings_for(tmp_path, postgres_url)
    two = settings_for(tmp_path, postgres_url, port=free_port())
    app_two = create_app(two)
    with LiveServer(create_app(one), port=one.port) as first, LiveServer(app_two, port=two.port):
        browser = Browser(first.url)
        assert browser.sign_in().status_code == 200
        saved = browser.send("PUT", "/dashboard/api/stores/shop/settings", {"changes": {"brand_tier": "value"}})
        assert saved.status_code == 200, saved.text
        deadline = time.monotonic() + 10
        while app_two.state.stores.by_id("shop").brand_tier != "value":
            assert time.monotonic() < deadline, "the second process never served the saved settings"
            time.sleep(0.1)


def test_hostile_requests_to_the_console_get_a_4xx_and_change_nothing(live) -> None:
    server, _ = live
    owner = Browser(server.url)
    owner.sign_in()
    before = owner.send("GET", "/dashboard/api/stores/shop/settings").json()
    token = {CSRF_HEADER: owner.http.cookies.get(CSRF_COOKIE, "")}
    cases = [
        ("PUT", "/dashboard/api/stores/shop/settings", {"content": b"{", "headers": {**token, "content-type": "application/json"}}, 400),
        ("PUT", "/dashboard/api/stores/shop/settings", {"content": b"voice=formal", "headers": {**token, "content-type": "text/plain"}}, 415),
        ("PUT", "/dashboard/api/stores/shop/settings", {"json": ["voice"], "headers": token}, 422),
        ("PUT", "/dashboard/api/stores/shop/settings", {"json": {"changes": "formal"}, "headers": token}, 422),
        ("PUT", "/dashboard/api/stores/shop/settings", {"json": {"changes": {"policy": 5}}, "headers": token}, 422),
        ("PUT", "/dashboard/api/stores/shop/settings", {"json": {"changes": {"flows": {"plans": "x" * 5000}}}, "headers": token}, 422),
        ("PUT", "/dashboard/api/stores/nope/settings", {"json": {"changes": {}}, "headers": token}, 404),
        ("POST", "/dashboard/api/stores/shop/preview", {"json": {"product_id": "no-such-product"}, "headers": token}, 422),
        ("POST", "/dashboard/api/stores/shop/invitations", {"json": {"role": "admin"}, "headers": token}, 422),
        ("POST", "/dashboard/api/signup", {"json": {"email": "not-an-email", "password": "x" * 20, "agency": {"name": "A B"}}, "headers": token}, 422),
        ("POST", "/dashboard/api/signup", {"json": {"email": "a@b.example", "password": "short", "agency": {"name": "A B"}}, "headers": token}, 422),
        ("POST", "/dashboard/api/signup", {"json": {"email": "a@b.example", "password": "x" * 20}, "headers": token}, 422),
        ("GET", "/dashboard/api/agencies/none", {}, 404),
    ]
    for method, path, kwargs, status in cases:
        answer = owner.http.request(method, path, **kwargs)
        assert answer.status_code == status, (method, path, kwargs, answer.text)
        assert "error" in answer.json()
    assert owner.send("GET", "/dashboard/api/stores/shop/settings").json() == before
    assert owner.send("POST", "/dashboard/api/signin", {"email": "a@b.example", "password": "x" * 20}).status_code == 401


async def test_the_preview_is_the_decision_cores_own_variants_for_a_catalogue_product(tmp_path: Path) -> None:
    """With the shipped demo store and its catalogue: product p4 (5 in stock, the low-stock line)."""
    from nudges.decision import Moment, proposals
    from nudges.ledger import MemoryLedger
    from overlay_api.console import preview_profile

    settings = Settings(data_dir=tmp_path, stores_reload_s=0, owner_email=OWNER, owner_password=PASSWORD,
                        port=free_port())
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            await http.get("/dashboard")
            headers = {CSRF_HEADER: http.cookies.get(CSRF_COOKIE, "")}
            signed = await http.post("/dashboard/api/signin", json={"email": OWNER, "password": PASSWORD}, headers=headers)
            assert signed.status_code == 200
            view = (await http.get("/dashboard/api/stores/demo/settings")).json()
            assert "p4" in {p["id"] for p in view["products"]}
            answer = await http.post("/dashboard/api/stores/demo/preview", headers=headers,
                                     json={"changes": {"voice": "formal"}, "product_id": "p4"})
            assert answer.status_code == 200, answer.text
            shown = answer.json()["variants"]
        demo = app.state.stores.by_id("demo")
        assert demo.voice == "friendly"  # a preview saves nothing
        formal = app.state.store_settings.draft("demo", {"voice": "formal"})[1]
        product = app.state.catalogue.product("demo", "p4")
        for reason in ("price", "trust", "shipping_speed", "indecision", "checkout_friction"):
            for locale in ("en", "tr"):
                moment = Moment(session_id="s", visitor_id=None, trigger="exit_intent", locale=locale,
                                product_id="p4", now_ms=int(time.time() * 1000))
                variants = (await proposals(formal, preview_profile(formal, reason, product.price), moment,
                                            MemoryLedger(), app.state.catalogue)).variants
                assert [v["title"] for v in shown[reason][locale]] == [v.title for v in variants]
                assert [v["body"] for v in shown[reason][locale]] == [v.body for v in variants]
                assert len(shown[reason][locale]) == 3
