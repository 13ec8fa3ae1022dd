"""The CRO report in real Chromium: a date range equal to the report API's figures, CSV and PDF
downloads with the API's numbers, the drift alarm from stored hourly aggregates, and the
"why this nudge" trace of a session.

The server is the embedded app with a ledger, a profile store and a reason history filled
with known data before it starts: three days of exposures (one outside the period asked
for), a shifted reason mix in the last hours, and one price shopper whose coupon a
campaign rule forbids.
"""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from cartcoach.settings import Settings
from nudges.ledger import MemoryLedger
from overlay_api.app import create_app
from scorer.events import REASONS, CollectedEvent
from scorer.profile import AbandonmentProfile
from stream.profile_store import MemoryProfileStore
from stream.reason_history import HOUR_MS
from tests.browser.dashboard_data import run
from tests.browser.test_overlay_layout import serious_violations
from tests.live_server import LiveServer, free_port

SECRET = "sk_reports_test_0001"
OWNER, PASSWORD = "owner@reports.example", "reports-owner-password"  # the dashboard's sign-in
WRITE_KEY = "wk_reports_test_0001"
EXPERIMENT = "nudges-v1"
DAY_MS = 24 * HOUR_MS
NOW = int(time.time() * 1000)
#: Days ago of each cohort: the first falls outside the period the test asks for.
COHORTS = (10, 3, 0)
TRACED = "s-trace-price-0001"
#: The panels' pictures in docs/dashboard.md, refreshed by these tests.
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def _ev(kind: str, at: int, session: str, **kw: object) -> CollectedEvent:
    return CollectedEvent(id=f"e-{uuid.uuid4().hex}", type=kind, ts=at, at=at, received_at=at, store_id="demo",
                          visitor_id=f"v-{session}", session_id=session, **kw)


async def fill_ledger(ledger: MemoryLedger) -> None:
    """Per cohort: 20 holdout, 30 v1 (reviews), 30 v2 (warranty) sessions with impressions,
    clicks, verified purchases and a refund; sizes differ per cohort so periods differ."""
    for c, ago in enumerate(COHORTS):
        start = NOW - ago * DAY_MS - HOUR_MS  # an hour before "now" on that day
        for arm, n, incentive in (("holdout", 20, "none"), ("v1", 30 + c, "reviews"), ("v2", 30 - c, "warranty")):
            for i in range(n):
                session, at = f"s-{c}-{arm}-{i:03d}", start + i
                await ledger.record(_ev("overlay_decision", at, session, experiment=EXPERIMENT, arm=arm,
                                        incentive=incentive, variant=f"trust.{incentive}", propensity=0.3,
                                        props={"reason": "trust" if i % 3 else "price", "cost": 0.0 if arm == "holdout" else 4.5,
                                               "window_s": 86_400}))
                if arm != "holdout" and i % 2 == 0:
                    await ledger.record(_ev("overlay_impression", at + 10, session, experiment=EXPERIMENT))
                if arm != "holdout" and i % 5 == 0:
                    await ledger.record(_ev("overlay_click", at + 20, session, experiment=EXPERIMENT))
                buys = {"holdout": 3, "v1": 6 + c, "v2": 5}[arm]
                if i < buys:
                    await ledger.record(_ev("purchase", at + 60_000, session, order_id=f"o-{session}",
                                            amount=150.0 + 10 * i, verified=True))
                if i == 0 and arm == "v1":
                    await ledger.record(_ev("refund", at + 120_000, session, order_id=f"o-{session}",
                                            amount=150.0, verified=True))


def profile(session: str, at: int, reason: str) -> AbandonmentProfile:
    reasons = {r: (0.82 if r == reason else 0.045) for r in REASONS}
    return AbandonmentProfile(store_id="demo", session_id=session, visitor_id=f"v-{session}", at=at, reasons=reasons,
                              top_reason=reason, confidence=0.82, risk=0.7, evidence=["Clicked into the coupon field twice"],
                              cart_value=400.0, device="desktop", events_seen=6, model_version="m@test")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = free_port()
    folder = tmp_path_factory.mktemp("reports")
    (folder / "catalogue.yaml").write_text(
        "products:\n  - {id: bag-1, name: Leather Tote, price: 400, cost: 200, stock: 40, category: bags}\n",
        encoding="utf-8")
    stores = folder / "stores.yaml"
    stores.write_text(f"""
rate_limits: {{collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}}
stores:
  - id: demo
    write_key: {WRITE_KEY}
    secret_key: {SECRET}
    allowed_origins: ["http://127.0.0.1:{port}"]
    currency: TRY
    tone: warm
    catalogue: {{file: catalogue.yaml}}
    experiment: {{name: {EXPERIMENT}, report_margin_pct: 30, holdout: 0.0}}
    facts: {{return_days: 30, reviews: [{{author: Ada, rating: 5, text: "Lovely."}}]}}
    policy:
      allowed_incentives: [reviews, return_guarantee, installments, coupon, price_lock]
      max_coupon_pct: 15
      margin_floor_pct: 20
      price_lock_allowed: true
      installments: {{max_months: 6, min_amount: 100}}
    rules:
      - name: no-coupons-for-price
        when: reason == "price" and category == "bags"
        deny: [coupon]
        tone: premium
""", encoding="utf-8")
    ledger, profiles = MemoryLedger(), MemoryProfileStore()
    run(fill_ledger(ledger))
    run(profiles.put(profile(TRACED, NOW - 60_000, "price")))
    settings = Settings(stores_file=stores, port=port, data_dir=folder / "data", owner_email=OWNER,
                        owner_password=PASSWORD)
    app = create_app(settings, ledger=ledger, profiles=profiles)
    history = app.state.reason_history
    # 40 hours of a stable mix, then 6 hours in which price shoppers take over.
    shifted = []
    for h in range(46):
        at = NOW - (45 - h) * HOUR_MS
        for i in range(12):
            reason = ("price" if i < 11 else "trust") if h >= 40 else REASONS[i % 4]
            shifted.append(profile(f"s-mix-{h:02d}-{i:02d}", at, reason))
    run(history.record_profiles(shifted))
    with LiveServer(app, port=port, graceful_shutdown_s=0.5) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def api(live: LiveServer, path: str) -> httpx.Response:
    return httpx.get(live.url + path, headers={"Authorization": f"Bearer {SECRET}"}).raise_for_status()


def open_period(page: Page, live: LiveServer, since: str, until: str) -> None:
    page.goto(live.url + "/dashboard")
    page.fill("#email", OWNER)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.click('.tab[data-view="reports"]')
    expect(page.locator("#rep-status")).to_contain_text("Period")
    page.fill("#rep-from", since)
    page.fill("#rep-to", until)
    page.click("#rep-apply")
    expect(page.locator("#rep-status")).to_have_attribute("data-period", f"{since}/{until}")


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


SINCE, UNTIL = day(NOW - 4 * DAY_MS), day(NOW)
PERIOD = f"from={SINCE}&to={UNTIL}"


def test_the_date_range_report_shows_the_report_apis_figures(page: Page, live: LiveServer) -> None:
    report = api(live, f"/v1/experiments/{EXPERIMENT}/report?{PERIOD}").json()
    everything = api(live, f"/v1/experiments/{EXPERIMENT}/report").json()
    assert report["summary"]["treated_exposures"] < everything["summary"]["treated_exposures"]  # the range cuts
    assert report["period"] == {"since": SINCE, "until": UNTIL, "timezone": "UTC"}
    assert api(live, f"/v1/experiments/{EXPERIMENT}/report?{PERIOD}&store=demo").json() == report
    other = httpx.get(f"{live.url}/v1/experiments/{EXPERIMENT}/report?store=elsewhere",
                      headers={"Authorization": f"Bearer {SECRET}"})
    assert other.status_code == 403 and other.json()["path"] == "$.query.store"
    open_period(page, live, SINCE, UNTIL)
    summary = report["summary"]
    for field in ("attributed_revenue", "incremental_revenue", "net_margin", "incremental_net_margin",
                  "blanket_coupon_net_margin", "net_margin_vs_blanket_coupon"):
        cell = page.locator(f'#rep-summary dd[data-field="{field}"]')
        assert float(cell.get_attribute("data-value")) == summary[field], field  # the API's value itself
        assert number(cell.inner_text()) == pytest.approx(summary[field], abs=0.005), field
    arms = [r for r in report["rows"] if r["reason"] == "all"]
    shown = page.locator("#rep-arms tbody tr")
    expect(shown).to_have_count(len(arms))
    for row in arms:
        cells = page.locator(f'#rep-arms tr[data-arm="{row["arm"]}"] td').all_inner_texts()
        assert [int(c) for c in cells[1:6]] == [row[k] for k in ("exposures", "impressions", "clicks", "recoveries", "orders")]
        assert number(cells[6]) == pytest.approx(row["revenue"]) and int(cells[7]) == row["refunds"]
        assert number(cells[8]) == pytest.approx(row["net_margin"])
    for nudge in report["nudges"]:
        cells = page.locator(f'#rep-nudges tr[data-incentive="{nudge["incentive"]}"] td').all_inner_texts()
        assert [int(cells[i]) for i in (1, 2, 3, 5, 6, 8)] == [
            nudge[k] for k in ("exposures", "impressions", "clicks", "recoveries", "orders", "refunds")]
    assert {n["incentive"] for n in report["nudges"]} == {"reviews", "warranty", "none"}
    assert serious_violations(page, "#reports") == []
    page.locator("#reports").screenshot(path=str(IMG / "dashboard-report.png"))


def test_csv_and_pdf_downloads_carry_the_apis_numbers(page: Page, live: LiveServer, tmp_path: Path) -> None:
    report = api(live, f"/v1/experiments/{EXPERIMENT}/report?{PERIOD}").json()
    open_period(page, live, SINCE, UNTIL)
    with page.expect_download() as caught:
        page.click("#rep-csv")
    download = caught.value
    assert download.suggested_filename == f"demo-{EXPERIMENT}-{SINCE}-{UNTIL}.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text == api(live, f"/v1/experiments/{EXPERIMENT}/report?{PERIOD}&format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["arm"], r["reason"], int(r["exposures"]), float(r["revenue"])) for r in rows] == [
        (r["arm"], r["reason"], r["exposures"], r["revenue"]) for r in report["rows"]]

    with page.expect_download() as caught:
        page.click("#rep-csv-nudges")
    nudges = list(csv.DictReader(io.StringIO(Path(caught.value.path()).read_text(encoding="utf-8"))))
    assert [(n["incentive"], int(n["impressions"]), int(n["clicks"])) for n in nudges] == [
        (n["incentive"], n["impressions"], n["clicks"]) for n in report["nudges"]]

    with page.expect_download() as caught:
        page.click("#rep-pdf")
    pdf = tmp_path / "report.pdf"
    caught.value.save_as(pdf)
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert f"Period: {SINCE} to {UNTIL}" in words
    s = report["summary"]
    assert f"attributed revenue {s['attributed_revenue']:.2f}" in words
    assert f"incremental revenue (vs holdout) {s['incremental_revenue']:.2f}" in words
    assert f"net margin {s['net_margin']:.2f}" in words
    assert f"net margin vs blanket coupon {s['net_margin_vs_blanket_coupon']:.2f}" in words
    for row in (r for r in report["rows"] if r["reason"] == "all"):
        counts = " ".join(str(row[k]) for k in ("exposures", "impressions", "clicks", "recoveries"))
        assert f"{row['arm']} {counts}" in words, (row["arm"], counts)
        assert f"{row['revenue']:.2f}" in words and f"{row['net_margin']:.2f}" in words
    for nudge in report["nudges"]:
        counts = " ".join(str(nudge[k]) for k in ("exposures", "impressions", "clicks"))
        assert f"{nudge['incentive']} {counts}" in words


def test_the_drift_alarm_from_stored_hours_shows_on_the_dashboard(page: Page, live: LiveServer) -> None:
    path = f"/dashboard/api/history?from={day(NOW - 2 * DAY_MS)}&to={day(NOW)}"
    before = api(live, path).json()
    assert before["drift_alarm"] and "price now" in before["drift_alarm"]
    open_period(page, live, day(NOW - 2 * DAY_MS), day(NOW))
    expect(page.locator("#drift-alarms li").first).to_contain_text("Reason mix shifted in the last 6 h")
    shown = page.locator("#drift-alarms li").first.inner_text()
    price = page.locator('#drift-legend li[data-reason="price"]').get_attribute("data-total")
    after = api(live, path).json()
    # The API's answer before or after the page read it (an hour may turn over in between).
    assert (shown, price) in {(h["drift_alarm"], str(sum(h["mix"]["price"]))) for h in (before, after)}
    assert page.locator("#drift-chart svg rect").count() > 40  # hour by hour, not one bar
    page.locator("#drift").screenshot(path=str(IMG / "dashboard-drift.png"))


def test_why_this_nudge_shows_the_rule_the_incentives_and_the_arm(page: Page, live: LiveServer) -> None:
    answer = api(live, f"/v1/sessions/{TRACED}/trace?product=bag-1").json()
    trace = answer["trace"]
    assert trace["rules"] == [{"name": "no-coupons-for-price", "matched": True, "note": None}]
    open_period(page, live, SINCE, UNTIL)
    page.fill("#why-session", TRACED)
    page.fill("#why-product", "bag-1")
    page.click("#why-form button[type=submit]")
    out = page.locator("#why-out")
    expect(out.locator("table").first).to_contain_text("no-coupons-for-price")
    expect(out).to_contain_text("Rules changed: no-coupons-for-price: deny coupon; no-coupons-for-price: tone premium.")
    coupon = out.locator("tr", has_text="coupon").filter(has_text="removed by campaign rule")
    expect(coupon).to_have_count(1)
    expect(out.locator(".why-arm")).to_have_text("Arm " + trace["arm"] + ": " + trace["arm_why"])
    titles = out.locator("table", has_text="The three variants").locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert titles == [v["title"] for v in trace["variants"]]
    assert "coupon" not in [v["incentive"] for v in trace["variants"]]
    page.locator("#why").screenshot(path=str(IMG / "dashboard-why.png"))
    page.fill("#why-session", "s-never-seen-0001")
    page.click("#why-form button[type=submit]")
    expect(out.locator("[role=alert]")).to_contain_text("No profile or exposure for this session")
    assert serious_violations(page, "#why") == []


def test_the_dashboard_and_the_demo_store_have_a_favicon(page: Page, live: LiveServer) -> None:
    for path in ("/dashboard", "/demo/en/"):
        page.goto(live.url + path)
        href = page.locator('link[rel="icon"]').get_attribute("href")
        icon = httpx.get(live.url + href)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml"), path
        assert b"<svg" in icon.content and b"cartcoach" in icon.content
