"""BlendVision's error answers: google.rpc.Status bodies `{"code", "message", "details"}`.

`code` is the gRPC code and the HTTP status is grpc-gateway's mapping of it (3 -> 400, 5 -> 404,
16 -> 401, 7 -> 403, 6 -> 409, 9 -> 400, ...). `details` always holds a `google.rpc.ErrorInfo`
(reason, domain, metadata) and, for bad fields, a `google.rpc.BadRequest` with `field_violations`.
The presigned storage links answer like S3 instead (XML `<Error><Code>...`), as the real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any
from xml.sax.saxutils import escape

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from video_localization_dev.sandbox.blendvision.constants import (
    BAD_REQUEST_TYPE,
    ERROR_DOMAIN,
    ERROR_INFO_TYPE,
)


class GrpcCode(IntEnum):
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


# grpc-gateway's runtime.HTTPStatusFromCode.
HTTP_STATUS_OF_CODE = {
    GrpcCode.CANCELLED: 499,
    GrpcCode.UNKNOWN: 500,
    GrpcCode.INVALID_ARGUMENT: 400,
    GrpcCode.DEADLINE_EXCEEDED: 504,
    GrpcCode.NOT_FOUND: 404,
    GrpcCode.ALREADY_EXISTS: 409,
    GrpcCode.PERMISSION_DENIED: 403,
    GrpcCode.RESOURCE_EXHAUSTED: 429,
    GrpcCode.FAILED_PRECONDITION: 400,
    GrpcCode.ABORTED: 409,
    GrpcCode.OUT_OF_RANGE: 400,
    GrpcCode.UNIMPLEMENTED: 501,
    GrpcCode.INTERNAL: 500,
    GrpcCode.UNAVAILABLE: 503,
    GrpcCode.DATA_LOSS: 500,
    GrpcCode.UNAUTHENTICATED: 401,
}

# The reverse, for injected faults that only know an HTTP status.
CODE_OF_HTTP_STATUS = {
    400: GrpcCode.INVALID_ARGUMENT,
    401: GrpcCode.UNAUTHENTICATED,
    403: GrpcCode.PERMISSION_DENIED,
    404: GrpcCode.NOT_FOUND,
    409: GrpcCode.ALREADY_EXISTS,
    429: GrpcCode.RESOURCE_EXHAUSTED,
    499: GrpcCode.CANCELLED,
    500: GrpcCode.INTERNAL,
    501: GrpcCode.UNIMPLEMENTED,
    503: GrpcCode.UNAVAILABLE,
    504: GrpcCode.DEADLINE_EXCEEDED,
}


@dataclass
class FieldViolation:
    field: str
    description: str


@dataclass(eq=False)
class RpcError(Exception):
    """Raised inside a handler; answered as a google.rpc.Status body with the mapped HTTP status."""

    code: GrpcCode
    message: str
    reason: str
    metadata: dict[str, str] = field(default_factory=dict)
    violations: list[FieldViolation] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def http_status(self) -> int:
        return HTTP_STATUS_OF_CODE.get(self.code, 500)

    def body(self) -> dict[str, Any]:
        details: list[dict[str, Any]] = [
            {
                "@type": ERROR_INFO_TYPE,
                "reason": self.reason,
                "domain": ERROR_DOMAIN,
                "metadata": self.metadata,
            }
        ]
        if self.violations:
            details.append(
                {
                    "@type": BAD_REQUEST_TYPE,
                    "field_violations": [
                        {"field": v.field, "description": v.description} for v in self.violations
                    ],
                }
            )
        return {"code": int(self.code), "message": self.message, "details": details}

    def response(self) -> JSONResponse:
        return JSONResponse(status_code=self.http_status, content=self.body())


def rpc_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RpcError)
    return exc.response()


def fault_body(status: int, message: str) -> Response:
    """The error shape of an injected fault: the same google.rpc.Status, code from the HTTP status."""
    code = CODE_OF_HTTP_STATUS.get(status, GrpcCode.UNKNOWN if status >= 500 else GrpcCode.INVALID_ARGUMENT)
    return JSONResponse(status_code=status, content={"code": int(code), "message": message, "details": []})


@dataclass(eq=False)
class StorageError(Exception):
    """An S3-style refusal from a presigned storage link."""

    status: int
    code: str
    message: str

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def response(self) -> Response:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
        )
        return Response(content=body, status_code=self.status, media_type="application/xml")


def storage_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StorageError)
    return exc.response()
