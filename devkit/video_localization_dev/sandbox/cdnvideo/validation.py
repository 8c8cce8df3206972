"""Checking requests the way the service does: parameter names and types first (422), then limits (400).

Bodies are read by hand rather than through pydantic so the answers keep CDNvideo's own error shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from video_localization_dev.sandbox.cdnvideo import constants as c
from video_localization_dev.sandbox.cdnvideo.errors import ApiError

GENERATE_FIELDS = ("script", "actor", "voice", "background", "emotion", "video_name")
GENERATE_REQUIRED = ("script", "actor", "voice", "video_name")
ACTOR_FIELDS = ("name", "version", "style", "shot", "size")
ACTOR_REQUIRED = ("name", "shot")
RENAME_FIELDS = ("video_name",)
# document: "Additional fields to be returned" by the list of videos.
LIST_EXTRA_FIELDS = (
    "background",
    "shot",
    "script",
    "voice_name",
    "actor_name",
    "model_version",
    "video_name",
    "emotion",
)
LIST_BASE_FIELDS = ("id", "video_url", "duration", "resolution", "date")
SORT_FIELDS = frozenset(LIST_BASE_FIELDS) - {"video_url"} | frozenset(LIST_EXTRA_FIELDS)

_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}(?::?\d{2})?)?$")


@dataclass(frozen=True)
class GenerateRequest:
    script: str
    actor: dict[str, str]
    voice: str
    background: str | None
    emotion: str | None
    video_name: str


def _unknown(given: dict[str, Any], allowed: tuple[str, ...], prefix: str = "") -> list[str]:
    return [f"{prefix}{name}" for name in given if name not in allowed]


def validate_generate(body: Any) -> GenerateRequest:
    """The schema checks of `POST .../generate`; limits and consistency are checked by the caller."""
    if not isinstance(body, dict):
        raise ApiError(400, c.MSG_INVALID_JSON)
    unknown = _unknown(body, GENERATE_FIELDS)
    if isinstance(body.get("actor"), dict):
        unknown += _unknown(body["actor"], ACTOR_FIELDS, "actor.")
    if unknown:
        raise ApiError(422, c.MSG_UNKNOWN_PARAMS.format(names=", ".join(unknown)))
    for name in GENERATE_REQUIRED:
        if body.get(name) is None:
            raise ApiError(422, c.MSG_MISSING_PARAM.format(name=name))
    if not isinstance(body["actor"], dict):
        raise ApiError(422, c.MSG_BAD_TYPE.format(name="actor", expected="object"))
    for name in ACTOR_REQUIRED:
        if body["actor"].get(name) is None:
            raise ApiError(422, c.MSG_MISSING_PARAM.format(name=f"actor.{name}"))
    for name in GENERATE_FIELDS:
        if name != "actor" and body.get(name) is not None and not isinstance(body[name], str):
            raise ApiError(422, c.MSG_BAD_TYPE.format(name=name, expected="string"))
    actor = {k: v for k, v in body["actor"].items() if v is not None}
    for name, value in actor.items():
        if not isinstance(value, str):
            raise ApiError(422, c.MSG_BAD_TYPE.format(name=f"actor.{name}", expected="string"))
    return GenerateRequest(
        script=body["script"],
        actor=actor,
        voice=body["voice"],
        background=body.get("background"),
        emotion=body.get("emotion"),
        video_name=body["video_name"],
    )


def check_limits(request: GenerateRequest) -> None:
    """The document's text limits, answered 400."""
    if not request.script.strip():
        raise ApiError(400, c.MSG_EMPTY_SCRIPT)
    if len(request.script) > c.MAX_SCRIPT_CHARS:
        raise ApiError(
            400, c.MSG_SCRIPT_TOO_LONG.format(length=len(request.script), limit=c.MAX_SCRIPT_CHARS)
        )
    check_video_name(request.video_name)


def check_video_name(name: str) -> None:
    if len(name) > c.MAX_VIDEO_NAME_CHARS:
        raise ApiError(400, c.MSG_NAME_TOO_LONG.format(length=len(name), limit=c.MAX_VIDEO_NAME_CHARS))


def validate_rename(body: Any) -> str | None:
    """The body of `PATCH .../video/<id>`: the new name, or None when none is given."""
    if not isinstance(body, dict):
        raise ApiError(400, c.MSG_INVALID_JSON)
    unknown = _unknown(body, RENAME_FIELDS)
    if unknown:
        raise ApiError(400, c.MSG_UNKNOWN_PARAMS.format(names=", ".join(unknown)))
    name = body.get("video_name")
    if name is None:
        return None
    if not isinstance(name, str):
        raise ApiError(400, c.MSG_BAD_TYPE.format(name="video_name", expected="string"))
    check_video_name(name)
    return name


@dataclass
class ListQuery:
    start: datetime | None = None
    end: datetime | None = None
    offset: int = 0
    limit: int | None = None
    sort_field: str = "date"
    descending: bool = False
    fields: list[str] = field(default_factory=list)
    task_id: str | None = None


def parse_timestamp(name: str, raw: str) -> datetime:
    """`2020-02-11T12:30:00+00` (document) or `...Z`; a '+' sent unencoded arrives as a space."""
    match = _TIMESTAMP.match(raw.strip().replace(" ", "+"))
    if not match:
        raise ApiError(400, c.MSG_BAD_QUERY.format(name=name, value=raw))
    year, month, day, hour, minute, second, zone = match.groups()
    offset = timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError:
        raise ApiError(400, c.MSG_BAD_QUERY.format(name=name, value=raw)) from None
    return local - offset


def _non_negative_int(name: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise ApiError(400, c.MSG_BAD_QUERY.format(name=name, value=raw))
    return int(raw)


def parse_list_query(params: dict[str, str]) -> ListQuery:
    query = ListQuery()
    if params.get("start"):
        query.start = parse_timestamp("start", params["start"])
    if params.get("end"):
        query.end = parse_timestamp("end", params["end"])
    if params.get("offset"):
        query.offset = _non_negative_int("offset", params["offset"])
    if params.get("limit"):
        query.limit = _non_negative_int("limit", params["limit"])
    sort = (params.get("sort") or c.DEFAULT_SORT).strip()
    query.descending = sort.startswith("-")
    query.sort_field = sort.lstrip("+-").strip()
    if query.sort_field not in SORT_FIELDS:
        raise ApiError(400, c.MSG_BAD_QUERY.format(name="sort", value=params.get("sort")))
    if params.get("fields"):
        query.fields = [name.strip() for name in params["fields"].split(",") if name.strip()]
        unknown = [name for name in query.fields if name not in LIST_EXTRA_FIELDS]
        if unknown:
            raise ApiError(400, c.MSG_BAD_QUERY.format(name="fields", value=",".join(unknown)))
    query.task_id = params.get("id") or None
    return query
