"""The Installation view on the full path: the collector counts into real Redis, the dashboard reads it."""

from __future__ import annotations

import uuid
from pathlib import Path

from starlette.testclient import TestClient

from cartcoach.settings import Settings
from overlay_api.app import create_app
from tests.conftest import STORE_ORIGIN, make_batch
from tests.services import Services


def test_batches_accepted_through_kafka_show_in_the_installation_view(services: Services, stores_file: Path) -> None:
    settings = Settings(
        stores_file=stores_file,
        kafka_bootstrap_servers=services.kafka_bootstrap_servers,
        redis_url=services.redis_url,
        events_topic=f"events-install-{uuid.uuid4().hex[:8]}",
    )
    batch = make_batch(2, page={"path": "/urun/keten-gomlek", "type": "product", "src": "schema"})
    for event in batch["events"]:
        event["src"] = "text"
    other = make_batch(1, page={"path": f"/sayfa-{uuid.uuid4().hex[:6]}", "type": "other"})
    other["events"][0]["type"] = "page_view"
    with TestClient(create_app(settings)) as client:
        for body in (batch, other):
            response = client.post("/v1/collect", json=body, headers={"Origin": STORE_ORIGIN})
            assert response.status_code == 202, response.text
        assert client.get("/dashboard/api/installation").status_code == 401
        view = client.get("/dashboard/api/installation", headers={"Authorization": "Bearer sk_shop_test_0001"}).json()
    # Redis keeps the hour's counts across runs of this test: at least this run's two.
    rows = view["pages"]["product"]["signals"]
    assert any(r["type"] == "shipping_info_open" and r["src"] == "text" and r["count"] >= 2 for r in rows), rows
    assert any(p["path"] == other["page"]["path"] for p in view["other_pages"])
    assert any(m["signal"] == "review_view" for m in view["pages"]["product"]["missing"])
