"""CDNvideo Talking Head wire models: the generate request, every answer, and the task status enum.

The document prints the configurations answer, the generate body, the status, link, list, rename and
delete answers; the token answer is the white-label platform's (vendor-notes: inferred). Answers keep
unknown fields (the vendor adds some), requests forbid them (the vendor answers 422 for unknown names).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from video_localization.core.models import ModelT, VendorAnswer, VendorStatus, parse_answer

VENDOR = "cdnvideo"

#: The document's video sizes ("SD, HD, FullHD or 4K").
VIDEO_SIZES = ("SD", "HD", "FullHD", "4K")
#: What the vendor uses when a request gives none (document: "If not specified, green_screen" / "neutral").
DEFAULT_BACKGROUND = "green_screen"
DEFAULT_EMOTION = "neutral"
#: `actor.version` meaning "the newest version that fits the other parameters" (document).
LATEST = "latest"


class TaskStatus(VendorStatus):
    """Task status words. The document writes them lower case in its table and `CANCELED` in its example,
    so they are compared case-insensitively; `canceled` covers both the user's cancel and the service
    giving up after its attempts (the task's `message` tells which)."""

    IN_QUEUE = "in_queue"
    PROCESSING = "processing"
    PROCESSED = "processed"
    CANCELED = "canceled"

    @classmethod
    def _missing_(cls, value: object) -> TaskStatus | None:
        if isinstance(value, str):
            lowered = value.strip().lower()
            for member in cls:
                if member.value == lowered:
                    return member
        return None

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.PROCESSED, TaskStatus.CANCELED)

    @property
    def is_success(self) -> bool:
        return self is TaskStatus.PROCESSED


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


# -- requests ------------------------------------------------------------------------------------


class Actor(BaseModel):
    """The `actor` section: name and shot are required, the rest narrows the model version."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str | None = None
    style: str | None = None
    shot: str
    size: str | None = None


class GenerateRequest(BaseModel):
    """Body of `POST .../generate`."""

    model_config = ConfigDict(extra="forbid")

    script: str
    actor: Actor
    voice: str
    background: str | None = None
    emotion: str | None = None
    video_name: str

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# -- answers -------------------------------------------------------------------------------------


class TokenAnswer(VendorAnswer):
    """`POST /app/oauth/v1/token/`: `lifetime` is the time left until the token expires, in ms."""

    token: str
    lifetime: float | None = None
    person_id: int | None = None


class Voice(VendorAnswer):
    language: str
    gender: str | None = None
    name: str | None = None
    provider: str | None = None
    emotions: list[str] = []

    @property
    def allowed_emotions(self) -> list[str]:
        """A voice without an `emotions` list speaks only neutrally."""
        return self.emotions or [DEFAULT_EMOTION]


class OutSize(VendorAnswer):
    width: int
    height: int


class Shot(VendorAnswer):
    size: str
    out_size: OutSize | None = None


class ModelVersion(VendorAnswer):
    style: str | None = None
    gender: str | None = None
    voices: list[str] = []
    shots: dict[str, Shot] = {}


class Background(VendorAnswer):
    sizes: list[str] = []


class Quota(VendorAnswer):
    limit: float
    left: float


class Configurations(VendorAnswer):
    """`GET .../configurations`: voices by name, models by actor then version, backgrounds, quota."""

    status: str = "ok"
    voices: dict[str, Voice]
    models: dict[str, dict[str, ModelVersion]]
    backgrounds: dict[str, Background] = {}
    quota: Quota | None = None
    watermark: bool | None = None

    def catalogue(self) -> dict[str, Any]:
        """What does not change from request to request (no status, no quota): the offline snapshot."""
        return self.model_dump(mode="json", exclude={"status", "quota"}, exclude_unset=True)


class GenerateAnswer(VendorAnswer):
    id: str


class TaskInfo(VendorAnswer):
    id: str
    attempts: int = 0
    status: TaskStatus
    message: str = ""

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> TaskStatus:
        return TaskStatus.parse(raw, VENDOR)


class StatusAnswer(VendorAnswer):
    task: TaskInfo


class VideoLink(VendorAnswer):
    url: str


class TaskRow(VendorAnswer):
    """One row of `GET .../tasks`; the optional fields come back when asked for in `fields`."""

    id: str
    video_url: str | None = None
    duration: float | None = None
    resolution: str | None = None
    date: datetime | None = None
    background: str | None = None
    shot: str | None = None
    script: str | None = None
    voice_name: str | None = None
    actor_name: str | None = None
    model_version: str | None = None
    video_name: str | None = None
    emotion: str | None = None


#: `fields` the list of videos can add to its rows (document).
LIST_FIELDS = (
    "background",
    "shot",
    "script",
    "voice_name",
    "actor_name",
    "model_version",
    "video_name",
    "emotion",
)


def parse(model: type[ModelT], raw: Any, what: str, status_code: int | None = None) -> ModelT:
    return parse_answer(VENDOR, model, raw, what, status_code)
