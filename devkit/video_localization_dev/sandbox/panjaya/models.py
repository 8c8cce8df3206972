"""Request bodies the Panjaya emulator accepts, validated by hand so a bad body answers 400 `{"detail"}`.

Unknown fields are ignored, like a pydantic-backed API does by default; every documented constraint
(locales of the right side of the language table, ranges, enums) is enforced.
"""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from video_localization_dev.sandbox.panjaya.wire import (
    DEFAULT_LIPS_MODEL,
    DEFAULT_STUDIO_EXPIRATION_MINUTES,
    MAX_STUDIO_EXPIRATION_MINUTES,
    SOURCE_LOCALES,
    TARGET_LOCALES,
)


class BadRequest(ValueError):
    """Invalid input: answered as 400 with the message as `detail`."""


def _http_url(value: str, field: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{field} must be an http(s) URL")
    return value


class TargetLanguage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    locale: str
    srt: str | None = None

    @field_validator("locale")
    @classmethod
    def _target_locale(cls, value: str) -> str:
        if value not in TARGET_LOCALES:
            raise ValueError(f"{value!r} is not a supported target locale")
        return value


def _check_targets(targets: list[TargetLanguage], source: str | None) -> None:
    seen: set[str] = set()
    for target in targets:
        if target.locale in seen:
            raise ValueError(f"target locale {target.locale!r} is listed twice")
        if target.locale == source:
            raise ValueError(f"target locale {target.locale!r} is the source locale")
        seen.add(target.locale)


class AssetParameters(BaseModel):
    """Every Create Asset parameter except `media_url`: the `request` form field of an upload."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    locale: str
    target_languages: list[TargetLanguage] = Field(min_length=1)
    speakers_count: int | None = Field(default=None, ge=1)
    start_time: float | None = Field(default=None, ge=0)
    end_time: float | None = Field(default=None, gt=0)
    callback_url: str | None = None
    lips_model: Literal["real_face", "real_face_turbo"] = DEFAULT_LIPS_MODEL
    voice_anonymization: float = Field(default=0.0, ge=0.0, le=1.0)
    background_url: str | None = None

    @field_validator("locale")
    @classmethod
    def _source_locale(cls, value: str) -> str:
        if value not in SOURCE_LOCALES:
            raise ValueError(f"{value!r} is not a supported source locale")
        return value

    @field_validator("callback_url", "background_url")
    @classmethod
    def _urls(cls, value: str | None, info) -> str | None:
        return None if value is None else _http_url(value, info.field_name)

    @model_validator(mode="after")
    def _consistent(self) -> AssetParameters:
        _check_targets(self.target_languages, self.locale)
        if self.end_time is not None and self.end_time <= (self.start_time or 0.0):
            raise ValueError("end_time must be greater than start_time")
        return self


class CreateAsset(AssetParameters):
    media_url: str

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str) -> str:
        return _http_url(value, "media_url")


class AddLanguages(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target_languages: list[TargetLanguage] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> AddLanguages:
        _check_targets(self.target_languages, None)
        return self


class StudioUrlRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    expiration_minutes: int = Field(
        default=DEFAULT_STUDIO_EXPIRATION_MINUTES, ge=1, le=MAX_STUDIO_EXPIRATION_MINUTES
    )


class ReviseRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    studio_url_request: StudioUrlRequest | None = None


def describe(exc: ValidationError) -> str:
    """One readable line from pydantic's error list: `field.path: message; ...`."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "Invalid request: " + "; ".join(parts)


def parse_json(raw: bytes | str, model: type[BaseModel], *, optional: bool = False) -> BaseModel:
    """Validate a JSON body into `model`; an empty body is `{}` when the body is optional."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if not text.strip():
        if not optional:
            raise BadRequest("Invalid request: a JSON body is required")
        text = "{}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Invalid request: body is not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise BadRequest("Invalid request: body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(describe(exc)) from exc
