"""A stand-in for Netgsm's HTTP GET SMS API, following https://www.netgsm.com.tr/dokuman/
("SMS Gönderimi — HTTP GET" and "Rapor Sorgulama"): ``GET /sms/send/get`` with usercode,
password, gsmno (5XXXXXXXXX), message, msgheader and optional dil=TR answers ``00 <job id>``
or an error code (``30`` wrong credentials, ``40`` unknown sender id, ``70`` bad parameters,
``100`` system error); ``GET /sms/report?bulkid=...&version=2`` answers ``<gsmno> <status>``
lines (1 = delivered, 0 = waiting) or ``60`` for an unknown job.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.standins.script import Script

USERCODE, PASSWORD, HEADER = "8503000000", "netgsm-pass", "DEMOSHOP"


def netgsm_stand_in(script: Script, report_status: dict[str, str] | None = None) -> Starlette:
    """``report_status``: the report's status per job id (default ``1``, delivered)."""
    jobs: dict[str, str] = {}

    async def send(request: Request) -> PlainTextResponse:
        fields = dict(request.query_params)
        failure = await script.next(fields)
        if failure == "5xx":
            return PlainTextResponse("100", status_code=503)
        if failure == "auth" or (fields.get("usercode"), fields.get("password")) != (USERCODE, PASSWORD):
            return PlainTextResponse("30")
        if failure == "invalid" or not fields.get("gsmno", "").isdigit() or not fields.get("message"):
            return PlainTextResponse("70")
        if fields.get("msgheader") != HEADER:
            return PlainTextResponse("40")
        job = str(17_000_000 + len(jobs))
        jobs[job] = fields["gsmno"]
        script.took(fields)
        return PlainTextResponse(f"00 {job}")

    async def report(request: Request) -> PlainTextResponse:
        q = request.query_params
        if (q.get("usercode"), q.get("password")) != (USERCODE, PASSWORD):
            return PlainTextResponse("30")
        job = q.get("bulkid", "")
        if job not in jobs:
            return PlainTextResponse("60")
        status = (report_status or {}).get(job, "1")
        return PlainTextResponse(f"{jobs[job]} {status} TURKCELL 1 04.12.2026 12:00:01 0\n")

    return Starlette(routes=[Route("/sms/send/get", send, methods=["GET"]), Route("/sms/report", report, methods=["GET"])])
