"""BlendVision's error answers as `VendorError`s: google.rpc.Status from the API, S3 XML from storage links.

An API error carries the gRPC code (3 INVALID_ARGUMENT, 5 NOT_FOUND, 6 ALREADY_EXISTS, 7
PERMISSION_DENIED, 16 UNAUTHENTICATED, ...), the `ErrorInfo` reason/domain/metadata and any
`BadRequest.field_violations`; all of them are in the exception's message, so a task log says exactly
what the vendor said. The vendor code of the `VendorError` is the ErrorInfo reason (the most specific
word), or the gRPC code name when the vendor gave none.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any
from xml.etree import ElementTree

import httpx

from video_localization.blendvision.models import VENDOR, ErrorInfo, FieldViolation, RpcStatus
from video_localization.core.errors import VendorError


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


#: gRPC codes that say "try again" (Google's API design guide), whatever the HTTP status says.
RETRYABLE_CODES = frozenset(
    {GrpcCode.DEADLINE_EXCEEDED, GrpcCode.RESOURCE_EXHAUSTED, GrpcCode.ABORTED, GrpcCode.UNAVAILABLE}
)


def grpc_name(code: int | None) -> str:
    try:
        return GrpcCode(code).name  # type: ignore[arg-type]
    except ValueError:
        return f"CODE_{code}"


class BlendVisionError(VendorError):
    """A google.rpc.Status answer; `details` holds the parsed body, the properties read it."""

    @property
    def status(self) -> RpcStatus | None:
        return self.details if isinstance(self.details, RpcStatus) else None

    @property
    def grpc_code(self) -> int | None:
        return self.status.code if self.status else None

    @property
    def grpc_status(self) -> str | None:
        return grpc_name(self.grpc_code) if self.status else None

    @property
    def error_info(self) -> ErrorInfo | None:
        return self.status.error_info if self.status else None

    @property
    def reason(self) -> str | None:
        info = self.error_info
        return info.reason if info else None

    @property
    def field_violations(self) -> list[FieldViolation]:
        return self.status.field_violations if self.status else []

    @property
    def already_exists(self) -> bool:
        return self.grpc_code == GrpcCode.ALREADY_EXISTS

    @property
    def not_found(self) -> bool:
        return self.grpc_code == GrpcCode.NOT_FOUND


def describe_status(status: RpcStatus) -> str:
    """`INVALID_ARGUMENT (3): message; reason FIELD_VIOLATION [domain] {k=v}; fields: a: why, b: why`."""
    text = f"{grpc_name(status.code)} ({status.code}): {status.message or 'no message'}"
    info = status.error_info
    if info is not None:
        text += f"; reason {info.describe()}"
    violations = status.field_violations
    if violations:
        text += "; fields: " + ", ".join(f"{v.field}: {v.description}" for v in violations)
    return text


def rpc_error(response: httpx.Response) -> VendorError:
    """The API's error body -> `BlendVisionError`; a body that is not a Status is kept raw."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    try:
        status = RpcStatus.model_validate(body) if isinstance(body, dict) else None
    except ValueError:
        status = None
    if status is None:
        return VendorError(
            VENDOR,
            f"unexpected error body: {response.text[:2000]!r}",
            status_code=response.status_code,
        )
    info = status.error_info
    return BlendVisionError(
        VENDOR,
        describe_status(status),
        status_code=response.status_code,
        code=(info.reason if info and info.reason else grpc_name(status.code)),
        retryable=status.code in RETRYABLE_CODES,
        details=status,
    )


def storage_error(response: httpx.Response) -> VendorError:
    """A presigned storage link's refusal (S3 XML `<Error><Code>..</Code><Message>..</Message>`)."""
    code = message = None
    try:
        root = ElementTree.fromstring(response.content)  # noqa: S314 (the vendor's storage answer, no DTDs)
        code, message = root.findtext("Code"), root.findtext("Message")
    except ElementTree.ParseError:
        pass
    return VendorError(
        VENDOR,
        f"storage: {message or response.text[:500] or response.reason_phrase}",
        status_code=response.status_code,
        code=code,
    )
