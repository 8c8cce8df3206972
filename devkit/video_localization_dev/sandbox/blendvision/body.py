"""Reading JSON request bodies the way a grpc-gateway service does, answering in BlendVision's shape.

Bodies are read by hand (not by FastAPI models) so every problem comes back as a google.rpc.Status
400 naming the field, never FastAPI's 422. proto3 rules apply: `null` and `""` mean "not set", an
int64 may arrive as a JSON number or a decimal string, unknown fields are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from video_localization_dev.sandbox.blendvision.constants import (
    REASON_FIELD_VIOLATION,
    REASON_MALFORMED_BODY,
    REJECT_UNKNOWN_FIELDS,
)
from video_localization_dev.sandbox.blendvision.rpc_errors import FieldViolation, GrpcCode, RpcError

_INTEGER = re.compile(r"-?[0-9]+")


async def read_json_object(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` when `allow_empty` (grpc-gateway ignores EOF)."""
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise RpcError(GrpcCode.INVALID_ARGUMENT, "request body is required", REASON_MALFORMED_BODY)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RpcError(
            GrpcCode.INVALID_ARGUMENT, f"request body is not valid JSON: {exc}", REASON_MALFORMED_BODY
        ) from None
    if not isinstance(body, dict):
        raise RpcError(
            GrpcCode.INVALID_ARGUMENT,
            f"request body must be a JSON object, got {type(body).__name__}",
            REASON_MALFORMED_BODY,
        )
    return body


class Violations:
    """Collects field problems so one 400 can name all of them."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            summary = "; ".join(f"{v.field}: {v.description}" for v in self.items)
            raise RpcError(
                GrpcCode.INVALID_ARGUMENT,
                f"invalid {what}: {summary}",
                REASON_FIELD_VIOLATION,
                metadata={"fields": ",".join(v.field for v in self.items)},
                violations=list(self.items),
            )

    def unknown_fields(self, obj: dict[str, Any], allowed: Iterable[str], prefix: str) -> None:
        if not REJECT_UNKNOWN_FIELDS:
            return
        allowed = set(allowed)
        for key in obj:
            if key not in allowed:
                self.add(f"{prefix}{key}", "unknown field")

    def message(self, obj: dict[str, Any], key: str, path: str, *, required: bool) -> dict[str, Any] | None:
        """A nested object field: None when absent (or null); a violation when of the wrong type."""
        value = obj.get(key)
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if not isinstance(value, dict):
            self.add(path, f"must be an object, got {type(value).__name__}")
            return None
        return value

    def string(self, obj: dict[str, Any], key: str, path: str, *, required: bool) -> str | None:
        """A string field; `""` and null count as not set (proto3)."""
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.add(path, "is required")
            return None
        if not isinstance(value, str):
            self.add(path, f"must be a string, got {type(value).__name__}")
            return None
        return value

    def enum(self, obj: dict[str, Any], key: str, path: str, allowed: Iterable[str]) -> str | None:
        """A required enum field given by name (the `*_UNSPECIFIED` zero value counts as not set)."""
        allowed = tuple(allowed)
        value = self.string(obj, key, path, required=False)
        if value is None:
            if key not in obj or obj[key] in (None, ""):
                self.add(path, f"is required; one of {', '.join(allowed)}")
            return None
        if value not in allowed:
            self.add(path, f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return value

    def integer(self, obj: dict[str, Any], key: str, path: str, *, required: bool) -> int | None:
        """An integer field; proto3 JSON allows a number or a decimal string (int64 comes as a string)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if isinstance(value, bool):
            self.add(path, "must be an integer, got bool")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
        self.add(path, f"must be an integer, got {value!r}")
        return None
