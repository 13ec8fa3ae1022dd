"""Serve the corpus on loopback, each page unchanged but for the cartcoach tag, next to the real API.

* :class:`StaticThemes`: the npm templates' files from ``node_modules``; an HTML page
  gets the tag inserted before ``</body>``, every other file is sent as it is;
* :class:`PlatformStore`: django-oscar's or Cartridge's own ``runserver`` in the
  corpus's virtualenv, whose one middleware inserts the same tag;
* an *external* store (``kind="external"``, e.g. OpenCart) is not started here: it runs
  where its address says, and the shopper's browser adds the tag (``harness.Visit``);
* :class:`CoachApi`: the cartcoach app in this process (embedded pipeline, memory
  profiles) behind a real uvicorn server, with a ``themes`` store whose allowed origins
  are the theme servers' and no holdout (every trigger with a confident profile shows
  an overlay, so "overlay shown" measures the snippet, not the dice).

:func:`corpus_site` starts what one run needs and yields a :class:`Site`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import functools
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from collections import defaultdict
from collections.abc import Sequence

from cartcoach.settings import Settings
from nudges.ledger import MemoryLedger
from overlay_api.app import create_app
from scorer.events import CollectedEvent
from scorer.profile import AbandonmentProfile
from stream.embedded_runner import EmbeddedRunner
from stream.model_health import build_model_health
from stream.profile_store import MemoryProfileStore
from tests.live_server import LiveServer, free_port
from tests.themes import install
from tests.themes.corpus import Theme

STORE_ID = "themes"
WRITE_KEY = "wk_themes_public_01"
SECRET_KEY = "sk_themes_secret_for_tests"
#: The dashboard's owner account for the theme store (the dashboard signs in with users).
OWNER_EMAIL, OWNER_PASSWORD = "owner@themes.example", "themes-owner-password"


def tag(api_url: str) -> str:
    """The tag exactly as docs/tracker.md tells a store owner to paste it."""
    return f'<script async src="{api_url}/cartcoach.js" data-key="{WRITE_KEY}"></script>'


class _Handler(SimpleHTTPRequestHandler):
    tag = b""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        return None

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = path.read_bytes()
        at = body.rfind(b"</body>")
        if at >= 0:
            body = body[:at] + self.tag + body[at:]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)


class StaticThemes:
    """The npm templates, one origin for all of them (``/PACKAGE/FILE``)."""

    def __init__(self, api_url: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        handler = type("Handler", (_Handler,), {"tag": tag(api_url).encode()})
        factory = functools.partial(handler, directory=str(install.HERE / "node_modules"))
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), factory)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> StaticThemes:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class PlatformStore:
    """A storefront platform's own development server (django-oscar, Cartridge) for one language."""

    def __init__(self, platform: str, language: str, api_url: str, port: int | None = None) -> None:
        self.platform = platform
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **install.platform_env(platform, language), "CARTCOACH_TAG": tag(api_url)}
        self._process: subprocess.Popen[bytes] | None = None
        #: the server's own requests and tracebacks, read when a shopper's walk fails
        self.log = install.platform_data(platform, language) / "runserver.log"

    def __enter__(self) -> PlatformStore:
        manage = install.platform_dir(self.platform) / "manage.py"
        python = install.platform_python(self.platform)
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [str(python), str(manage), "runserver", f"127.0.0.1:{self.port}", "--noreload"],
                env=self._env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        # Shuup's 40 apps take over a minute to start at load 40 on the 2 shared cores: a condition, not a sleep.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.platform}'s server stopped at start (run python -m tests.themes.install)")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.1)
        self.__exit__()  # a server still starting is not left behind when __enter__ gives up
        raise RuntimeError(f"{self.platform}'s server did not start within 180 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


class RecordingSink:
    """The embedded stream, noting every accepted event by visitor: Playwright does not
    see the beacons a page sends while it unloads, the collector does."""

    def __init__(self, inner: EmbeddedRunner) -> None:
        self.inner = inner
        self.by_visitor: defaultdict[str, list[CollectedEvent]] = defaultdict(list)

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def publish(self, events: Sequence[CollectedEvent]) -> None:
        await self.inner.publish(events)
        for event in events:
            self.by_visitor[event.visitor_id].append(event)

    async def ready(self) -> bool:
        return await self.inner.ready()


class CoachApi:
    """The real cartcoach API in this process, with the corpus's store."""

    def __init__(self, origins: list[str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="cartcoach-themes-")
        stores = Path(self._dir.name) / "stores.yaml"
        origin_list = ", ".join(f'"{o}"' for o in origins)
        stores.write_text(
            f"""
# Every scripted shopper comes from this machine's one address, three at a time: the
# per-client rate limits (tested in tests/integration/test_rate_limits.py) are lifted here.
rate_limits: {{collect: "100000/minute", overlay: "100000/minute", secret: "100000/minute"}}
unauthenticated_rate_limit: "100000/minute"
stores:
  - id: {STORE_ID}
    write_key: {WRITE_KEY}
    secret_key: {SECRET_KEY}
    allowed_origins: [{origin_list}]
    experiment:
      name: themes-corpus
      holdout: 0.0
""",
            encoding="utf-8",
        )
        self.profiles = MemoryProfileStore()
        settings = Settings(stores_file=stores, port=self.port, retry_after_s=1, data_dir=stores.parent / "data",
                            owner_email=OWNER_EMAIL, owner_password=OWNER_PASSWORD)
        ledger = MemoryLedger()
        runner = EmbeddedRunner(settings, self.profiles, ledger, build_model_health(settings))
        self.sink = RecordingSink(runner)
        self.app = create_app(settings, profiles=self.profiles, ledger=ledger, sink=self.sink)
        self._live = LiveServer(self.app, port=self.port)

    def profile(self, session_id: str) -> AbandonmentProfile | None:
        """The session's latest profile. The memory store is a dict, readable from any thread;
        a thread of its own because Playwright's sync API keeps this thread's loop running."""
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.profiles.get(STORE_ID, session_id)).result()

    def __enter__(self) -> CoachApi:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)
        self._dir.cleanup()


#: a runserver log line of a request answered 5xx, or the last line of a traceback
FAILED_REQUEST = re.compile(r'" 5\d\d |^[\w.]+(Error|Exception): ')


def failed_requests(log_lines: list[str]) -> list[str]:
    """The lines of a Django ``runserver`` log that tell of a request answered 5xx, or that end
    a traceback with its exception.

    >>> failed_requests([
    ...     '[05/Dec/2026 01:02:03] "GET /catalogue/ HTTP/1.1" 200 5120',
    ...     '[05/Dec/2026 01:02:04] "POST /basket/add/1/ HTTP/1.1" 500 145',
    ...     'django.db.utils.OperationalError: database is locked',
    ...     'Not Found: /media/cache/6d/30/6d30.jpg',
    ... ])
    ['[05/Dec/2026 01:02:04] "POST /basket/add/1/ HTTP/1.1" 500 145', 'django.db.utils.OperationalError: database is locked']
    """
    return [line for line in log_lines if FAILED_REQUEST.search(line)]


@dataclass
class Site:
    """Where each theme is served, and the API its tag talks to."""

    api: CoachApi
    bases: dict[str, str]
    #: each platform theme's server log (its requests and tracebacks)
    logs: dict[str, Path] = field(default_factory=dict)

    def url(self, theme: Theme, page: str, **parts: str) -> str:
        return self.bases[theme.kind if theme.kind == "static" else theme.name] + theme.pages[page].format(**parts)

    def server_errors(self, theme: Theme) -> list[str]:
        """The last lines of the theme's server log that tell of a failed request (a 5xx or a
        traceback's last line), so that a walk that fails on the store, not on the tag, says so."""
        log = self.logs.get(theme.name)
        if log is None or not log.exists():
            return []
        return failed_requests(log.read_text(errors="replace").splitlines())[-3:]


def origin(url: str) -> str:
    """The scheme and host of a store's address, as the API's allowed origins name it.

    >>> origin("http://127.0.0.1:8080/shop/?a=1")
    'http://127.0.0.1:8080'
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@contextlib.contextmanager
def corpus_site(themes: list[Theme], store_urls: dict[str, str] | None = None) -> Iterator[Site]:
    """Start the API and every server the given themes need; stop them all on exit.

    ``store_urls`` gives each external theme's running store (its base address)."""
    external = {theme.name: (store_urls or {})[theme.name].rstrip("/") for theme in themes if theme.kind == "external"}
    ports = {"api": free_port(), "static": free_port()}
    for theme in themes:
        if theme.kind not in ("static", "external"):
            ports[theme.name] = free_port()
    origins = [f"http://127.0.0.1:{port}" for key, port in ports.items() if key != "api"]
    origins += [origin(url) for url in external.values()]
    with contextlib.ExitStack() as stack:
        api = stack.enter_context(CoachApi(origins, ports["api"]))
        bases = {"static": stack.enter_context(StaticThemes(api.url, ports["static"])).url, **external}
        logs: dict[str, Path] = {}
        for theme in themes:
            if theme.kind not in ("static", "external"):
                store = PlatformStore(theme.kind, theme.language, api.url, ports[theme.name])
                bases[theme.name] = stack.enter_context(store).url
                logs[theme.name] = store.log
        yield Site(api, bases, logs)
