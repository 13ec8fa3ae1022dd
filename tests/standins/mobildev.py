"""A stand-in for Mobildev's XML gateway, following its "Bulk SMS XML API"
(http://smsdeveloper.net/128) and the request layout of its public samples:
``POST /com.mobilus`` with ``<MainmsgBody>`` (UserName, PassWord, Action 0, Mesgbody,
Numbers, Originator, SDate) answers ``ID:<message id>``, or an error code (``01`` wrong
user name, password or company code); 5xx when the gateway is down.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError, fromstring

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.standins.script import Script

USERNAME, PASSWORD, ORIGINATOR = "shop-mb1000", "mobildev-pass", "DEMOSHOP"


def mobildev_stand_in(script: Script) -> Starlette:
    ids: list[str] = []

    async def send(request: Request) -> PlainTextResponse:
        try:
            root = fromstring(await request.body())
        except ParseError:
            return PlainTextResponse("03")
        fields = {child.tag: child.text or "" for child in root}
        failure = await script.next(fields)
        if failure == "5xx":
            return PlainTextResponse("Service Unavailable", status_code=503)
        if failure == "auth" or (fields.get("UserName"), fields.get("PassWord")) != (USERNAME, PASSWORD):
            return PlainTextResponse("01")
        if failure == "invalid" or fields.get("Action") != "0" or not fields.get("Numbers", "").isdigit():
            return PlainTextResponse("04")
        ids.append(str(2_947_582 + len(ids)))
        script.took(fields)
        return PlainTextResponse(f"ID:{ids[-1]}")

    return Starlette(routes=[Route("/com.mobilus", send, methods=["POST"])])
