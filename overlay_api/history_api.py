"""``GET /dashboard/api/history?from=&to=``: the reason mix and accuracy hour by hour, with drift alarms.

Read from the stored hourly aggregates (:mod:`stream.reason_history`), not the live
buffer, so a week is a week. ``from``/``to`` are UTC days, both included (default: the
last seven days up to now); the newest hour is the current one.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overlay_api.auth import SecretKeyGuard
from overlay_api.errors import error_response
from overlay_api.message_templates import templates_for
from overlay_api.report_period import parse_period
from stream.reason_history import MAX_HOURS, ReasonHistory

DEFAULT_DAYS: Final = 7
_encode = msgspec.json.Encoder().encode


def _ms(day: datetime) -> int:
    return int(day.timestamp() * 1000)


class HistoryApi:
    def __init__(self, history: ReasonHistory, guard: SecretKeyGuard) -> None:
        self._history = history
        self._guard = guard

    async def history(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        period = parse_period(request.query_params)
        if isinstance(period, Response):
            return period
        since, until = period
        now_ms = int(time.time() * 1000)
        today = datetime.fromtimestamp(now_ms / 1000, UTC).date()
        until = until or today
        since = since or until - timedelta(days=DEFAULT_DAYS - 1)
        if (until - since).days + 1 > MAX_HOURS // 24:
            return error_response(422, f"the history spans at most {MAX_HOURS // 24} days", "$.query.to")
        start = _ms(datetime(since.year, since.month, since.day, tzinfo=UTC))
        end = min(now_ms, _ms(datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=1)) - 1)
        if end < start:
            return error_response(422, "the period starts in the future", "$.query.from")
        history = await self._history.history(store.id, start, end)
        body = {**msgspec.structs.asdict(history),
                "templates": templates_for([history.drift_alarm, history.accuracy_alarm])}
        return Response(_encode(body), media_type="application/json", headers={"Cache-Control": "no-store"})
