"""Rate limits as a client meets them: 429 with Retry-After, per write key and client, per store.

Against a real server (embedded: counts in memory) with a stores file that sets small
limits, and on real Redis, where two API instances share one client's count.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
import pytest

from cartcoach.settings import Settings
from nudges.stores import StoreRegistry, StoresFileError
from overlay_api.app import create_app
from overlay_api.rate_limits import RateLimiter
from tests.live_server import LiveServer
from tests.services import Services

ORIGIN = "https://shop.example"
STORES = f"""
unauthenticated_rate_limit: "3/minute"
rate_limits: {{collect: "5/minute", overlay: "3/minute", secret: "4/minute"}}
stores:
  - id: shop
    write_key: wk_shop_rate_0001
    secret_key: sk_shop_rate_0001
    allowed_origins: ["{ORIGIN}"]
  - id: roomy
    write_key: wk_roomy_rate_0001
    secret_key: sk_roomy_rate_0001
    allowed_origins: ["{ORIGIN}"]
    rate_limits: {{collect: "50/minute", overlay: "50/minute", secret: "50/minute"}}
"""


def batch(write_key: str) -> dict:
    now = int(time.time() * 1000)
    return {"v": 1, "write_key": write_key, "visitor_id": "v-rate-000001", "session_id": f"s-{uuid.uuid4().hex[:12]}",
            "sent_at": now, "page": {"path": "/cart", "type": "cart"},
            "events": [{"id": f"e-{uuid.uuid4().hex}", "type": "cart_view", "ts": now - 1}]}


async def clear_of_a_window_edge(window_s: float = 60.0, margin_s: float = 15.0) -> None:
    """Start a counted sequence early in a window: the sliding-window counter (epoch-aligned
    windows, the previous one weighted by what is left of it) lets a few more through when a
    sequence straddles an edge, which is the library's documented approximation, not a bug."""
    into = time.time() % window_s
    if into > window_s - margin_s:
        await asyncio.sleep(window_s - into + 0.05)


@pytest.fixture
async def client(tmp_path: Path):
    await clear_of_a_window_edge()
    stores = tmp_path / "stores.yaml"
    stores.write_text(STORES, encoding="utf-8")
    settings = Settings(stores_file=stores, database_url=f"sqlite:///{tmp_path / 'flows.db'}")
    with LiveServer(create_app(settings)) as server:
        async with httpx.AsyncClient(base_url=server.url, headers={"origin": ORIGIN}) as http:
            yield http


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "retry" in response.json()["error"].lower()


async def test_collect_is_limited_per_write_key_and_client_with_retry_after(client) -> None:
    statuses = [(await client.post("/v1/collect", json=batch("wk_shop_rate_0001"))).status_code for _ in range(5)]
    assert statuses == [202] * 5
    limited = await client.post("/v1/collect", json=batch("wk_shop_rate_0001"))
    assert_limited(limited)
    # The snippet in the store's page can read Retry-After (CORS exposes it).
    assert limited.headers["access-control-allow-origin"] == ORIGIN
    assert "Retry-After" in limited.headers["access-control-expose-headers"]
    # Another store's write key from the same client has its own count, and its own, larger limit.
    roomy = [(await client.post("/v1/collect", json=batch("wk_roomy_rate_0001"))).status_code for _ in range(8)]
    assert roomy == [202] * 8


async def test_overlay_is_limited_per_write_key_and_client(client) -> None:
    params = {"key": "wk_shop_rate_0001", "session": "s-rate-000001"}
    assert [(await client.get("/v1/overlay", params=params)).status_code for _ in range(3)] == [204] * 3
    assert_limited(await client.get("/v1/overlay", params=params))


async def test_secret_key_guessing_is_cut_off_and_signed_in_use_limited_per_store(client) -> None:
    guesses = [
        (await client.post("/dashboard/api/token", headers={"authorization": f"Bearer sk_guess_{i:08d}"})).status_code
        for i in range(3)
    ]
    assert guesses == [401] * 3
    assert_limited(await client.post("/dashboard/api/token", headers={"authorization": "Bearer sk_shop_rate_0001x"}))
    # A bad body before the store is known counts against the same unauthenticated share.
    assert_limited(await client.post("/v1/collect", content=b"{", headers={"content-type": "application/json"}))
    auth = {"authorization": "Bearer sk_shop_rate_0001"}
    statuses = [(await client.get("/v1/experiments", headers=auth)).status_code for _ in range(4)]
    assert statuses == [200] * 4
    assert_limited(await client.get("/v1/experiments/nudges-v1/report", headers=auth))


async def test_identify_is_limited_per_write_key_and_client(client) -> None:
    ask = {"write_key": "wk_shop_rate_0001", "session_id": "s-rate-000001", "visitor_id": "v-rate-000001",
           "identify_id": "ci_" + "0" * 32}
    assert [(await client.post("/v1/identify", json=ask)).status_code for _ in range(3)] == [204] * 3
    assert_limited(await client.post("/v1/identify", json=ask))
    assert (await client.post("/v1/identify", json=ask | {"write_key": "wk_roomy_rate_0001"})).status_code == 204


async def test_forged_flow_links_are_cut_off_and_the_flows_secret_routes_limited_per_store(client) -> None:
    forged = [(await client.get(f"/v1/flows/open/shop/r_x:0:c_x/forged{i}")).status_code for i in range(2)]
    forged.append((await client.post("/v1/unsubscribe/shop/c_x/email/forged",
                                      headers={"content-type": "application/x-www-form-urlencoded"})).status_code)
    assert forged == [404] * 3
    assert_limited(await client.get("/v1/flows/click/shop/r_x:0:c_x/forged", params={"to": ORIGIN + "/"}))
    assert_limited(await client.post("/v1/identify", content=b"{", headers={"content-type": "application/json"}))
    auth = {"authorization": "Bearer sk_shop_rate_0001"}
    statuses = [(await client.get("/v1/flows/outbox", headers=auth)).status_code for _ in range(4)]
    assert statuses == [200] * 4
    assert_limited(await client.get("/v1/flows/report", headers=auth))
    assert_limited(await client.post("/v1/contacts", json={}, headers=auth))


def test_a_rate_the_library_cannot_read_stops_the_stores_file_naming_the_field() -> None:
    with pytest.raises(StoresFileError, match=r"\$\.stores\[0\]\.rate_limits\.overlay"):
        StoreRegistry.from_yaml_text(
            "stores: [{id: s, write_key: wk_s_000001, secret_key: sk_s_000001, allowed_origins: [],"
            " rate_limits: {overlay: 'often'}}]"
        )


@pytest.mark.services
async def test_on_redis_two_api_instances_share_one_clients_count(services: Services) -> None:
    first, second = RateLimiter.on_redis(services.redis_url), RateLimiter.on_redis(services.redis_url)
    client = f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    waits = [await limiter.hit("4/minute", "collect", "shop", client) for limiter in (first, second) * 2]
    assert waits == [0, 0, 0, 0]
    assert 1 <= await first.hit("4/minute", "collect", "shop", client) <= 60
    assert 1 <= await second.hit("4/minute", "collect", "shop", client) <= 60


async def test_a_counter_store_that_is_down_lets_requests_through() -> None:
    down = RateLimiter.on_redis("redis://127.0.0.1:1/0")
    assert [await down.hit("1/minute", "collect", "shop", "10.0.0.9") for _ in range(3)] == [0, 0, 0]
