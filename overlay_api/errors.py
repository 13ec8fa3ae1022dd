"""The one shape of every error the API returns: ``{"error": message, "path": where}``."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error_response(
    status: int, message: str, path: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, str] = {"error": message}
    if path is not None:
        body["path"] = path
    return JSONResponse(body, status_code=status, headers=headers)
