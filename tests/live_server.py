"""A real uvicorn server on a free loopback port, in a background thread.

Tests talk HTTP to it as a browser or a client would, rather than calling the ASGI
app in-process, so headers, body limits and CORS are the real ones.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app: ASGIApp, port: int | None = None, *, graceful_shutdown_s: float | None = None) -> None:
        """``graceful_shutdown_s`` bounds the wait for open responses on exit: a streaming
        response (server-sent events) never finishes by itself, and sse-starlette cannot
        see a shutdown of a server that runs outside the main thread."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning",
            timeout_graceful_shutdown=graceful_shutdown_s,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
