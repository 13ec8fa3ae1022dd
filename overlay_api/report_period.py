"""The ``from`` and ``to`` query parameters of the reports: UTC days, both included.

Why days and UTC: the ledger counts each session in the day (UTC) it was first exposed,
so a period is a list of whole day buckets; an hour-level cut would need another index
for no decision a CRO team makes by the hour. Bad values are a 422 naming the parameter.

>>> from starlette.datastructures import QueryParams
>>> parse_period(QueryParams("from=2026-11-01&to=2026-11-07"))
(datetime.date(2026, 11, 1), datetime.date(2026, 11, 7))
>>> parse_period(QueryParams("")) == (None, None)
True
"""

from __future__ import annotations

from datetime import date

from starlette.datastructures import QueryParams
from starlette.responses import Response

from nudges.ledger import MAX_REPORT_DAYS
from overlay_api.errors import error_response


def _day(params: QueryParams, name: str) -> date | None | Response:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) != 10:  # fromisoformat also takes week dates and basic forms; a period is YYYY-MM-DD
        return _bad(name)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return _bad(name)


def _bad(name: str) -> Response:
    return error_response(422, f"{name} must be a date like 2026-11-30 (UTC)", f"$.query.{name}")


def parse_period(params: QueryParams) -> tuple[date | None, date | None] | Response:
    """``(since, until)`` from ``from``/``to`` (either may be missing), or the 422 to send."""
    since, until = _day(params, "from"), _day(params, "to")
    for value in (since, until):
        if isinstance(value, Response):
            return value
    assert not isinstance(since, Response) and not isinstance(until, Response)
    if since is not None and until is not None:
        if until < since:
            return error_response(422, "to is before from", "$.query.to")
        if (until - since).days + 1 > MAX_REPORT_DAYS:
            return error_response(422, f"a period spans at most {MAX_REPORT_DAYS} days", "$.query.to")
    return since, until
