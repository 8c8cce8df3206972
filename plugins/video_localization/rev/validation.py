"""Checks of a Rev caption order against Rev's document, before anything is uploaded or paid for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.captions.validation import SOURCE_REV, validate_caption_request
from video_localization.core.errors import InvalidInputError
from video_localization.core.storage import as_storage_path
from video_localization.core.validation import Checks, http_url, number_in_range, one_of
from video_localization.rev.models import NotificationLevel


@dataclass(frozen=True)
class CaptionOrderPlan:
    """A checked order: the language tag and Rev's code for it, the formats, the options."""

    locale: str
    language_code: str
    formats: list[CaptionFormat]
    burned_in: bool
    notification_url: str | None
    notification_level: NotificationLevel | None
    video_length_seconds: int | None


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidInputError(field, value, "true or false")


def _existing_file(location: str) -> None:
    try:
        found = as_storage_path(location).is_file()
    except (OSError, ValueError) as exc:
        raise InvalidInputError(
            "source", location, "an http(s) URL, a path or a storage URI", str(exc)
        ) from None
    if not found:
        raise InvalidInputError("source", location, "an http(s) URL or an existing file", "no such file")


def validate_caption_order(
    *,
    locale: str,
    formats: Sequence[str],
    burned_in: Any = False,
    notification_url: str | None = None,
    notification_level: str | None = None,
    video_length_seconds: Any = None,
    source: str | None = None,
) -> CaptionOrderPlan:
    """Every parameter of one caption order checked at once; raises `InvalidInputs` naming each bad field.

    `source` (optional) is what will be uploaded: an absolute http(s) URL, a local path or a storage URI.
    """
    checks = Checks()
    request = checks.run(validate_caption_request, formats, [locale], SOURCE_REV, locales_field="locale")
    if request is not None and not request["formats"]:
        checks.add(
            InvalidInputError("caption_formats", formats, [f.value for f in CaptionFormat], "none given")
        )
    burned = checks.run(_flag, "burned_in", burned_in)
    if notification_url:
        checks.run(http_url, "notification_url", notification_url)
    level = None
    if notification_level:
        level = checks.run(
            one_of, "notification_level", notification_level, [lvl.value for lvl in NotificationLevel]
        )
    length = None
    if video_length_seconds not in (None, ""):
        length = checks.run(
            number_in_range, "video_length_seconds", video_length_seconds, minimum=1, integer=True
        )
    if source is not None:
        text = str(source).strip()
        if not text:
            checks.add(InvalidInputError("source", source, "a URL, a path or a storage URI"))
        elif text.startswith(("http://", "https://")):
            checks.run(http_url, "source", text)
        else:
            checks.run(_existing_file, text)
    checks.raise_if_any()
    assert request is not None
    tag = request["locales"][0]
    return CaptionOrderPlan(
        locale=tag,
        language_code=request["rev_languages"][tag],
        formats=[CaptionFormat(name) for name in request["formats"]],
        burned_in=bool(burned),
        notification_url=notification_url or None,
        notification_level=NotificationLevel(level) if level else None,
        video_length_seconds=int(length) if length is not None else None,
    )
