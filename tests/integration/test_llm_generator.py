"""The optional LLM copywriter against a FAKE OpenAI-compatible server on loopback.

No real language model can run here, so the test starts a stand-in that answers
``POST /v1/chat/completions`` the way OpenAI-compatible servers do; it is named a
fake on purpose. What is real: the HTTP client, the timeout, the cache and the
guardrails between the model and the shopper.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cartcoach.settings import DEFAULT_STORES_FILE, Settings
from overlay_api.app import create_app
from stream.profile_store import MemoryProfileStore
from tests.integration.test_overlay_http import Recent, ask, profile_for, session_in
from tests.live_server import LiveServer


class FakeOpenAI:
    """Answers chat completions with whatever ``content`` is set to (or sleeps, or fails)."""

    def __init__(self) -> None:
        self.content = ""
        self.delay_s = 0.0
        self.requests: list[dict] = []
        self.app = Starlette(routes=[Route("/v1/chat/completions", self.complete, methods=["POST"])])

    async def complete(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append({"body": body, "auth": request.headers.get("authorization")})
        await asyncio.sleep(self.delay_s)
        return JSONResponse({"id": "fake", "object": "chat.completion",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": self.content}}]})


GOOD = json.dumps({"reason": "shipping_speed", "scenarios": [
    {"incentive": "delivery_promise", "title": "Before 15:00 today? It leaves tomorrow",
     "body": "We pack orders placed before 15:00 the next working day.", "cta": "Finish up"},
    {"incentive": "free_express_shipping", "title": "Only 1 left! Express free", "body": "Hurry.", "cta": "Go"},
]})


@pytest.fixture(scope="module")
def fake():
    server = FakeOpenAI()
    with LiveServer(server.app) as live:
        server.url = live.url
        yield server


async def idle(generator, timeout_s: float = 10.0) -> None:
    """Wait until the generator (running on the server's loop) has nothing in flight."""
    for _ in range(int(timeout_s / 0.02)):
        if not generator.pending:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the generator is still busy")


async def _overlay(client, profiles, pipeline, prefix):
    session = session_in("v1", prefix)
    await profiles.put(profile_for(session, "shipping_info_open"))
    r = await client.get("/v1/overlay", params=ask(session))
    return r, await pipeline.decision(session)


async def test_generated_copy_is_cached_checked_and_used_after_the_first_miss(fake) -> None:
    fake.content, fake.delay_s = GOOD, 0.0
    settings = Settings(stores_file=DEFAULT_STORES_FILE, llm_base_url=fake.url + "/v1", llm_model="fake-model",
                        llm_api_key="test-key", llm_timeout_s=2.0)
    profiles = MemoryProfileStore()
    app = create_app(settings, profiles=profiles)
    pipeline = Recent(app)
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            first, d1 = await _overlay(client, profiles, pipeline, "s-llm-a")
            assert first.status_code == 200 and d1.props["source"] == "template"
            await idle(app.state.generator)
            second, d2 = await _overlay(client, profiles, pipeline, "s-llm-b")
    assert d2.props["source"] == "llm"
    assert second.json()["title"] == "Before 15:00 today? It leaves tomorrow"
    assert len(fake.requests) == 1  # cached per (store, product, reason, tone)
    request = fake.requests[0]
    assert request["auth"] == "Bearer test-key" and request["body"]["model"] == "fake-model"
    prompt = request["body"]["messages"][1]["content"]
    assert prompt.startswith("Predict the abandonment reason from these cart behaviours")
    assert "Opened shipping/delivery info 3 times" in prompt


@pytest.mark.parametrize(("content", "delay"), [("{broken", 0.0), (GOOD, 3.0)])
async def test_a_broken_or_slow_model_leaves_the_templates_in_place(fake, content, delay) -> None:
    fake.content, fake.delay_s = content, delay
    settings = Settings(stores_file=DEFAULT_STORES_FILE, llm_base_url=fake.url + "/v1", llm_model="fake-model",
                        llm_timeout_s=0.5)
    profiles = MemoryProfileStore()
    app = create_app(settings, profiles=profiles)
    pipeline = Recent(app)
    with LiveServer(app) as live:
        async with httpx.AsyncClient(base_url=live.url) as client:
            first, _ = await _overlay(client, profiles, pipeline, f"s-bad-{delay}-a")
            await idle(app.state.generator)
            second, d2 = await _overlay(client, profiles, pipeline, f"s-bad-{delay}-b")
    assert first.status_code == second.status_code == 200
    assert d2.props["source"] == "template" and app.state.generator.failures == 1
