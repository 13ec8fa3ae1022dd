"""The experiment report over HTTP: ``GET /v1/experiments`` and ``/v1/experiments/{name}/report``.

JSON by default, CSV with ``?format=csv`` (for a spreadsheet: the arm and reason rows,
or the nudges with ``&table=nudges``) and a PDF with ``?format=pdf``. ``from`` and ``to``
(UTC days, both included) restrict the report to the sessions first exposed in that
period (:mod:`overlay_api.report_period`). Authenticated with the store's secret key
(``Authorization: Bearer ...``): the report shows revenue. The numbers and the interval
method are :mod:`nudges.experiment_report`'s, the summary and the nudges
:mod:`nudges.cro_report`'s; the counts come from the experiment ledger. Every format is
drawn from the same report object, so the CSV and the PDF carry the JSON's numbers.
"""

from __future__ import annotations

import csv
import io
import re

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overlay_api.auth import SecretKeyGuard
from overlay_api.errors import error_response
from overlay_api.report_pdf import render_pdf
from overlay_api.report_period import parse_period
from nudges.cro_report import NudgeRow, Period, nudge_rows, summarise
from nudges.experiment_report import build_report, to_csv
from nudges.stores import StoreRegistry
from nudges.ledger import ExperimentLedger

_encode = msgspec.json.Encoder().encode
#: The stores file's rule for experiment names.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class ExperimentsApi:
    def __init__(self, registry: StoreRegistry, ledger: ExperimentLedger, guard: SecretKeyGuard) -> None:
        self._registry = registry
        self._ledger = ledger
        self._guard = guard

    async def list(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        names = set(await self._ledger.experiments(store.id)) | {store.experiment.name}
        body = {"current": store.experiment.name, "experiments": sorted(names)}
        return Response(_encode(body), media_type="application/json")

    async def report(self, request: Request) -> Response:
        store = await self._guard.reader(request)
        if isinstance(store, Response):
            return store
        name = request.path_params["experiment"]
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv", "pdf"):
            return error_response(422, "format must be json, csv or pdf", "$.query.format")
        table = request.query_params.get("table", "arms")
        if table not in ("arms", "nudges"):
            return error_response(422, "table must be arms or nudges", "$.query.table")
        period = parse_period(request.query_params)
        if isinstance(period, Response):
            return period
        since, until = period
        # The store filter: a key reads its own store only (an agency's view over several
        # stores is signed in per store); naming another store is refused, not ignored.
        wanted = request.query_params.get("store")
        if wanted is not None and wanted != store.id:
            return error_response(403, "This key does not read that store's report", "$.query.store")
        known = name == store.experiment.name or name in await self._ledger.experiments(store.id)
        if not (_NAME.match(name) and known):
            return error_response(404, f"No experiment named {name[:64]!r} in this store", "$.path.experiment")
        tallies = await self._ledger.tallies(store.id, name, since, until)
        margin = store.experiment.report_margin_pct
        report = msgspec.structs.replace(
            build_report(store.id, name, tallies, margin),
            period=Period(since=since and since.isoformat(), until=until and until.isoformat()),
            summary=summarise(tallies, margin),
            nudges=nudge_rows(await self._ledger.nudge_tallies(store.id, name, since, until)),
            currency=store.currency,
        )
        stem = f"{store.id}-{name}" + (f"-{since or 'start'}-{until or 'today'}" if since or until else "")
        if fmt == "csv":
            text = to_csv(report) if table == "arms" else _nudges_csv(report.nudges)
            suffix = "" if table == "arms" else "-nudges"
            return Response(
                text,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{stem}{suffix}.csv"'},
            )
        if fmt == "pdf":
            return Response(
                render_pdf(report),
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'},
            )
        return Response(_encode(report), media_type="application/json")


def _nudges_csv(rows: list[NudgeRow]) -> str:
    """The nudges table as CSV: one header line, empty cells for undefined values."""
    out = io.StringIO()
    fields = list(NudgeRow.__struct_fields__)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if (v := getattr(row, f)) is None else v for f in fields])
    return out.getvalue()
