"""Pictures of the outbox and of a shopper's plan for docs/flows.md, taken from the demo.

Why a script: the pictures must show what a store owner gets from ``make run``, and be
taken again when the pages change. It runs what ``make run`` runs (``cartcoach serve``
embedded, the demo store, delays divided by 1440, messages recorded in the outbox and
never sent) with one change: the demo store's flows are the every-channel example of
docs/flows.md (WhatsApp, then SMS, then e-mail), so one picture shows each kind of
message. A fixed number of seeded simulated shoppers play (``cartcoach.traffic``, each
one who leaves a cart is a known customer); once every flow has finished, headless
Chromium signs in with the demo's secret key and takes:

* ``outbox.png``: ``/dashboard/outbox``, its per-step table and the newest message of
  each channel (the page's other messages are hidden for the picture);
* ``demo-plan.png``: the dashboard's "Shopper's plan" panel for a shopper who also saw
  a nudge on the page: what the page showed, each step and the rule that held one back.

Run: ``.venv/bin/python scripts/outbox_screenshots.py`` (about two minutes; ``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from playwright.sync_api import Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cartcoach.cli import DEMO_FLOW_SPEEDUP, DEMO_WRITE_KEY  # noqa: E402
from cartcoach.traffic import drive  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

DEMO_STORES = REPO / "cartcoach" / "demo_stores.yaml"
#: docs/flows.md's every-channel flow: WhatsApp at 10 minutes, SMS at 2 hours, e-mail at 24 hours.
EVERY_CHANNEL = {
    "name": "every_channel",
    "priority": 30,
    "steps": [
        {"delay_min": 10, "channel": "whatsapp", "fallback": "push", "template": "light_reminder", "incentive": "none"},
        {"delay_min": 120, "channel": "sms", "fallback": "email", "template": "reason_nudge"},
        {"delay_min": 1440, "channel": "email", "fallback": "sms", "template": "last_offer", "incentive": "offer"},
    ],
}
CHANNELS = ("whatsapp", "sms", "email")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_stores(into: Path) -> tuple[Path, str]:
    """The demo's stores file with the every-channel flow; and the demo's secret key."""
    stores = yaml.safe_load(DEMO_STORES.read_text(encoding="utf-8"))
    demo = next(s for s in stores["stores"] if s["write_key"] == DEMO_WRITE_KEY)
    demo["catalogue"]["file"] = str(DEMO_STORES.parent / demo["catalogue"]["file"])
    demo["flows"]["definitions"] = [EVERY_CHANNEL]
    path = into / "stores.yaml"
    path.write_text(yaml.safe_dump(stores, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, demo["secret_key"]


def serve(stores: Path, database: Path, port: int) -> subprocess.Popen[bytes]:
    """``cartcoach serve`` embedded, with ``--demo-traffic``'s flow settings but no endless traffic."""
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL")}
    env |= {"CARTCOACH_STORES_FILE": str(stores), "CARTCOACH_DATABASE_URL": f"sqlite:///{database}",
            "CARTCOACH_DATA_DIR": str(database.parent), "CARTCOACH_FLOW_SPEEDUP": str(DEMO_FLOW_SPEEDUP),
            "CARTCOACH_FLOWS_DRY_RUN": "1", "CARTCOACH_API_METRICS_PORT": "0"}
    return subprocess.Popen([sys.executable, "-m", "cartcoach.cli", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until(what: str, check, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def flows_done(database: Path) -> bool:
    """Every flow run finished, and each channel carried at least one sent message."""
    with sqlite3.connect(database) as db:
        active = db.execute("SELECT count(*) FROM flow_runs WHERE status = 'active'").fetchone()[0]
        channels = {c for (c,) in db.execute("SELECT DISTINCT channel FROM outbox WHERE status = 'sent'")}
    return active == 0 and set(CHANNELS) <= channels


def planned_session(database: Path, url: str, secret: str) -> str:
    """A treated shopper whose page showed a nudge too (one plan for both), the most steps sent first."""
    with sqlite3.connect(database) as db:
        sessions = [s for (s,) in db.execute(
            "SELECT r.session_id FROM flow_runs r JOIN outbox o ON o.flow_run_id = r.id"
            " WHERE r.arm = 'treated' AND r.status = 'finished' GROUP BY r.id"
            " ORDER BY sum(o.status = 'sent') DESC, max(o.created_ms) DESC")]
    if not sessions:
        raise SystemExit("no treated shopper finished a flow; run again with more --sessions")
    for session in sessions:
        plan = httpx.get(url + "/v1/flows/plan", params={"session_id": session},
                         headers={"Authorization": f"Bearer {secret}"}).raise_for_status().json()
        if any(p["shown"] for p in plan["page"]):
            return str(session)
    return str(sessions[0])


#: The outbox refreshes every 3 s while the tab is visible; the picture freezes it once filled.
FREEZABLE = "window.__frozen = false; Object.defineProperty(document, 'hidden', {get: () => window.__frozen});"
#: Keep the newest sent message of each channel; hide the rest (for the picture only).
ONE_PER_CHANNEL = """channels => {
  window.__frozen = true;
  const kept = new Set();
  for (const li of document.querySelectorAll('#messages li')) {
    const keep = li.classList.contains('sent') && channels.includes(li.dataset.channel) && !kept.has(li.dataset.channel);
    if (keep) kept.add(li.dataset.channel);
    li.hidden = !keep;
  }
  return [...kept];
}"""


def outbox_picture(page: Page, url: str, secret: str, path: Path) -> None:
    page.add_init_script(FREEZABLE)
    page.goto(url + "/dashboard/outbox")
    page.fill("#secret", secret)
    page.click("#login-form button")
    expect(page.locator("#report tbody tr").first).to_be_visible()
    for channel in CHANNELS:
        expect(page.locator(f'#messages li.sent[data-channel="{channel}"]').first).to_be_attached()
    kept = page.evaluate(ONE_PER_CHANNEL, list(CHANNELS))
    assert sorted(kept) == sorted(CHANNELS), kept
    email = page.locator("#messages li:not([hidden]) iframe").first
    email.scroll_into_view_if_needed()  # frames load lazily
    expect(page.frame_locator("#messages li:not([hidden]) iframe").first.locator("a").first).to_be_visible()
    page.screenshot(path=str(path), full_page=True)


def plan_picture(page: Page, url: str, secret: str, session: str, path: Path) -> None:
    page.goto(url + "/dashboard")
    page.fill("#secret", secret)
    page.click("#login-form button")
    page.fill("#plan-session", session)
    page.click("#plan-form button[type=submit]")
    run = page.locator('#plan .plan-run[data-arm="treated"]')
    expect(run.locator("tbody tr")).to_have_count(len(EVERY_CHANNEL["steps"]))
    expect(run.locator('tbody tr[data-state="sent"]').first).to_be_visible()
    page.locator("#plan-panel").screenshot(path=str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img", help="Where the pictures go.")
    parser.add_argument("--sessions", type=int, default=40, help="Simulated shoppers (each who leaves is identified).")
    parser.add_argument("--seed", type=int, default=17, help="Seed of the simulated shoppers.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cartcoach-shots-") as tmp:
        stores, secret = demo_stores(Path(tmp))
        database, port = Path(tmp) / "cartcoach.db", free_port()
        url = f"http://127.0.0.1:{port}"
        server = serve(stores, database, port)
        try:
            wait_until("the server", lambda: healthy(url), 60)
            stats = asyncio.run(drive(url, DEMO_WRITE_KEY, 4.0, sessions=args.sessions, seed=args.seed,
                                      secret_key=secret, identify_every=1))
            print(f"{stats.sessions} shoppers played, {stats.overlays} overlays shown; waiting for the flows to finish")
            wait_until("every flow to finish", lambda: flows_done(database), 180)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                outbox_picture(page, url, secret, args.out / "outbox.png")
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                plan_picture(page, url, secret, planned_session(database, url, secret), args.out / "demo-plan.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"wrote {args.out / 'outbox.png'} and {args.out / 'demo-plan.png'}")


if __name__ == "__main__":
    main()
