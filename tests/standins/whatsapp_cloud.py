"""A stand-in for Meta's WhatsApp Cloud API, following
https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages:
``POST /{version}/{phone_number_id}/messages`` with ``Authorization: Bearer`` and a JSON
body (messaging_product, to, type text|template...) answers
``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``;
errors are ``{"error": {"message", "type", "code"}}``: 401 code 190 (bad token), 400 code
100 (bad parameter), 429 code 130429 (throughput), 5xx. Webhook notifications are built by
the tests in the documented shape and signed like Meta signs them.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.standins.script import Script

PHONE_NUMBER_ID, TOKEN = "106540352242922", "cloud-access-token"


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}},
                        status_code=status)


def cloud_stand_in(script: Script) -> Starlette:
    ids: list[str] = []

    async def messages(request: Request) -> JSONResponse:
        body = json.loads((await request.body()).decode("utf-8"))
        fields = {**body, "authorization": request.headers.get("authorization", "")}
        failure = await script.next(fields)
        if failure == "5xx":
            return _error(500, 2, "Service temporarily unavailable")
        if failure == "auth" or request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, 190, "Error validating access token")
        if request.path_params["phone_id"] != PHONE_NUMBER_ID:
            return _error(400, 100, "Unsupported post request")
        to = str(body.get("to", ""))
        if failure == "invalid" or body.get("messaging_product") != "whatsapp" or not to.isdigit():
            return _error(400, 100, "(#100) Invalid parameter")
        if body.get("type") == "template":
            params = body["template"]["components"][0]["parameters"]
            if any("\n" in p["text"] or "\t" in p["text"] for p in params):
                return _error(400, 132018, "There was an issue with the parameters in your template")
        ids.append(f"wamid.HBgM{len(ids):08d}")
        script.took(fields)
        return JSONResponse({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                             "messages": [{"id": ids[-1]}]})

    return Starlette(routes=[Route("/{version}/{phone_id}/messages", messages, methods=["POST"])])
