"""A stand-in for Verimor's SMS API, following https://github.com/verimor/SMS-API/blob/master/user_guide.md:
``POST /v2/send.json`` (JSON: username, password, source_addr, custom_id, datacoding,
messages[{msg, dest, id}]) answers ``200`` with the campaign id as plain text, ``401``
for wrong credentials, ``400`` with an error word (``INVALID_DESTINATION_ADDRESS``...)
for a bad request, ``429``/5xx when overloaded; ``GET /v2/status?custom_id=`` answers the
campaign's messages as JSON, or ``404`` when no campaign has that id.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.standins.script import Script

USERNAME, PASSWORD, SOURCE = "908501234567", "verimor-pass", "DEMOSHOP"


def verimor_stand_in(script: Script) -> Starlette:
    campaigns: list[str] = []

    async def send(request: Request) -> PlainTextResponse:
        try:
            body = json.loads((await request.body()).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return PlainTextResponse("Geçersiz JSON", status_code=400)
        failure = await script.next(body)
        if failure == "5xx":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if failure == "auth" or (body.get("username"), body.get("password")) != (USERNAME, PASSWORD):
            return PlainTextResponse("Geçersiz kullanıcı adı/şifre", status_code=401)
        messages = body.get("messages") or [{}]
        dest = str(messages[0].get("dest", ""))
        if failure == "invalid" or not (dest.isdigit() and len(dest) == 12) or not messages[0].get("msg"):
            return PlainTextResponse("INVALID_DESTINATION_ADDRESS", status_code=400)
        if body.get("source_addr") != SOURCE:
            return PlainTextResponse("INVALID_SOURCE_ADDRESS", status_code=400)
        campaigns.append(str(20_000 + len(campaigns)))
        script.took(body)
        return PlainTextResponse(campaigns[-1])

    async def status(request: Request) -> Response:
        q = request.query_params
        if (q.get("username"), q.get("password")) != (USERNAME, PASSWORD):
            return PlainTextResponse("Geçersiz kullanıcı adı/şifre", status_code=401)
        found = [(campaign, body) for campaign, body in zip(campaigns, script.delivered)
                 if body.get("custom_id") == q.get("custom_id")]
        if not found:
            return PlainTextResponse("Bu idye sahip kampanya bulunamadı", status_code=404)
        campaign, body = found[0]
        return JSONResponse([{"campaign_id": int(campaign), "campaign_custom_id": body["custom_id"],
                              "message_id": "13582302", "message_custom_id": body["messages"][0].get("id"),
                              "dest": body["messages"][0]["dest"], "size": 1, "status": "WAITING"}])

    return Starlette(routes=[Route("/v2/send.json", send, methods=["POST"]), Route("/v2/status", status, methods=["GET"])])
