"""Issue 19's "done when", played in real Chromium once per language: a new store owner signs
up, picks a tone from the library, adds a campaign rule (a bad one first: refused, its field
named), sees the preview change in both nudge languages, and opens last week's report, whose
figures are the report API's for the same week. Nothing is done through a file.

The browser starts in Turkish (``tr-TR``): the Turkish journey keeps it; the English one
switches with the page's language menu, and the choice outlives a reload and follows the
user to a fresh Turkish browser (it is kept with the user). The Turkish journey also opens
the Live tab (a shopper's row, plan and "why this nudge") and an agency's page: every
string on them has a Turkish entry and axe finds nothing serious. The ledger holds
known data for each new store's id before it signs up (a week-old week and the last minutes).
With ``CARTCOACH_SCREENSHOTS`` set, the steps' pictures are written for ``docs/dashboard.md``.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from cartcoach.settings import Settings
from nudges.catalogue import Catalogue
from nudges.decision import Moment, proposals
from nudges.ledger import MemoryLedger
from nudges.stores import Store
from nudges.tones import LIBRARY
from overlay_api.app import create_app
from overlay_api.console import preview_profile
from scorer.events import CollectedEvent
from tests.browser.dashboard_data import run
from tests.browser.test_overlay_layout import AXE, serious_violations
from tests.live_server import LiveServer, free_port

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
EXPERIMENT = "nudges-v1"  # a new store's default experiment
HOUR_MS = 3_600_000
TONE = "playful"  # friendly with exclamation marks: its titles differ from the plain voice's


def last_week(today: date) -> tuple[str, str]:
    """Monday to Sunday of the week before ``today``'s, as the page's "Last week" picks it."""
    monday = today - timedelta(days=today.weekday())
    return (monday - timedelta(days=7)).isoformat(), (monday - timedelta(days=1)).isoformat()


def store_id(locale: str) -> str:
    return f"journey-{locale}"


async def fill_ledger(ledger: MemoryLedger, store: str, now_ms: int) -> None:
    """Exposures, impressions, clicks, verified purchases and a refund in the middle of last
    week, and a few in the last minutes (so a week that turns over mid-run still has data)."""
    since, _ = last_week(datetime.fromtimestamp(now_ms / 1000, UTC).date())
    wednesday = int(datetime.fromisoformat(since).replace(tzinfo=UTC).timestamp() * 1000) + 2 * 24 * HOUR_MS + 10 * HOUR_MS
    for start, scale in ((wednesday, 1), (now_ms - 10 * 60_000, 0)):
        for arm, n, incentive in (("holdout", 6 + 4 * scale, "none"), ("v1", 4 + 10 * scale, "survey"), ("v2", 3 + 9 * scale, "survey")):
            for i in range(n):
                session, at = f"s-{store}-{start}-{arm}-{i:03d}", start + i * 1000

                def ev(kind: str, offset: int, **kw: object) -> CollectedEvent:
                    return CollectedEvent(id=f"e-{uuid.uuid4().hex}", type=kind, ts=at + offset, at=at + offset,
                                          received_at=at + offset, store_id=store, visitor_id=f"v-{session}",
                                          session_id=session, **kw)

                await ledger.record(ev("overlay_decision", 0, experiment=EXPERIMENT, arm=arm, incentive=incentive,
                                       variant=f"trust.{incentive}", propensity=0.3,
                                       props={"reason": "trust", "cost": 0.0, "window_s": 86_400}))
                if arm != "holdout":
                    await ledger.record(ev("overlay_impression", 10, experiment=EXPERIMENT))
                    if i % 2 == 0:
                        await ledger.record(ev("overlay_click", 20, experiment=EXPERIMENT))
                if i < {"holdout": 1, "v1": 3, "v2": 2}[arm]:
                    await ledger.record(ev("purchase", 60_000, order_id=f"o-{session}", amount=249.9 + 100 * i, verified=True))
                if i == 0 and arm == "v1":
                    await ledger.record(ev("refund", 120_000, order_id=f"o-{session}", amount=249.9, verified=True))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("journey")
    port = free_port()
    stores = tmp / "stores.yaml"
    stores.write_text(f"""
rate_limits: {{collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}}
stores:
  - id: demo
    write_key: wk_journey_demo_01
    secret_key: sk_journey_demo_01
    allowed_origins: ["http://127.0.0.1:{port}"]
""", encoding="utf-8")
    ledger, now_ms = MemoryLedger(), int(time.time() * 1000)
    for locale in ("en", "tr"):
        run(fill_ledger(ledger, store_id(locale), now_ms))
    settings = Settings(stores_file=stores, port=port, data_dir=tmp / "data", stores_reload_s=0.5,
                        signin_rate_per_account="10/day", signin_rate_per_client="100/day")
    app = create_app(settings, ledger=ledger)
    with LiveServer(app, port=port, graceful_shutdown_s=0.5) as server:
        server.app = app  # type: ignore[attr-defined]
        yield server


@pytest.fixture(autouse=True, scope="module")
def patient_expect() -> Iterator[None]:
    """Sign-up hashes with argon2id (64 MiB, slow by design): on a loaded machine a round trip
    can pass Playwright's 5 s default, so these assertions wait for up to 30 s."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def served(live: LiveServer, store: str) -> Store:
    found = live.app.state.stores.by_id(store)  # type: ignore[attr-defined]
    assert found is not None
    return found


def first_variant(store: Store, reason: str, locale: str) -> tuple[str, str]:
    """The title and dismiss label the decision core itself proposes first (no product)."""
    moment = Moment(session_id="s", visitor_id=None, trigger="exit_intent", locale=locale, product_id=None, now_ms=0)
    work = proposals(store, preview_profile(store, reason, 100.0), moment, MemoryLedger(), Catalogue())
    with ThreadPoolExecutor(1) as pool:  # sync Playwright owns this thread's event loop
        variant = pool.submit(asyncio.run, work).result().variants[0]
    return variant.title, variant.dismiss_label


def amount(text: str, locale: str) -> float:
    """A figure as the page wrote it (₺1.234,56 in Turkish, ₺1,234.56 in English)."""
    digits = re.sub(r"[^0-9,.\-−]", "", text).replace("−", "-")
    digits = digits.replace(".", "").replace(",", ".") if locale == "tr" else digits.replace(",", "")
    return float(digits)


def shot(page: Page, selector: str, locale: str, step: str) -> None:
    if os.environ.get("CARTCOACH_SCREENSHOTS"):  # docs/dashboard.md's pictures, on request
        page.locator(selector).screenshot(path=str(DOCS_IMG / f"journey-{locale}-{step}.png"))


def cart_batch(write_key: str, session: str) -> dict:
    """A shopper's cart view, as the tag sends it: the Live panels get a row, a page type and signals."""
    now = int(time.time() * 1000)
    return {"v": 1, "write_key": write_key, "visitor_id": f"v-{session}", "session_id": session, "sent_at": now,
            "page": {"path": "/cart", "type": "cart", "device": "mobile"},
            "events": [{"id": f"e-{uuid.uuid4().hex}", "type": "cart_view", "ts": now - 10, "cart_value": 389.9, "cart_items": 1}]}


def no_missing_turkish(page: Page) -> None:
    assert page.evaluate("[...CartcoachI18n.missing]") == []


def live_panels_in_turkish(page: Page, live: LiveServer, write_key: str) -> None:
    """The Live tab with a shopper on it: the feed row, the plan, the installation census and
    the experiment's counts all in Turkish, and axe finds nothing serious."""
    page.click(".tab[data-view=live]")
    session = f"s-journey-{uuid.uuid4().hex[:10]}"
    httpx.post(live.url + "/v1/collect", json=cart_batch(write_key, session)).raise_for_status()
    row = page.locator(f'#feed tr[data-session="{session}"]')
    expect(row.locator("td.outcome")).to_have_text("açık")
    expect(row.locator("td.cart")).to_have_text("₺389,90")
    expect(row.locator("td.evidence")).to_have_text("Henüz belirgin bir tereddüt sinyali yok")  # the scorer's line, said in Turkish
    expect(page.locator("#feed-count")).to_have_text(re.compile(r"^\(\d+ oturum\)$"))
    expect(page.locator('#installation tr[data-page-type="cart"] th')).to_have_text("sepet")
    expect(page.locator('#exp-counts tr[data-arm="v1"] td[data-metric="exposures"]')).not_to_have_text("")
    expect(page.locator("#exp-method")).to_contain_text("her an geçerli")
    row.locator("button.plan-link").click()
    expect(page.locator('#plan [data-part="session"]')).to_contain_text(f"Oturum {session}")
    expect(page.locator('#plan [data-part="contact"]')).to_contain_text("Tanınmıyor")
    # "Why this nudge" for the same shopper: the trace's own words and the server's sentences in Turkish.
    page.click(".tab[data-view=reports]")
    page.fill("#why-session", session)
    page.click("#why-form button[type=submit]")
    expect(page.locator("#why-out .why-outcome")).to_have_text(re.compile(r"^(Gösterildi: .+|Kontrol grubu: .+|Hiçbir şey gösterilmedi)$"))
    shot(page, "#why", "tr", "5-why")
    no_missing_turkish(page)
    page.click(".tab[data-view=live]")
    found = serious_violations(page, "#app")  # the Live tab shows its panels only: one run checks them all
    assert not found, "\n".join(found)
    shot(page, "section:has(#feed)", "tr", "5-live")
    no_missing_turkish(page)
    # The panel's outbox link: the same sign-in, the same language.
    page.click("#outbox-link")
    expect(page.locator("#status")).to_have_text(f"{store_id('tr')}: 0 mesaj")
    expect(page.locator("#report th").first).to_have_text("Akış")
    assert page.title() == "cartcoach · giden kutusu"
    no_missing_turkish(page)
    page.go_back()
    expect(page.locator("#f-store")).to_have_value(store_id("tr"))


def agency_panel_in_turkish(page: Page, store: str) -> None:
    """An agency signs up and adds a client store: the Agency panel speaks Turkish too."""
    page.click("#sign-out")
    page.click("#show-signup")
    page.fill("#su-email", f"agency@{store}.example")
    page.fill("#su-password", "journey-long-password")
    page.check("input[name=kind][value=agency]")
    page.fill("#su-agency-name", "Ajans Deneme")
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#agency-title")).to_contain_text("Müşteri mağazaları")
    client = f"{store}-client"
    page.fill("#client-id", client)
    page.fill("#client-origin", f"https://{client}.example")
    page.click("#client-form button[type=submit]")
    expect(page.locator("#client-result")).to_contain_text(f"{client} eklendi")
    cells = page.locator(f'#agency-stores tr[data-store="{client}"] td')
    expect(cells.nth(1)).to_have_text("kurulmamış")
    expect(cells.nth(3)).to_have_text("₺0,00")
    found = serious_violations(page, "#agency")
    assert not found, "\n".join(found)
    shot(page, "#agency", "tr", "6-agency")
    no_missing_turkish(page)


def axe_clean(page: Page, selector: str, locale: str) -> None:
    if locale == "tr" and AXE.exists():  # the Turkish screens (the English ones are checked elsewhere)
        found = serious_violations(page, selector)
        assert not found, "\n".join(found)


@pytest.mark.parametrize("locale", ["tr", "en"])
def test_a_store_owner_goes_from_sign_up_to_last_weeks_report(live: LiveServer, browser: Browser, locale: str) -> None:
    # Reduced motion: a new feed row's highlight never fades mid-way through an axe contrast check.
    context = browser.new_context(locale="tr-TR", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(live.url + "/dashboard")
        expect(page.locator("html")).to_have_attribute("lang", "tr")  # the browser's language
        expect(page.locator("#login-title")).to_have_text("Giriş yap")
        if locale == "en":
            page.select_option("#lang", "en")
            expect(page.locator("#login-title")).to_have_text("Sign in")
            page.reload()  # remembered
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.locator("#lang")).to_have_value("en")
        t = {"tr": {"create": "Hesabı oluştur", "saved": "Kaydedildi", "syntax": "sözdizimi hatası"},
             "en": {"create": "Create account", "saved": "Saved", "syntax": "syntax error"}}[locale]
        store = store_id(locale)

        # 1. Sign-up: a new store, its keys shown once.
        page.click("#show-signup")
        page.fill("#su-email", f"owner@{store}.example")
        page.fill("#su-password", "journey-long-password")
        page.fill("#su-store-id", store)
        page.fill("#su-origin", f"https://{store}.example")
        page.select_option("#su-locale", locale)
        expect(page.locator("#signup-form button[type=submit]")).to_have_text(t["create"])
        axe_clean(page, "#signup", locale)
        shot(page, "#signup", locale, "1-signup")
        page.click("#signup-form button[type=submit]")
        expect(page.locator("#keys")).to_be_visible()
        secret = page.locator("#key-secret").inner_text()
        write_key = page.locator("#key-write").inner_text()
        assert secret == served(live, store).secret_key
        page.click("#keys-done")
        expect(page.locator("#f-store")).to_have_value(store)

        # 2. A tone from the library, its examples shown in both languages.
        plain = served(live, store)
        assert plain.tone is None
        page.click(".tab[data-view=settings]")
        expect(page.locator("#preview table[data-reason=trust] .variant")).to_have_count(6)
        page.select_option("#tone-pick", TONE)
        for lang in ("en", "tr"):
            expect(page.locator(f"#tone-examples div[data-locale={lang}] li")).to_have_text(LIBRARY[TONE].examples[lang])

        # 3. A campaign rule: a broken condition is refused naming its field, nothing saved.
        page.click("#add-rule")
        page.fill("input[name='rules[0].name']", "price-shoppers")
        page.fill("input[name='rules[0].when']", "reason ==")
        page.select_option("select[name='rules[0].tone']", "premium")
        page.click("#save-settings")
        expect(page.locator('#settings-errors li[data-field="rules[0].when"]')).to_contain_text(t["syntax"])  # the server's message, said in the page's language
        expect(page.locator("input[name='rules[0].when']")).to_have_class(re.compile(r"\bfield-error\b"))
        assert served(live, store).tone is None and served(live, store).rules == []
        page.fill("input[name='rules[0].when']", 'reason == "price"')
        page.click("#save-settings")
        expect(page.locator("#settings-saved")).to_contain_text(t["saved"])
        expect(page.locator("#settings-saved")).to_contain_text("tone")
        saved = served(live, store)
        assert saved.tone == TONE and [r.name for r in saved.rules] == ["price-shoppers"]
        expect(page.locator("#audit")).to_contain_text('tone: null → "playful"')
        expect(page.locator("#audit")).to_contain_text("rules: [] → ")
        axe_clean(page, "#settings-form", locale)  # the new fields (the preview is checked in test_console)
        shot(page, "#tone-set", locale, "2-tone")

        # 4. The preview speaks the new tone in both nudge languages, and the rule's tone for price.
        expect(page.locator("#preview")).to_have_attribute("data-tone", TONE)
        for lang in ("en", "tr"):
            for reason in ("trust", "price"):
                title, dismiss = first_variant(saved, reason, lang)
                box = page.locator(f'#preview table[data-reason={reason}] td[data-locale={lang}] .variant[data-rank="1"]')
                expect(box.locator("strong")).to_have_text("1. " + title)
                expect(box.locator(".dismiss")).to_have_text(dismiss)
            assert first_variant(saved, "trust", lang) != first_variant(plain, "trust", lang)  # the tone shows
            assert first_variant(saved, "trust", lang)[1] == LIBRARY[TONE].dismiss[lang]
            assert first_variant(saved, "price", lang)[1] == LIBRARY["premium"].dismiss[lang]  # the rule's tone
        shot(page, "#preview-area", locale, "3-preview")

        # 5. Last week's report: the report API's figures, written the language's way.
        page.click(".tab[data-view=reports]")
        weeks = {last_week(datetime.now(UTC).date())}
        page.click("#rep-last-week")
        weeks.add(last_week(datetime.now(UTC).date()))
        status = page.locator("#rep-status")
        expect(status).to_have_attribute("data-period", re.compile(r"^\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d$"))
        since, until = status.get_attribute("data-period").split("/")
        assert (since, until) in weeks
        report = httpx.get(f"{live.url}/v1/experiments/{EXPERIMENT}/report?from={since}&to={until}",
                           headers={"Authorization": f"Bearer {secret}"}).raise_for_status().json()
        summary = report["summary"]
        assert summary["treated_exposures"] > 0 and summary["attributed_revenue"] > 0  # last week has data
        for field in ("attributed_revenue", "incremental_revenue", "net_margin", "net_margin_vs_blanket_coupon"):
            cell = page.locator(f'#rep-summary dd[data-field="{field}"]')
            assert float(cell.get_attribute("data-value")) == summary[field], field
            assert amount(cell.inner_text(), locale) == pytest.approx(summary[field], abs=0.005), field
            assert "₺" in cell.inner_text()
        for row in (r for r in report["rows"] if r["reason"] == "all"):
            cells = page.locator(f'#rep-arms tr[data-arm="{row["arm"]}"] td').all_inner_texts()
            assert [int(c) for c in cells[1:6]] == [row[k] for k in ("exposures", "impressions", "clicks", "recoveries", "orders")]
            assert amount(cells[6], locale) == pytest.approx(row["revenue"], abs=0.005)
        expect(page.locator('#rep-nudges tr[data-incentive="survey"] td').nth(1)).to_have_text(
            str(next(n["exposures"] for n in report["nudges"] if n["incentive"] == "survey")))
        axe_clean(page, "#reports", locale)
        shot(page, "#reports", locale, "4-report")
        if locale == "tr":  # every piece of text on these screens had a Turkish entry
            no_missing_turkish(page)
            live_panels_in_turkish(page, live, write_key)
            agency_panel_in_turkish(page, store)
    finally:
        context.close()
    if locale == "en":
        the_language_follows_the_user(live, browser, store)


def the_language_follows_the_user(live: LiveServer, browser: Browser, store: str) -> None:
    """The English owner signs in from a fresh Turkish browser: the page turns English, as
    they chose before signing up (kept with the user, not only in the first browser)."""
    context = browser.new_context(locale="tr-TR", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live.url + "/dashboard")
        expect(page.locator("#login-title")).to_have_text("Giriş yap")  # before sign-in: the browser's language
        page.fill("#email", f"owner@{store}.example")
        page.fill("#password", "journey-long-password")
        page.click("#login-form button[type=submit]")
        expect(page.locator("#f-store")).to_have_value(store)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(".tab[data-view=live]")).to_have_text("Live")
    finally:
        context.close()
