"""Stores-file edits apply without a restart; a bad edit keeps the last good file.

The real app on a real loopback server, the stores file rewritten under it as an
owner would (in place, or replaced on save), and what a browser at the new origin
gets back.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import httpx
import pytest
import yaml

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from overlay_api.app import create_app
from tests.conftest import make_batch
from tests.live_server import LiveServer, free_port

KEY = "wk_shop_test_0001"
OLD, NEW = "https://shop.example", "https://new-shop.example"


def store(**change: object) -> dict:
    return {"id": "shop", "write_key": KEY, "secret_key": "sk_shop_test_0001",
            "allowed_origins": [OLD], **change}


def write(path: Path, *stores: dict, replace: bool = False) -> None:
    """Save the file; ``replace`` saves it as many editors do (a new file renamed over it)."""
    text = yaml.safe_dump({"stores": list(stores)})
    if replace:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        path.write_text(text, encoding="utf-8")


def collect(client: httpx.Client, origin: str) -> int:
    return client.post("/v1/collect", json=make_batch(write_key=KEY), headers={"Origin": origin}).status_code


def eventually(probe, timeout_s: float = 5.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.05)
    return probe()


@pytest.fixture
def served(tmp_path: Path):
    path = tmp_path / "stores.yaml"
    write(path, store())
    # Its own data folder: the default one is the working directory's, which the other pytest worker's
    # servers migrate at the same moment.
    app = create_app(Settings(stores_file=path, stores_reload_s=0.1, data_dir=tmp_path / "data"))
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as client:
        yield path, client, app


def test_a_new_origin_is_accepted_without_a_restart(served) -> None:
    path, client, _ = served
    assert collect(client, NEW) == 403
    write(path, store(allowed_origins=[OLD, NEW]))
    assert eventually(lambda: collect(client, NEW) == 202)
    write(path, store(allowed_origins=[NEW]), replace=True)  # saved as a new file
    assert eventually(lambda: collect(client, OLD) == 403)
    assert collect(client, NEW) == 202


def test_tone_and_policy_changes_reach_the_store_the_endpoints_read(served) -> None:
    path, _, app = served
    write(path, store(voice="formal", policy={"max_coupon_pct": 5,
                                              "allowed_incentives": ["coupon", "reviews"]}))
    shop = eventually(lambda: (s := app.state.stores.by_id("shop")).voice == "formal" and s)
    assert shop and shop.policy.max_coupon_pct == 5 and "coupon" in shop.policy.allowed_incentives


def test_a_bad_file_keeps_the_last_good_one_and_the_log_names_the_field(served, caplog) -> None:
    path, client, app = served
    caplog.set_level(logging.ERROR, logger="overlay_api.stores_watch")
    write(path, store(allowed_origins=[OLD, NEW], policy={"max_coupon_pct": 150}))
    assert eventually(lambda: "max_coupon_pct" in caplog.text)
    assert "$.stores[0].policy.max_coupon_pct" in caplog.text and str(path) in caplog.text
    assert "last good one keeps serving" in caplog.text
    assert collect(client, OLD) == 202 and collect(client, NEW) == 403  # nothing of the bad file applied
    path.write_text("stores: [ {id: shop", encoding="utf-8")  # not even YAML
    assert eventually(lambda: "not valid YAML" in caplog.text)
    assert collect(client, OLD) == 202
    write(path, store(allowed_origins=[NEW]))  # fixed: applies
    assert eventually(lambda: collect(client, NEW) == 202)


def test_a_bad_catalogue_rejects_the_change_as_a_whole(served, caplog) -> None:
    path, client, _ = served
    caplog.set_level(logging.ERROR, logger="overlay_api.stores_watch")
    (path.parent / "cat.yaml").write_text("products: [{id: p1, name: A, price: -3}]", encoding="utf-8")
    write(path, store(allowed_origins=[NEW], catalogue={"file": "cat.yaml"}))
    assert eventually(lambda: "$.products[0].price" in caplog.text)
    assert collect(client, NEW) == 403 and collect(client, OLD) == 202


def test_a_store_added_by_a_reload_is_served_and_followed(served) -> None:
    path, client, app = served
    other = {"id": "other", "write_key": "wk_other_test_0001", "secret_key": "sk_other_test_0001",
             "allowed_origins": [NEW]}
    write(path, store(), other)
    assert eventually(lambda: app.state.stores.by_id("other") is not None)
    batch = make_batch(write_key="wk_other_test_0001")
    assert client.post("/v1/collect", json=batch, headers={"Origin": NEW}).status_code == 202
    assert "other" in app.state.live_feed.buffers  # the dashboard's feed follows it too


def test_the_demo_store_accepts_whatever_port_the_server_binds(tmp_path: Path) -> None:
    port = free_port()
    while port == 8000:
        port = free_port()
    app = create_app(Settings(stores_file=DEFAULT_STORES_FILE, port=port, stores_reload_s=0, data_dir=tmp_path / "data"))
    demo = app.state.stores.by_id("demo")
    assert demo.allows_origin(f"http://127.0.0.1:{port}") and demo.allows_origin(f"http://localhost:{port}")
    assert not demo.allows_origin("http://127.0.0.1:8000") and not demo.allows_origin("https://evil.example")
    with LiveServer(app, port=port) as live, httpx.Client(base_url=live.url) as client:
        batch = make_batch(write_key="wk_demo_public_0001")
        ok = client.post("/v1/collect", json=batch, headers={"Origin": f"http://127.0.0.1:{port}"})
        assert ok.status_code == 202 and ok.headers["access-control-allow-origin"] == f"http://127.0.0.1:{port}"
        foreign = client.post("/v1/collect", json=batch, headers={"Origin": "http://127.0.0.1:8000"})
        assert foreign.status_code == 403
