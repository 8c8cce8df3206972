"""Panjaya Dubbing Studio wire models: every request and answer, and the status enums.

The document names the endpoints, the version status words and the error shape; field names it leaves
out are the project's reading of the vendor's OpenAPI, each kept in one place here:

Inferred: `target_languages` (list of `{locale, srt}`) on create/add languages; asset status words
(`Processing`, `Ready`, `Failed`); list pagination `page` / `page_size` answered as
`{items, page, page_size, total}`; callback body fields `asset_id`, `version_id`, `locale`.

Guessed, so optional: `locale` on asset, dubbing and version answers (`core.guesses`
PANJAYA_ANSWER_LOCALE). The document says only that each language gets its own dubbing and that
version *callbacks* carry the version's locale; an answer without `locale` parses, and which version is
which language is then worked out from what the request said (`panjaya.languages`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from video_localization.core.models import ModelT, VendorAnswer, VendorStatus, parse_answer

VENDOR = "panjaya"


class AssetStatus(VendorStatus):
    PROCESSING = "Processing"
    READY = "Ready"
    FAILED = "Failed"

    @property
    def is_terminal(self) -> bool:
        return self is not AssetStatus.PROCESSING

    @property
    def is_success(self) -> bool:
        return self is AssetStatus.READY


class VersionStatus(VendorStatus):
    NOT_READY = "NotReady"
    READY_TO_EDIT = "ReadyToEdit"
    GENERATING = "Generating"
    COMPLETED = "Completed"
    FAILED = "Failed"

    @property
    def is_terminal(self) -> bool:
        """Terminal for a generation: Completed or Failed."""
        return self in (VersionStatus.COMPLETED, VersionStatus.FAILED)

    @property
    def is_success(self) -> bool:
        return self is VersionStatus.COMPLETED

    @property
    def is_editable(self) -> bool:
        """The version is prepared: generate is allowed (the asset's wait ends here)."""
        return self is VersionStatus.READY_TO_EDIT

    @property
    def can_revise(self) -> bool:
        return self in (VersionStatus.COMPLETED, VersionStatus.READY_TO_EDIT, VersionStatus.FAILED)


class LipsModel(StrEnum):
    REAL_FACE = "real_face"
    REAL_FACE_TURBO = "real_face_turbo"


class AssetErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    UNSUPPORTED_MEDIA = "unsupported_media"
    EMPTY_TRANSCRIPT = "empty_transcript"
    MISSING_AUDIO_TRACK = "missing_audio_track"
    VIDEO_DURATION_LIMIT_REACHED = "video_duration_limit_reached"
    VIDEO_SIZE_LIMIT_REACHED = "video_size_limit_reached"
    TIME_OUT_OF_RANGE = "time_out_of_range"


class CallbackEvent(StrEnum):
    ASSET_FAILED = "asset_failed"
    VERSION_READY = "version_ready"
    VERSION_FAILED = "version_failed"
    VERSION_GENERATING = "version_generating"
    VERSION_GENERATED = "version_generated"
    VERSION_GENERATE_FAILED = "version_generate_failed"


class SrtLocality(StrEnum):
    SOURCE = "source"
    TARGET = "target"


# -- requests ------------------------------------------------------------------------------------


class TargetLanguage(BaseModel):
    locale: str
    srt: str | None = None


class AssetOptions(BaseModel):
    """The asset parameters shared by create (from URL) and upload (multipart)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    locale: str
    target_languages: list[TargetLanguage] = Field(min_length=1)
    speakers_count: int | None = Field(default=None, ge=1)
    start_time: float | None = Field(default=None, ge=0)
    end_time: float | None = Field(default=None, gt=0)
    callback_url: str | None = None
    lips_model: LipsModel | None = None
    voice_anonymization: float | None = Field(default=None, ge=0.0, le=1.0)
    background_url: str | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class CreateAssetRequest(AssetOptions):
    media_url: str


class AddLanguagesRequest(BaseModel):
    target_languages: list[TargetLanguage] = Field(min_length=1)


class StudioUrlRequest(BaseModel):
    expiration_minutes: int | None = Field(default=None, ge=1)


class ReviseRequest(BaseModel):
    studio_url_request: StudioUrlRequest | None = None


# -- answers -------------------------------------------------------------------------------------


class ErrorInfo(VendorAnswer):
    code: str
    message: str = ""


class VersionSummary(VendorAnswer):
    id: str
    status: VersionStatus
    created_at: datetime | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> VersionStatus:
        return VersionStatus.parse(raw, VENDOR)


class Dubbing(VendorAnswer):
    id: str
    locale: str | None = None  # guessed (PANJAYA_ANSWER_LOCALE)
    versions: list[VersionSummary] = []

    @property
    def latest_version(self) -> VersionSummary | None:
        return self.versions[-1] if self.versions else None


class DubbingSummary(VendorAnswer):
    id: str
    locale: str | None = None  # guessed (PANJAYA_ANSWER_LOCALE)


class Asset(VendorAnswer):
    id: str
    name: str | None = None
    status: AssetStatus
    locale: str | None = None  # the source language; guessed (PANJAYA_ANSWER_LOCALE)
    created_at: datetime | None = None
    error: ErrorInfo | None = None
    dubbings: list[Dubbing] = []

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> AssetStatus:
        return AssetStatus.parse(raw, VENDOR)

    def versions_by_locale(self) -> dict[str, VersionSummary]:
        """The newest version of each language whose dubbing names its locale (the others are left out:
        `panjaya.languages` matches those to the requested languages)."""
        return {
            d.locale: v for d in self.dubbings if d.locale is not None and (v := d.latest_version) is not None
        }

    @property
    def all_versions_prepared(self) -> bool:
        """Every dubbing's newest version has left NotReady (editable, or failed)."""
        newest = [dubbing.latest_version for dubbing in self.dubbings]
        return bool(newest) and all(v is not None and v.status is not VersionStatus.NOT_READY for v in newest)


class AssetSummary(VendorAnswer):
    id: str
    name: str | None = None
    status: AssetStatus
    locale: str | None = None
    created_at: datetime | None = None
    dubbings: list[DubbingSummary] = []

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> AssetStatus:
        return AssetStatus.parse(raw, VENDOR)


class AssetPage(VendorAnswer):
    items: list[AssetSummary]
    page: int
    page_size: int
    total: int


class Version(VendorAnswer):
    id: str
    asset_id: str | None = None
    dubbing_id: str | None = None
    locale: str | None = None  # the target language; guessed (PANJAYA_ANSWER_LOCALE)
    status: VersionStatus
    progress: float | None = None
    studio_url: str | None = None
    result_url: str | None = None
    error: ErrorInfo | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> VersionStatus:
        return VersionStatus.parse(raw, VENDOR)


class StudioUrl(VendorAnswer):
    studio_url: str | None = None


class CallbackPayload(VendorAnswer):
    event: CallbackEvent
    asset_id: str
    version_id: str | None = None
    locale: str | None = None


def parse(model: type[ModelT], raw: Any, what: str, status_code: int | None = None) -> ModelT:
    return parse_answer(VENDOR, model, raw, what, status_code)


LocalityLiteral = Literal["source", "target"]
