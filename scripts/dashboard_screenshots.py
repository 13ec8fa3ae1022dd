"""Screenshots of the dashboard's console for docs/dashboard.md, taken in Debian's Chromium.

Starts ``cartcoach serve`` (embedded) on a free loopback port with the shipped demo stores
file and the demo owner (as ``make run`` does, in a temporary data directory), and talks to
it only over HTTP, as a user would: it drives 40
simulated shoppers into the demo store, then signs up, signs in and captures: the
sign-up form, the live view, the settings view with its preview, a refused save, an
analyst's read-only view and an agency's client page.

    .venv/bin/python scripts/dashboard_screenshots.py            # writes docs/img/console-*.png
    .venv/bin/python scripts/dashboard_screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from cartcoach.cli import DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, DEMO_SECRET_KEY, DEMO_WRITE_KEY  # noqa: E402
from cartcoach.traffic import drive  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.live_server import free_port  # noqa: E402


def serve(port: int, data: str) -> subprocess.Popen[bytes]:
    """``cartcoach serve`` embedded, its data in ``data``, the demo owner made at start-up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARTCOACH_", "KAFKA_", "REDIS_"))}
    env |= {"CARTCOACH_DATA_DIR": data, "CARTCOACH_OWNER_EMAIL": DEMO_OWNER_EMAIL,
            "CARTCOACH_OWNER_PASSWORD": DEMO_OWNER_PASSWORD, "CARTCOACH_API_METRICS_PORT": "0"}
    server = subprocess.Popen([sys.executable, "-m", "cartcoach.cli", "serve", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("cartcoach serve did not start: " + server.stderr.read().decode()[-2000:])
        time.sleep(0.3)


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/dashboard")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="Folder for the PNG files.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        server = serve(port, data)
        try:
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, drive(base, DEMO_WRITE_KEY, rate=4, speed=40, sessions=40, seed=3,
                                               secret_key=DEMO_SECRET_KEY)).result(timeout=120)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(base + "/dashboard")
                page.click("#show-signup")
                page.fill("#su-email", "ayse@my-shop.example")
                page.fill("#su-store-id", "my-shop")
                page.fill("#su-origin", "https://my-shop.example")
                page.screenshot(path=str(args.out / "console-signup.png"))

                sign_in(page, base, DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD)
                page.locator("#exp-counts tbody tr").first.wait_for()
                page.wait_for_timeout(1500)  # the row highlight fades
                page.screenshot(path=str(args.out / "console-live.png"))

                page.click(".tab[data-view=settings]")
                page.select_option("#settings-form select[name=voice]", "formal")
                page.wait_for_selector('#preview[data-voice="formal"] .variant', state="attached")
                page.screenshot(path=str(args.out / "console-settings.png"), full_page=True)

                page.fill("#settings-form input[name='policy.max_coupon_pct']", "150")
                page.click("#save-settings")
                page.wait_for_selector("#settings-errors li")
                page.locator("#settings-form").screenshot(path=str(args.out / "console-settings-error.png"))

                page.click("#sign-out")
                page.click("#show-signup")
                page.fill("#su-email", "lead@funnel.example")
                page.fill("#su-password", "agency-password")
                page.check("input[name=kind][value=agency]")
                page.fill("#su-agency-name", "Funnel Fixers")
                page.click("#signup-form button[type=submit]")
                page.click("#tab-agency")
                for client in ("client-one", "client-two"):
                    page.fill("#client-id", client)
                    page.fill("#client-origin", f"https://{client}.example")
                    page.click("#client-form button[type=submit]")
                    page.wait_for_selector(f'#agency-stores tr[data-store="{client}"]')
                # client-one's tag is live: a shopper's cart views reach the collector.
                key = page.evaluate("fetch('/dashboard/api/stores/client-one/settings').then(r => r.json())")["write_key"]
                now = int(time.time() * 1000)
                httpx.post(base + "/v1/collect", headers={"Origin": "https://client-one.example"}, json={
                    "v": 1, "write_key": key, "visitor_id": "v-shot-0001", "session_id": "s-shot-0001", "sent_at": now,
                    "page": {"path": "/cart", "type": "cart", "device": "desktop"},
                    "events": [{"id": f"e-shot-{i}", "type": "cart_view", "ts": now - 10 + i, "cart_value": 120.0,
                                "cart_items": 1} for i in range(5)]}).raise_for_status()
                page.click(".tab[data-view=agency]")
                page.wait_for_selector('#agency-stores tr[data-store="client-one"] td:text("receiving")')
                page.locator("#agency").screenshot(path=str(args.out / "console-agency.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
