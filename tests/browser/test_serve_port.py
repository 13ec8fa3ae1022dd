"""`cartcoach serve --port N` shows nudges in the demo store on any port, not only 8000.

The real command in its own process with the shipped demo stores file (nothing
rewritten for the test), Debian's chromium as the shopper.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from cartcoach.settings import DEFAULT_STORES_FILE
from nudges.assignment import HOLDOUT, assign
from nudges.stores import StoreRegistry
from tests.browser.conftest import new_shop
from tests.browser.test_scenarios_e2e import reread_shipping_info
from tests.live_server import free_port

CARTCOACH = Path(sys.executable).with_name("cartcoach")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    port = free_port()
    while port == 8000:
        port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARTCOACH_", "KAFKA_", "REDIS_"))}
    env["CARTCOACH_SCORE_DEBOUNCE_MS"] = "300"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env["CARTCOACH_DATA_DIR"] = str(log.parent / "data")  # not the checkout's .cartcoach-data
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(CARTCOACH), "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cartcoach serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield SimpleNamespace(url=url, port=port)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_demo_store_on_a_non_default_port_gets_a_nudge(browser, served) -> None:
    experiment = StoreRegistry.from_file(DEFAULT_STORES_FILE).by_id("demo").experiment
    for _ in range(5):  # one shopper in ten is held out and rightly sees nothing: try another
        shop = new_shop(browser, served, [], viewport={"width": 1000, "height": 500})
        try:
            session = reread_shipping_info(shop)
            if assign("demo", experiment, session).name == HOLDOUT:
                continue
            for _ in range(40):  # until the stream has scored the rereads
                with shop.page.expect_response("**/v1/overlay?*") as answer:
                    shop.page.evaluate("cartcoach('overlay', 'cart_idle')")
                if answer.value.status == 200:
                    break
                assert answer.value.status == 204, answer.value.status  # never 403
                shop.page.wait_for_timeout(250)
            assert answer.value.status == 200
            body = answer.value.json()
            assert body["reason"] == "shipping_speed"
            shop.page.get_by_role("dialog", name=body["title"]).wait_for()
            assert all(b["write_key"] == "wk_demo_public_0001" for b in shop.batches)
            return
        finally:
            shop.context.close()
    raise AssertionError("five shoppers in a row were held out")
