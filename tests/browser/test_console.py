"""The store owner's and the agency's console in real Chromium: sign-up, sign-in, a changed
tone previewed and saved, an analyst who cannot save, an agency that sees only its clients,
CSRF and sign-in throttling as a browser meets them, and axe-core on the settings view."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cartcoach.settings import Settings
from nudges.catalogue import Catalogue
from nudges.decision import Moment, proposals
from nudges.ledger import MemoryLedger
from nudges.stores import Store
from overlay_api.app import create_app
from overlay_api.console import preview_profile
from tests.browser.test_overlay_layout import AXE, serious_violations
from tests.live_server import LiveServer, free_port

EMAIL, PASSWORD = "ayse@newshop.example", "ayse-long-password"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("console")
    port = free_port()
    stores = tmp / "stores.yaml"
    stores.write_text(
        f"""
rate_limits: {{collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}}
stores:
  - id: demo
    write_key: wk_console_demo_01
    secret_key: sk_console_demo_01
    allowed_origins: ["http://127.0.0.1:{port}"]
""",
        encoding="utf-8",
    )
    # Per day: no test straddles a window edge. Every sign-up and sign-in below counts.
    settings = Settings(stores_file=stores, port=port, data_dir=tmp / "data", stores_reload_s=0.5,
                        signin_rate_per_account="4/day", signin_rate_per_client="100/day")
    app = create_app(settings)
    with LiveServer(app, port=port, graceful_shutdown_s=0.5) as live:
        live.app = app  # type: ignore[attr-defined]
        yield live


@pytest.fixture(autouse=True, scope="module")
def patient_expect() -> Iterator[None]:
    """Sign-up and sign-in hash with argon2id (64 MiB, by design slow): on a loaded machine a
    round trip can pass Playwright's 5 s default, so these assertions wait for up to 30 s."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


def served(live: LiveServer, store_id: str) -> Store:
    store = live.app.state.stores.by_id(store_id)  # type: ignore[attr-defined]
    assert store is not None
    return store


def first_title(store: Store, reason: str, locale: str) -> str:
    """What the decision core itself proposes first for a confident shopper (no product)."""
    moment = Moment(session_id="s", visitor_id=None, trigger="exit_intent", locale=locale, product_id=None, now_ms=0)
    work = proposals(store, preview_profile(store, reason, 100.0), moment, MemoryLedger(), Catalogue())
    with ThreadPoolExecutor(1) as pool:  # sync Playwright owns this thread's event loop
        variants = pool.submit(asyncio.run, work).result().variants
    return variants[0].title


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/dashboard")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")


def in_page(page: Page, method: str, path: str, body: object, csrf: bool = True) -> int:
    """A request from the signed-in page, as its own script makes them (with or without the CSRF header)."""
    return page.evaluate(
        """async ([method, path, body, csrf]) => {
          const token = decodeURIComponent((document.cookie.split('; ').find(c => c.startsWith('cartcoach_csrf=')) || '=').split('=')[1]);
          const headers = {'Content-Type': 'application/json'};
          if (csrf) headers['X-CSRF-Token'] = token;
          const r = await fetch(path, {method, headers, body: JSON.stringify(body)});
          return [r.status, await r.json().catch(() => null)];
        }""",
        [method, path, body, csrf],
    )


def test_sign_up_sign_in_change_the_tone_and_preview_it(console: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(console.url + "/dashboard")
    page.click("#show-signup")
    page.fill("#su-email", EMAIL)
    page.fill("#su-password", PASSWORD)
    page.fill("#su-store-id", "newshop")
    page.fill("#su-origin", "https://newshop.example")
    page.select_option("#su-locale", "tr")
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#keys")).to_be_visible()
    expect(page.locator("#key-secret")).to_have_text(served(console, "newshop").secret_key)
    page.click("#keys-done")
    expect(page.locator("#app")).to_be_visible()
    page.click("#sign-out")
    expect(page.locator("#login")).to_be_visible()

    sign_in(page, console.url, EMAIL, PASSWORD)
    expect(page.locator("#f-store")).to_have_value("newshop")
    page.click(".tab[data-view=settings]")
    expect(page.locator("#settings")).to_be_visible()
    expect(page.locator("#save-settings")).to_be_enabled()
    friendly = served(console, "newshop")
    title = page.locator('#preview table[data-reason=trust] td[data-locale=en] .variant[data-rank="1"] strong')
    expect(title).to_have_text("1. " + first_title(friendly, "trust", "en"))
    expect(page.locator('#preview table[data-reason=trust] td[data-locale=tr] .variant')).to_have_count(3)
    for reason in ("price", "trust", "shipping_speed", "indecision", "checkout_friction"):
        expect(page.locator(f"#preview table[data-reason={reason}] .variant")).to_have_count(6)

    # The preview follows the draft before it is saved...
    page.select_option("#settings-form select[name=voice]", "formal")
    formal = Store(**{**{f: getattr(friendly, f) for f in friendly.__struct_fields__}, "voice": "formal"})
    assert first_title(formal, "trust", "tr") != first_title(friendly, "trust", "tr")  # the tones differ
    expect(page.locator("#preview")).to_have_attribute("data-voice", "formal")
    expect(page.locator('#preview table[data-reason=trust] td[data-locale=tr] .variant[data-rank="1"] strong')).to_have_text(
        "1. " + first_title(formal, "trust", "tr"))
    assert served(console, "newshop").voice == "friendly"
    # ...and the running API serves it once saved, without a restart.
    page.click("#save-settings")
    expect(page.locator("#settings-saved")).to_contain_text("voice")
    assert served(console, "newshop").voice == "formal"
    expect(page.locator("#audit li").first).to_contain_text('voice: "friendly" → "formal"')

    # A bad value is refused with its field named, and nothing changes.
    page.fill("#settings-form input[name='policy.max_coupon_pct']", "150")
    page.click("#save-settings")
    expect(page.locator('#settings-errors li[data-field="policy.max_coupon_pct"]')).to_be_visible()
    expect(page.locator("#settings-form input[name='policy.max_coupon_pct']")).to_have_class("field-error")
    assert served(console, "newshop").policy.max_coupon_pct == 0.0

    # Without the CSRF header, a change is refused even from the signed-in page.
    status, _ = in_page(page, "PUT", "/dashboard/api/stores/newshop/settings", {"changes": {"voice": "friendly"}}, csrf=False)
    assert status == 403 and served(console, "newshop").voice == "formal"

    if AXE.exists():  # the settings view with its errors and preview shown
        found = serious_violations(page)
        assert not found, "\n".join(found)


def test_an_analyst_sees_the_settings_but_cannot_save(console: LiveServer, context: BrowserContext,
                                                      browser: Browser) -> None:
    owner = context.new_page()
    sign_in(owner, console.url, "owner2@shop2.example", "wrong")  # nobody yet: refused, nothing shown
    expect(owner.locator("#login-error")).to_contain_text("Wrong e-mail or password")
    status, made = in_page(owner, "POST", "/dashboard/api/signup", {
        "email": "owner2@shop2.example", "password": "owner2-password", "store": {"id": "shop2", "origin": "https://shop2.example"}})
    assert status == 201
    status, invitation = in_page(owner, "POST", "/dashboard/api/stores/shop2/invitations", {"role": "analyst"})
    assert status == 201

    other = browser.new_context()
    try:
        page = other.new_page()
        page.goto(console.url + "/dashboard#invitation=" + invitation["invitation"])
        expect(page.locator("#su-invited")).to_be_visible()
        page.fill("#su-email", "analyst@cro.example")
        page.fill("#su-password", "analyst-password")
        page.click("#signup-form button[type=submit]")
        expect(page.locator("#f-store")).to_have_value("shop2")
        page.click(".tab[data-view=settings]")
        expect(page.locator("#settings-readonly")).to_be_visible()
        expect(page.locator("#save-settings")).to_be_disabled()
        expect(page.locator("#preview table[data-reason=price] .variant")).to_have_count(6)  # previews still work
        status, _ = in_page(page, "PUT", "/dashboard/api/stores/shop2/settings", {"changes": {"voice": "formal"}})
        assert status == 403
        assert served(console, "shop2").voice == "friendly"
    finally:
        other.close()


def test_an_agency_sees_only_its_clients(console: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(console.url + "/dashboard")
    page.click("#show-signup")
    page.fill("#su-email", "lead@funnel.example")
    page.fill("#su-password", "agency-password")
    page.check("input[name=kind][value=agency]")
    page.fill("#su-agency-name", "Funnel Fixers")
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#tab-agency")).to_be_visible()
    page.click("#tab-agency")
    for client in ("client-one", "client-two"):
        page.fill("#client-id", client)
        page.fill("#client-origin", f"https://{client}.example")
        page.click("#client-form button[type=submit]")
        expect(page.locator("#client-result")).to_contain_text("Added " + client)
    rows = page.locator("#agency-stores tbody tr")
    expect(rows).to_have_count(2)
    assert [r.get_attribute("data-store") for r in rows.all()] == ["client-one", "client-two"]
    expect(rows.first.locator("td").nth(1)).to_have_text("not installed")
    expect(page.locator("#agency-name")).to_have_text("Funnel Fixers")
    # Other stores (the demo, another owner's) are not there, and their data is not reachable.
    for store in ("demo", "newshop", "shop2"):
        status, _ = in_page(page, "POST", f"/dashboard/api/stores/{store}/preview", {"changes": {}})
        assert status == 404


def test_sign_in_is_throttled_and_says_so(console: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    for _ in range(4):
        sign_in(page, console.url, "victim@shop.example", "guess-number-n")
        expect(page.locator("#login-error")).to_contain_text("Wrong e-mail or password")
    sign_in(page, console.url, "victim@shop.example", "guess-number-n")
    expect(page.locator("#login-error")).to_contain_text("Too many requests")
    expect(page.locator("#app")).to_be_hidden()
