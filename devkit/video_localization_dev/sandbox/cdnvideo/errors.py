"""CDNvideo's error answers: `{"status": "ERROR", "message": ...}`, or none where the document says None."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

# The document lists 404, 500 and 503 with "Response data: None".
NO_BODY_STATUSES = frozenset({404, 500, 503})


class ApiError(Exception):
    """An answer other than success; `message=None` means an empty body."""

    def __init__(self, status: int, message: str | None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str | None, headers: dict[str, str] | None = None) -> Response:
    if message is None:
        return Response(status_code=status, headers=headers)
    return JSONResponse(status_code=status, content={"status": "ERROR", "message": message}, headers=headers)


def fault_response(status: int, message: str) -> Response:
    """An injected fault in the vendor's shape: no body for the codes the document gives no body."""
    return error_response(status, None if status in NO_BODY_STATUSES else message)


def api_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)
