"""The one shape of every error the API returns: ``{"error": message, "path": where}``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def error_response(
    status: int, message: str, path: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, str] = {"error": message}
    if path is not None:
        body["path"] = path
    return JSONResponse(body, status_code=status, headers=headers)


#: Where the problem lies for the errors Starlette raises before a route runs.
_WHERE = {404: "$.path", 405: "$.method"}


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 in the same JSON shape as every other error.

    (A body over the route's limit stays Starlette's plain-text 413 "Content Too Large":
    its body-limit middleware writes that answer itself, whatever the route returns.)
    """
    assert isinstance(exc, HTTPException)
    if exc.status_code < 400 or exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(exc.status_code, exc.detail, _WHERE.get(exc.status_code), headers=exc.headers)

