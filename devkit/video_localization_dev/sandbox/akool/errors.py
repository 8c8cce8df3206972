"""Akool's error shape: HTTP 200 with a business `code` and `msg` (only code 1000 is success)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from video_localization_dev.sandbox.akool.wire import MESSAGES


class AkoolError(Exception):
    """A request Akool refuses with a business code; `detail` names the cause after the vendor's words."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def msg(self) -> str:
        message = MESSAGES[self.code]
        return f"{message} ({self.detail})" if self.detail else message

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg}


def akool_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AkoolError)
    return JSONResponse(status_code=200, content=exc.body())


def fault_body(status: int, message: str) -> Response:
    """An injected fault (gateway error, throttling) in the same `{code, msg}` shape, at its HTTP status."""
    return JSONResponse(status_code=status, content={"code": status, "msg": message})
