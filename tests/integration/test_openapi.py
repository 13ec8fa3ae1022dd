"""The OpenAPI document matches the app, and schemathesis finds no 5xx and no off-schema answer.

The routes check is exact: every public route and method is documented, and nothing
is documented that the app does not serve. The fuzz run (schemathesis, pinned in
pyproject.toml) generates bounded examples for every operation, valid and invalid,
against a real uvicorn server, with the store's secret key on the secret-key routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Mount, Route

from cartcoach.settings import Settings
from overlay_api.app import create_app
from overlay_api.openapi import openapi_document
from tests.live_server import LiveServer

#: Served, but not part of the public API: pages, static files, the demo store, the snippet.
NOT_API = ("/demo", "/dashboard/assets", "/docs", "/openapi.json", "/cartcoach",
           # The dashboard page's own session API (cookie + CSRF, docs/dashboard.md), not the public API.
           "/dashboard/api/sign", "/dashboard/api/me", "/dashboard/api/stores/", "/dashboard/api/agencies/",
           "/dashboard/api/flows/", "/dashboard/api/experiments", "/dashboard/api/sessions/")
SECRET = "sk_fuzz_secret_0001"

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    stores = Path(tmp_path_factory.mktemp("fuzz")) / "stores.yaml"
    # Generous limits: the fuzzer is one client sending hundreds of requests a minute.
    stores.write_text(
        f"""
rate_limits: {{collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}}
unauthenticated_rate_limit: "100000/minute"
stores:
  - id: fuzz
    write_key: wk_fuzz_public_0001
    secret_key: {SECRET}
    allowed_origins: ["https://fuzz.example"]
""",
        encoding="utf-8",
    )
    with LiveServer(create_app(Settings(stores_file=stores)), graceful_shutdown_s=1) as live:
        yield live


def documented() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in openapi_document()["paths"].items() for method in item}


def served() -> set[tuple[str, str]]:
    app = create_app(Settings())
    routes = set()
    for route in app.routes:
        if isinstance(route, Mount) or not isinstance(route, Route) or route.path.startswith(NOT_API):
            continue
        routes |= {(route.path, m) for m in route.methods or () if m not in ("HEAD", "OPTIONS")}
    return {r for r in routes if r != ("/dashboard", "GET")}  # the sign-in page, HTML


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    assert documented() == served()


def test_openapi_json_and_docs_page_are_served(server: LiveServer) -> None:
    body = httpx.get(server.url + "/openapi.json").json()
    assert body["openapi"] == "3.1.0" and "/v1/collect" in body["paths"]
    page = httpx.get(server.url + "/docs")
    assert page.status_code == 200 and "/docs/assets/docs.js" in page.text
    assert httpx.get(server.url + "/docs/assets/docs.js").status_code == 200


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_fuzz(case, server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {SECRET}"} if case.operation.definition.raw.get("security") else None
    case.call_and_validate(
        base_url=server.url,
        headers=headers,
        timeout=10,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
