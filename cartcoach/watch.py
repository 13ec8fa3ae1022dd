"""``cartcoach watch``: the dashboard's live feed of abandonment profiles, in the terminal.

Why through the API's stream rather than Redis directly: the same credentials (the
store's secret key), the same filters and the same resume-after-reconnect
(``Last-Event-ID``) as the browser, and it works against the embedded default,
which has no Redis at all.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.live import Live
from rich.table import Table

#: Sessions shown at once (the newest change first).
ROWS = 25


class SseEvent(dict):
    """One server-sent event: ``id``, ``event`` and ``data`` (as sent, a string)."""


def parse_sse(lines: Iterable[str]) -> Iterator[SseEvent]:
    """Server-sent events from the stream's lines (comments and retry hints skipped).

    >>> [dict(e) for e in parse_sse([": hi", "id: 1-0", "event: profile", 'data: {"a":1}', ""])]
    [{'id': '1-0', 'event': 'profile', 'data': '{"a":1}'}]
    """
    event = SseEvent()
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                event["data"] = "\n".join(data)
                yield event
            event, data = SseEvent(), []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field in ("id", "event"):
            event[field] = value


def render(rows: Iterable[dict[str, Any]], title: str) -> Table:
    """The table of the newest profiles, newest first."""
    table = Table(title=title, expand=True)
    for column in ("time", "session", "device", "cart", "top reason", "risk", "evidence", "overlay"):
        table.add_column(column, overflow="fold", ratio=3 if column == "evidence" else None)
    for p in rows:
        overlay = p.get("overlay")
        table.add_row(
            time.strftime("%H:%M:%S", time.localtime(p["at"] / 1000)),
            p["session_id"],
            p.get("device") or "-",
            f"{p['cart_value']:,.2f}",
            f"{p['top_reason']} {p['confidence']:.0%}",
            f"{p['risk']:.0%}",
            "; ".join(p.get("evidence") or []),
            "-" if overlay is None else f"{overlay['incentive']} ({overlay['arm']})",
        )
    return table


def watch(base_url: str, secret_key: str, reason: str | None, device: str | None, console: Console) -> None:
    """Follow the stream until interrupted, reconnecting (and resuming) when it drops."""
    shown: OrderedDict[str, dict[str, Any]] = OrderedDict()
    last_id: str | None = None
    title = f"cartcoach · live profiles · {base_url}"
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=60.0)) as client, Live(
        render([], title + " · connecting"), console=console, refresh_per_second=4
    ) as live:
        while True:
            try:
                auth = client.post("/dashboard/api/token", headers={"Authorization": f"Bearer {secret_key}"})
                if auth.status_code == 401:
                    raise SystemExit("cartcoach watch: the API refused that secret key")
                auth.raise_for_status()
                params = {"token": auth.json()["token"], "reason": reason or "", "device": device or ""}
                headers = {"Last-Event-ID": last_id} if last_id else {}
                with client.stream("GET", "/dashboard/stream", params=params, headers=headers) as response:
                    response.raise_for_status()
                    live.update(render(reversed(shown.values()), title))
                    for event in parse_sse(response.iter_lines()):
                        if event.get("event") != "profile":
                            continue
                        last_id = event.get("id", last_id)
                        profile = orjson.loads(event["data"])
                        shown.pop(profile["session_id"], None)
                        shown[profile["session_id"]] = profile
                        while len(shown) > ROWS:
                            shown.popitem(last=False)
                        live.update(render(reversed(shown.values()), title))
            except (httpx.HTTPError, OSError):
                live.update(render(reversed(shown.values()), title + " · reconnecting"))
                time.sleep(1.0)
