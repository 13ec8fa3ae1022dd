"""JSON request bodies, checked the same way on every route: 415, 400, then 422 naming the field.

Why one place: the collector, outcomes, contacts, identify and inbound routes all take
JSON; a client should meet the same answers and the same ``{"error", "path"}`` shape
whichever it calls.

>>> import msgspec
>>> class Ask(msgspec.Struct):
...     n: int
>>> decode_body(b'{"n": "x"}', Ask).body
b'{"error":"Expected `int`, got `str`","path":"$.n"}'
>>> decode_body(b'{', Ask).status_code
400
"""

from __future__ import annotations

from typing import TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overlay_api.errors import error_response

T = TypeVar("T")


def media_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported_media_type(request: Request, accepted: frozenset[str] = frozenset({"application/json"})) -> Response | None:
    """The 415 to answer if the request's content type is not one of ``accepted``, else None."""
    if media_type_of(request) in accepted:
        return None
    return error_response(415, f"Send Content-Type: {' or '.join(sorted(accepted))}", "$.headers.content-type")


def field_path(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(message, JSON path) from msgspec's error; a bad dict key names its dict.

    >>> field_path(msgspec.ValidationError("Expected `int`, got `str` - at `$.n`"))
    ('Expected `int`, got `str`', '$.n')
    """
    message, _, where = str(exc).partition(" - at `")
    if where.startswith("key` in `"):
        return f"{message} (a key)", where.removeprefix("key` in `").rstrip("`") or "$"
    return message, where.rstrip("`") or "$"


def decode_body(body: bytes, kind: type[T]) -> T | Response:
    """The body as ``kind``, or the 400 (not JSON) / 422 (a wrong field) to answer instead."""
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        message, path = field_path(exc)
        return error_response(422, message, path)
    except msgspec.DecodeError as exc:
        return error_response(400, f"Not readable JSON: {exc}", "$")
    except UnicodeDecodeError:
        return error_response(400, "Body is not valid UTF-8", "$")
    except RecursionError:
        return error_response(400, "JSON is nested too deeply", "$")


async def json_body(request: Request, kind: type[T]) -> T | Response:
    """Content type (415), then :func:`decode_body`."""
    return unsupported_media_type(request) or decode_body(await request.body(), kind)
