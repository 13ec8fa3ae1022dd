"""The snippet's files and the demo storefront, as Starlette routes.

``/cartcoach.js`` is what a store's tag loads: short-lived cache (a new release
reaches shops within minutes) with an ETag; ``/cartcoach.<hash>.js`` and the
chunks it imports (``/cartcoach-watch.<hash>.js``, ``-platform``, ``-ui``,
``-debug``) never change, so they are cached for a year, immutable. All are
built by ``tracker/build.mjs`` into ``tracker/dist`` (committed, so running the
product needs no npm) and installed with the package. Each file is compressed
once at start-up, with brotli and gzip, and served in the encoding the browser
asks for (``Vary: Accept-Encoding``): the core is about 10 KB raw, 5 KB gzipped.

``/demo/{en,tr}/...`` is a small storefront instrumented by the snippet: the
pages share one HTML shell (``tracker/demo/shell.html``) into which the route
writes the locale, the page type and, for product pages and checkout steps,
the product id and the step; ``tracker/demo/static/app.js`` renders the rest
from ``catalogue.json``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import NamedTuple

import brotli

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles


def find_tracker_dir(package: Path = Path(__file__).resolve().parent) -> Path:
    """Where ``dist`` and ``demo`` are: package data in a wheel, else the clone's ``tracker/``.

    A wheel (the Docker image) installs them as ``overlay_api/tracker`` (see
    pyproject.toml) and has no repository beside it; a clone or an editable install
    serves the repository's own folder, so a fresh ``npm run build`` shows at once.
    """
    installed = package / "tracker"
    return installed if (installed / "dist").is_dir() else package.parent / "tracker"


TRACKER_DIR = find_tracker_dir()
LOCALES = ("en", "tr")
CHECKOUT_STEPS = 3
SHORT_CACHE = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"


#: The chunks tracker/build.mjs lists in its manifest, by name.
CHUNKS = ("watch", "platform", "ui", "debug", "contact")


class Encoded(NamedTuple):
    """One script, compressed once: identity, gzip and brotli bodies."""

    raw: bytes
    gzip: bytes
    br: bytes

    @classmethod
    def of(cls, raw: bytes) -> Encoded:
        return cls(raw, gzip.compress(raw, 9, mtime=0), brotli.compress(raw, quality=11))


def accepted_encoding(header: str) -> str | None:
    """``br`` or ``gzip`` if the Accept-Encoding header allows it (brotli first), else ``None``.

    >>> accepted_encoding("gzip, deflate, br, zstd")
    'br'
    >>> accepted_encoding("gzip;q=1.0, br;q=0")
    'gzip'
    >>> accepted_encoding("identity") is None
    True
    """
    allowed = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        if not (params and q.replace(".", "", 1).isdigit() and float(q) == 0):
            allowed.add(name.strip())
    return next((e for e in ("br", "gzip") if e in allowed or "*" in allowed), None)


def _script(request: Request, body: Encoded, etag: str, cache: str) -> Response:
    encoding = accepted_encoding(request.headers.get("accept-encoding", ""))
    headers = {
        "Cache-Control": cache,
        "ETag": f'"{etag}"',
        "Vary": "Accept-Encoding",
        # The chunks are imported as modules, which browsers fetch with CORS.
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }
    content = body.raw
    if encoding:
        headers["Content-Encoding"] = encoding
        content = body.br if encoding == "br" else body.gzip
    return Response(content, media_type="text/javascript; charset=utf-8", headers=headers)


def snippet_routes(dist: Path) -> list[BaseRoute]:
    """/cartcoach.js, its hashed twin and the chunks, read and compressed once at start-up."""
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    snippet = Encoded.of((dist / "cartcoach.js").read_bytes())
    snippet_hash = manifest["hash"]

    async def latest(request: Request) -> Response:
        if request.headers.get("if-none-match") == f'"{snippet_hash}"':
            return Response(status_code=304, headers={"Cache-Control": SHORT_CACHE, "Vary": "Accept-Encoding"})
        return _script(request, snippet, snippet_hash, SHORT_CACHE)

    async def pinned(request: Request) -> Response:
        return _script(request, snippet, snippet_hash, IMMUTABLE)

    # The push service worker: a store copies it to its own origin (or proxies this URL there);
    # the demo store, served from here, registers it as is.
    service_worker = Encoded.of((dist / "cartcoach-sw.js").read_bytes())

    async def worker(request: Request) -> Response:
        return _script(request, service_worker, manifest["hash"], SHORT_CACHE)

    def chunk_route(file: str) -> Route:
        body = Encoded.of((dist / file).read_bytes())

        async def chunk(request: Request) -> Response:
            return _script(request, body, file, IMMUTABLE)

        return Route(f"/{file}", chunk)

    return [
        Route("/cartcoach.js", latest),
        Route(f"/{manifest['file']}", pinned),
        Route("/cartcoach-sw.js", worker),
        *(chunk_route(manifest[name]) for name in CHUNKS if name in manifest),
    ]


def demo_routes(demo: Path) -> list[BaseRoute]:
    """The demo storefront's pages and static files."""
    shell = (demo / "shell.html").read_text(encoding="utf-8")
    catalogue = json.loads((demo / "static" / "catalogue.json").read_text(encoding="utf-8"))
    product_ids = {p["id"] for p in catalogue["products"]}

    def page(locale: str, page_type: str, *, step: int | str = "", product: str = "") -> Response:
        # Every value below is checked against a fixed set first, so it is safe in HTML.
        if locale not in LOCALES:
            raise HTTPException(404)
        html = (
            shell.replace("%LANG%", locale)
            .replace("%PAGE%", page_type)
            .replace("%STEP%", str(step))
            .replace("%PRODUCT%", product)
        )
        return Response(html, media_type="text/html; charset=utf-8")

    async def home(request: Request) -> Response:
        return RedirectResponse("/demo/en/")

    async def listing(request: Request) -> Response:
        return page(request.path_params["locale"], "listing")

    async def product(request: Request) -> Response:
        product_id = request.path_params["product_id"]
        if product_id not in product_ids:
            raise HTTPException(404)
        return page(request.path_params["locale"], "product", product=product_id)

    async def cart(request: Request) -> Response:
        return page(request.path_params["locale"], "cart")

    async def checkout(request: Request) -> Response:
        step = request.path_params["step"]
        if not 1 <= step <= CHECKOUT_STEPS:
            raise HTTPException(404)
        return page(request.path_params["locale"], "checkout", step=step)

    async def thank_you(request: Request) -> Response:
        return page(request.path_params["locale"], "thank_you")

    return [
        Route("/demo", home),
        Route("/demo/", home),
        Route("/demo/{locale}/", listing),
        Route("/demo/{locale}/product/{product_id}", product),
        Route("/demo/{locale}/cart", cart),
        Route("/demo/{locale}/checkout/{step:int}", checkout),
        Route("/demo/{locale}/thank-you", thank_you),
        Mount("/demo/static", StaticFiles(directory=demo / "static"), name="demo-static"),
    ]


def storefront_routes(tracker_dir: Path = TRACKER_DIR) -> list[BaseRoute]:
    """Everything the browser side needs: the snippet and the demo store."""
    return snippet_routes(tracker_dir / "dist") + demo_routes(tracker_dir / "demo")
