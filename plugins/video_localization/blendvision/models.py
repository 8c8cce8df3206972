"""BlendVision One wire models: library files, uploads, download links, dubbing jobs, google.rpc errors.

The document gives the dubbing job (create answer and fields, status words, `error_infos`); the
vendor notes give the library upload/complete/download bodies, `GET /dubbing-jobs/{id}` and the error
shape. Proto3 JSON rules apply to answers: int64 fields (file `size`) may come as strings, unset fields
may be missing or null.

Inferred (one place each): the list answer `{"dubbing_jobs": [...], "page": {items_per_page,
current_page, total_items}}` (see hook.LIST_* for its query parameters).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from video_localization.blendvision.decimal import Decimal
from video_localization.core.models import ModelT, VendorAnswer, VendorStatus, parse_answer

VENDOR = "blendvision"


# -- enums ---------------------------------------------------------------------------------------------
class FileType(StrEnum):
    VIDEO = "FILE_TYPE_VIDEO"
    AUDIO = "FILE_TYPE_AUDIO"

    @property
    def source(self) -> FileSource:
        """The library `source` that goes with a type (VOD for video, AOD for audio)."""
        return FileSource.ADD_VOD if self is FileType.VIDEO else FileSource.ADD_AOD


class FileSource(StrEnum):
    ADD_VOD = "FILE_SOURCE_ADD_VOD"
    ADD_AOD = "FILE_SOURCE_ADD_AOD"


class DubbingSourceType(StrEnum):
    VIDEO = "DUBBING_SOURCE_TYPE_VIDEO"
    AUDIO = "DUBBING_SOURCE_TYPE_AUDIO"


class DubbingStatus(VendorStatus):
    CREATED = "DUBBING_STATUS_CREATED"
    PROCESSING = "DUBBING_STATUS_PROCESSING"
    SUCCEEDED = "DUBBING_STATUS_SUCCEEDED"
    FAILED = "DUBBING_STATUS_FAILED"

    @property
    def is_terminal(self) -> bool:
        return self in (DubbingStatus.SUCCEEDED, DubbingStatus.FAILED)

    @property
    def is_success(self) -> bool:
        return self is DubbingStatus.SUCCEEDED


# -- shared pieces -------------------------------------------------------------------------------------
class DecimalValue(BaseModel):
    """google.type.Decimal: `{"value": "2.5"}`; the value is read and written by the document's rules."""

    value: Decimal


class Interval(BaseModel):
    start: DecimalValue | None = None
    end: DecimalValue | None = None

    @classmethod
    def of(cls, start: Decimal, end: Decimal) -> Interval:
        return cls(start=DecimalValue(value=start), end=DecimalValue(value=end))


class ErrorInfo(VendorAnswer):
    """google.rpc.ErrorInfo: a failed job's `error_infos[]` and an error's `details[]` entry."""

    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = {}

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata(cls, raw: Any) -> Any:
        return {} if raw is None else raw

    def describe(self) -> str:
        """`REASON [domain] {key=value, ...}`: every part of the entry, for a task's error message."""
        text = self.reason or "UNKNOWN_REASON"
        if self.domain:
            text += f" [{self.domain}]"
        if self.metadata:
            text += " {" + ", ".join(f"{k}={v}" for k, v in sorted(self.metadata.items())) + "}"
        return text


# -- library -------------------------------------------------------------------------------------------
class FileSpec(BaseModel):
    """The `file` of `files:upload`: what is announced before any byte is sent."""

    model_config = ConfigDict(extra="forbid")

    type: FileType
    source: FileSource
    name: str = Field(min_length=1)
    size: int = Field(gt=0)

    def wire(self) -> dict[str, Any]:
        # int64 travels as a decimal string in proto3 JSON.
        return {"file": {**self.model_dump(mode="json"), "size": str(self.size)}}


class PresignedPart(VendorAnswer):
    part_number: int
    presigned_url: str


class UploadData(VendorAnswer):
    id: str
    parts: list[PresignedPart] = Field(min_length=1)

    def ordered_parts(self) -> list[PresignedPart]:
        return sorted(self.parts, key=lambda part: part.part_number)


class LibraryFile(VendorAnswer):
    id: str
    name: str | None = None
    type: str | None = None
    source: str | None = None
    size: int | None = None
    upload_data: UploadData | None = None


class FileAnswer(VendorAnswer):
    """`{"file": {...}}`: the answer of `files:upload` and of `:complete-upload`."""

    file: LibraryFile


class CompletedPart(BaseModel):
    part_number: int
    etag: str


class CompleteUploadRequest(BaseModel):
    id: str
    parts: list[CompletedPart] = Field(min_length=1)
    checksum_sha1: str | None = None

    def wire(self) -> dict[str, Any]:
        return {"complete_data": self.model_dump(mode="json", exclude_none=True)}


class DownloadLink(VendorAnswer):
    """`:download`: a signed link to the file's bytes, good until `expiration_time`."""

    id: str
    download_uri: str
    download_filename: str | None = None
    expiration_time: datetime | None = None


# -- dubbing jobs --------------------------------------------------------------------------------------
class OutputRequest(BaseModel):
    lang_code: str


class DubbingJobRequest(BaseModel):
    """`dubbing_job` of a create: one output language (the document's MaxItems: 1)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    source_type: DubbingSourceType
    source_id: str = Field(min_length=1)
    source_lang_code: str
    interval_sec: Interval | None = None
    outputs: list[OutputRequest] = Field(min_length=1, max_length=1)

    @property
    def lang_code(self) -> str:
        return self.outputs[0].lang_code

    def wire(self) -> dict[str, Any]:
        return {"dubbing_job": self.model_dump(mode="json", exclude_none=True)}


class DubbingOutput(VendorAnswer):
    id: str | None = None  # the library file id of the dubbed result, once SUCCEEDED
    lang_code: str


class DubbingJob(VendorAnswer):
    id: str
    source_type: DubbingSourceType | str
    source_id: str
    source_lang_code: str
    interval_sec: Interval | None = None
    outputs: list[DubbingOutput] = []
    status: DubbingStatus
    error_infos: list[ErrorInfo] = []
    created_at: datetime | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> DubbingStatus:
        return DubbingStatus.parse(raw, VENDOR)

    @field_validator("error_infos", "outputs", mode="before")
    @classmethod
    def _repeated(cls, raw: Any) -> Any:
        return [] if raw is None else raw

    @property
    def lang_code(self) -> str | None:
        return self.outputs[0].lang_code if self.outputs else None

    @property
    def output_file_id(self) -> str | None:
        """The dubbed file's library id (empty until the job SUCCEEDED)."""
        return (self.outputs[0].id or None) if self.outputs else None

    def failure_text(self) -> str:
        """Every `error_infos` entry (reason, domain, metadata), or a note that the vendor gave none."""
        if not self.error_infos:
            return "no error_infos given"
        return "; ".join(info.describe() for info in self.error_infos)

    def matches(self, request: DubbingJobRequest) -> bool:
        """Whether this job is the one `request` asks for (same source, languages and interval)."""
        return (
            self.source_id == request.source_id
            and self.source_lang_code == request.source_lang_code
            and self.lang_code == request.lang_code
            and _interval_key(self.interval_sec) == _interval_key(request.interval_sec)
        )


def _interval_key(interval: Interval | None) -> tuple[Any, Any] | None:
    if interval is None or (interval.start is None and interval.end is None):
        return None
    return tuple(None if end is None else end.value.value for end in (interval.start, interval.end))


class DubbingJobAnswer(VendorAnswer):
    dubbing_job: DubbingJob


class Page(VendorAnswer):
    items_per_page: int | None = None
    current_page: int | None = None
    total_items: int | None = None


class DubbingJobPage(VendorAnswer):
    dubbing_jobs: list[DubbingJob] = []
    page: Page = Page()

    @field_validator("dubbing_jobs", mode="before")
    @classmethod
    def _jobs(cls, raw: Any) -> Any:
        return [] if raw is None else raw


# -- errors --------------------------------------------------------------------------------------------
class FieldViolation(VendorAnswer):
    field: str = ""
    description: str = ""


class RpcStatus(VendorAnswer):
    """google.rpc.Status, the body of every error answer."""

    code: int
    message: str = ""
    details: list[dict[str, Any]] = []

    @field_validator("details", mode="before")
    @classmethod
    def _details(cls, raw: Any) -> Any:
        return [] if raw is None else raw

    def _typed(self, suffix: str) -> list[dict[str, Any]]:
        return [d for d in self.details if isinstance(d, dict) and str(d.get("@type", "")).endswith(suffix)]

    @property
    def error_info(self) -> ErrorInfo | None:
        infos = self._typed("google.rpc.ErrorInfo")
        return ErrorInfo.model_validate(infos[0]) if infos else None

    @property
    def field_violations(self) -> list[FieldViolation]:
        return [
            FieldViolation.model_validate(violation)
            for detail in self._typed("google.rpc.BadRequest")
            for violation in detail.get("field_violations") or []
            if isinstance(violation, dict)
        ]


def parse(model: type[ModelT], raw: Any, what: str, status_code: int | None = None) -> ModelT:
    return parse_answer(VENDOR, model, raw, what, status_code)
