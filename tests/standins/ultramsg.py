"""A stand-in for UltraMSG's WhatsApp API, following https://docs.ultramsg.com/api/post/messages/chat:
``POST /{instance_id}/messages/chat`` (form: token, to, body, referenceId) answers
``{"sent": "true", "message": "ok", "id": n}``, or ``{"error": ...}`` for a wrong token or
a bad number; 5xx when the instance is down. Its webhooks (``message_ack``,
``message_received``) are built by the tests in UltraMSG's documented shape.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.standins.script import Script

INSTANCE, TOKEN = "instance1150", "ultramsg-token"


def ultramsg_stand_in(script: Script) -> Starlette:
    sent: list[int] = []

    async def chat(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
        fields = {**form, "instance": request.path_params["instance"]}
        failure = await script.next(fields)
        if failure == "5xx":
            return JSONResponse({"error": "instance not ready"}, status_code=502)
        if failure == "auth" or request.path_params["instance"] != INSTANCE or form.get("token") != TOKEN:
            return JSONResponse({"error": "Wrong token. Please provide token as a GET parameter."}, status_code=401)
        if failure == "invalid" or not str(form.get("to", "")).startswith("+") or not form.get("body"):
            return JSONResponse({"error": [{"to": "invalid phone number"}]}, status_code=400)
        sent.append(len(sent) + 1)
        script.took(fields)
        return JSONResponse({"sent": "true", "message": "ok", "id": sent[-1]})

    return Starlette(routes=[Route("/{instance}/messages/chat", chat, methods=["POST"])])
