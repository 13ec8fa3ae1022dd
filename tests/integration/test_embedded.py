"""The embedded default: the same collector, an in-process pipeline, no servers."""

from __future__ import annotations

import json

import httpx

from cartcoach.settings import Settings
from overlay_api.app import create_app
from stream.embedded import EmbeddedPipeline
from tests.conftest import STORE_ORIGIN, make_batch
from tests.live_server import LiveServer


async def test_embedded_mode_accepts_the_same_batch_and_hands_it_to_the_pipeline(stores_file) -> None:
    settings = Settings(stores_file=stores_file)
    app = create_app(settings)
    pipeline = app.state.sink
    assert isinstance(pipeline, EmbeddedPipeline)
    batch = make_batch(n=4)
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            response = await client.post(
                "/v1/collect",
                content=json.dumps(batch),
                headers={"content-type": "text/plain", "origin": STORE_ORIGIN},
            )
            ready = await client.get("/readyz")
            bad = await client.post(
                "/v1/collect", content=b"{", headers={"content-type": "application/json"}
            )
    assert response.status_code == 202
    assert ready.json()["mode"] == "embedded" and ready.status_code == 200
    assert bad.status_code == 400
    received = [e for e in pipeline.recent if e.session_id == batch["session_id"]]
    assert [e.id for e in received] == [e["id"] for e in batch["events"]]
    assert {e.store_id for e in received} == {"shop"}
