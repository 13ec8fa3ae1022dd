"""The snippet as the API serves it: compressed as the browser asks, cached by kind of file."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from overlay_api.storefront import CHUNKS, TRACKER_DIR, snippet_routes

DIST = TRACKER_DIR / "dist"
MANIFEST = json.loads((DIST / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=snippet_routes(DIST)))


@pytest.mark.parametrize("path", ["/cartcoach.js", *(f"/{MANIFEST[name]}" for name in CHUNKS)])
def test_every_script_is_served_brotli_or_gzip_as_asked(client: TestClient, path: str) -> None:
    raw = (DIST / ("cartcoach.js" if path == "/cartcoach.js" else path.lstrip("/"))).read_bytes()
    with client.stream("GET", path, headers={"accept-encoding": "gzip, deflate, br"}) as r:
        body = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "br" and r.headers["vary"] == "Accept-Encoding"
    assert brotli.decompress(body) == raw and len(body) < len(raw) / 1.5
    with client.stream("GET", path, headers={"accept-encoding": "gzip"}) as r:
        body = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and gzip.decompress(body) == raw
    with client.stream("GET", path, headers={"accept-encoding": "identity"}) as r:
        body = b"".join(r.iter_raw())
    assert "content-encoding" not in r.headers and body == raw


def test_the_core_is_short_cached_and_the_hashed_files_are_immutable(client: TestClient) -> None:
    core = client.get("/cartcoach.js")
    assert core.headers["cache-control"] == "public, max-age=300"
    assert client.get("/cartcoach.js", headers={"if-none-match": core.headers["etag"]}).status_code == 304
    for path in [MANIFEST["file"], *(MANIFEST[name] for name in CHUNKS)]:
        r = client.get(f"/{path}")
        assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=31536000, immutable", path
        # Chunks are imported as modules: browsers fetch them with CORS.
        assert r.headers["access-control-allow-origin"] == "*"


def test_the_core_fits_its_budget_once_compressed(client: TestClient) -> None:
    with client.stream("GET", "/cartcoach.js", headers={"accept-encoding": "gzip"}) as r:
        assert len(b"".join(r.iter_raw())) <= 5120
