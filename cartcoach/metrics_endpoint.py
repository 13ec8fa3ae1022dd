"""The Prometheus endpoint of a ``cartcoach`` process: ``/metrics`` on a port of its own.

Why not on the API's port: the API faces the internet (every store page calls it with
a public key), and the metrics tell traffic, experiment arms and errors to whoever
asks. A separate port, bound where only the monitoring network reaches
(``CARTCOACH_METRICS_HOST``; docker-compose.yml publishes none), is what operators
expect of a scrape target and needs no credentials in Prometheus. The API
(``CARTCOACH_API_METRICS_PORT``, 9101) and the worker (``CARTCOACH_WORKER_METRICS_PORT``,
9102) serve the same way; 0 turns it off.

prometheus_client's own server, in a daemon thread: scraping never waits for the
event loop, so a busy worker still answers.
"""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

log = logging.getLogger(__name__)


def serve_metrics(host: str, port: int) -> bool:
    """Serve this process's metrics at ``http://host:port/metrics``; False if off or the port is taken.

    A taken port (a second worker on the same host) is logged, not fatal: the process's
    real work matters more than its metrics.
    """
    if not port:
        return False
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.error("metrics not served on %s:%d (%s); set another port or 0 to turn them off", host, port, exc)
        return False
    log.info("metrics at http://%s:%d/metrics", host, port)
    return True
