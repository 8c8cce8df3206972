"""Base pieces of every vendor's pydantic models: lenient answers, strict status enums, loud parsing."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from video_localization.core.errors import VendorResponseError

ModelT = TypeVar("ModelT", bound=BaseModel)


class VendorAnswer(BaseModel):
    """A vendor answer: unknown extra fields are kept (vendors add fields), missing required ones fail."""

    model_config = ConfigDict(extra="allow")


class VendorStatus(StrEnum):
    """A vendor's status words. Unknown words fail loudly with the raw value, never pass as 'not done'."""

    @classmethod
    def parse(cls, raw: Any, vendor: str) -> Self:
        try:
            return cls(raw)
        except ValueError:
            allowed = ", ".join(member.value for member in cls)
            raise VendorResponseError(vendor, f"{cls.__name__} (known: {allowed})", raw) from None

    @property
    def is_terminal(self) -> bool:
        raise NotImplementedError

    @property
    def is_success(self) -> bool:
        raise NotImplementedError


def parse_answer(
    vendor: str, model: type[ModelT], raw: Any, what: str, status_code: int | None = None
) -> ModelT:
    """Parse a vendor answer into `model`, or fail with the raw value in the message."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise VendorResponseError(
            vendor, f"{what} ({where}: {first['msg']})", raw, status_code=status_code
        ) from None
