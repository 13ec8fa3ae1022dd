"""The experiment report over HTTP: ``GET /v1/experiments`` and ``/v1/experiments/{name}/report``.

JSON by default, CSV with ``?format=csv`` (for a spreadsheet). Authenticated with the
store's secret key (``Authorization: Bearer ...``): the report shows revenue. The
numbers and the interval method are :mod:`nudges.experiment_report`'s; the counts
come from the experiment ledger.
"""

from __future__ import annotations

import re

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overlay_api.auth import SecretKeyGuard
from overlay_api.errors import error_response
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
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        names = set(await self._ledger.experiments(store.id)) | {store.experiment.name}
        body = {"current": store.experiment.name, "experiments": sorted(names)}
        return Response(_encode(body), media_type="application/json")

    async def report(self, request: Request) -> Response:
        store = await self._guard.store(request)
        if isinstance(store, Response):
            return store
        name = request.path_params["experiment"]
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv"):
            return error_response(422, "format must be json or csv", "$.query.format")
        known = name == store.experiment.name or name in await self._ledger.experiments(store.id)
        if not (_NAME.match(name) and known):
            return error_response(404, f"No experiment named {name[:64]!r} in this store", "$.path.experiment")
        tallies = await self._ledger.tallies(store.id, name)
        report = build_report(store.id, name, tallies, store.experiment.report_margin_pct)
        if fmt == "csv":
            return Response(
                to_csv(report),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{store.id}-{name}.csv"'},
            )
        return Response(_encode(report), media_type="application/json")
