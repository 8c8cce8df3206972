"""Checks of a BlendVision request before anything is uploaded or paid for; each names field, value, allowed.

Found (document): one output language per job, language codes ISO 639-1 or ISO 639-1+ISO 3166-1 (the
table `data/languages/blendvision.csv` maps the project's tags to them), decimal interval seconds
(read by `blendvision.decimal`), the source type enum.
Found on BlendVision's upload page (not in the captured document): library files up to 70 GB, and the
accepted file extensions (MAX_UPLOAD_BYTES, VIDEO_EXTENSIONS, AUDIO_EXTENSIONS).
Inferred (as the sandbox reads the vendor): an interval has both ends, seconds are non-negative and
given to the millisecond at most (INTERVAL_MAX_SCALE); the output language differs from the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from airflow.sdk import ObjectStoragePath

from video_localization.blendvision.decimal import Decimal, DecimalSyntaxError
from video_localization.blendvision.models import (
    VENDOR,
    DubbingJobRequest,
    DubbingSourceType,
    FileType,
    Interval,
    OutputRequest,
)
from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import VendorLanguage, vendor_languages
from video_localization.core.storage import as_storage_path
from video_localization.core.validation import Checks

INTERVAL_MAX_SCALE = 3
MAX_UPLOAD_BYTES = 70 * 1000**3
VIDEO_EXTENSIONS = (".avi", ".mpg", ".mp4", ".ts", ".m2ts", ".mov", ".mkv", ".wmv")
AUDIO_EXTENSIONS = (".mp4", ".mp3", ".wav", ".flac", ".aac", ".m4a")
_SOURCE_TYPES = {"video": DubbingSourceType.VIDEO, "audio": DubbingSourceType.AUDIO}
_FILE_TYPES = {"video": FileType.VIDEO, "audio": FileType.AUDIO}


def _choice(field: str, value: Any, choices: dict[str, Any]) -> Any:
    """`video` / `audio`, or the vendor's own enum word, in any case."""
    text = str(value or "").strip()
    for short, member in choices.items():
        if text.lower() == short or text.upper() == member.value:
            return member
    allowed = [*choices, *(member.value for member in choices.values())]
    raise InvalidInputError(field, value, allowed)


def source_type_of(value: Any) -> DubbingSourceType:
    return _choice("source_type", value, _SOURCE_TYPES)


def file_type_of(value: Any) -> FileType:
    return _choice("file_type", value, _FILE_TYPES)


# -- languages -----------------------------------------------------------------------------------------
def validate_source_language(tag: Any, field: str = "source_language") -> VendorLanguage:
    return vendor_languages(VENDOR).source(str(tag or ""), field)


def validate_targets(
    source_tag: str | None, target_languages: Sequence[str] | str, field: str = "target_languages"
) -> list[VendorLanguage]:
    """Target languages: at least one, each in the table, none twice, none equal to the source."""
    languages = vendor_languages(VENDOR)
    if isinstance(target_languages, str):
        target_languages = [target_languages]
    if not target_languages:
        raise InvalidInputError(
            field, list(target_languages), languages.targets(), "give at least one target language"
        )
    checks = Checks()
    chosen: list[VendorLanguage] = []
    for tag in target_languages:
        language = checks.run(languages.target, tag, field)
        if language is None:
            continue
        if language.tag in (other.tag for other in chosen):
            checks.add(InvalidInputError(field, tag, "each language once", "listed twice"))
        elif source_tag and language.tag == source_tag:
            checks.add(InvalidInputError(field, tag, "languages other than the source", "same as the source"))
        else:
            chosen.append(language)
    checks.raise_if_any()
    return chosen


# -- interval ------------------------------------------------------------------------------------------
def _seconds(field: str, value: Any) -> Decimal:
    allowed = f"a decimal number of seconds >= 0, to the millisecond (at most {INTERVAL_MAX_SCALE} decimals)"
    try:
        number = Decimal.of(value)
    except DecimalSyntaxError as error:
        raise InvalidInputError(field, value, allowed, str(error)) from None
    if number.value < 0:
        raise InvalidInputError(field, value, allowed, "negative")
    if number.exceeds_scale(INTERVAL_MAX_SCALE):
        raise InvalidInputError(field, value, allowed, "finer than a millisecond")
    return number


def validate_interval(start_time: Any, end_time: Any) -> Interval | None:
    """Both ends or neither; each a decimal string (or number) of seconds; start before end."""
    start_given = start_time not in (None, "")
    end_given = end_time not in (None, "")
    if not start_given and not end_given:
        return None
    checks = Checks()
    if not start_given:
        checks.add(InvalidInputError("start_time", start_time, "seconds, given with end_time", "missing"))
    if not end_given:
        checks.add(InvalidInputError("end_time", end_time, "seconds, given with start_time", "missing"))
    start = checks.run(_seconds, "start_time", start_time) if start_given else None
    end = checks.run(_seconds, "end_time", end_time) if end_given else None
    if start is not None and end is not None and end.value <= start.value:
        checks.add(
            InvalidInputError("end_time", end_time, f"a number of seconds > {start}", "not after start")
        )
    checks.raise_if_any()
    assert start is not None and end is not None
    return Interval.of(start, end)


# -- whole requests ------------------------------------------------------------------------------------
def validate_dubbing_request(
    *,
    source_file_id: Any,
    source_language: Any,
    target_language: Any,
    source_type: Any = "video",
    start_time: Any = None,
    end_time: Any = None,
) -> DubbingJobRequest:
    """One dubbing job's request (without its id), every field checked at once."""
    checks = Checks()
    source_id = str(source_file_id or "").strip()
    if not source_id:
        checks.add(InvalidInputError("source_file_id", source_file_id, "the library file id of an upload"))
    kind = checks.run(source_type_of, source_type)
    source = checks.run(validate_source_language, source_language)
    targets = checks.run(
        validate_targets, source.tag if source else None, [target_language], "target_language"
    )
    interval = checks.run(validate_interval, start_time, end_time)
    checks.raise_if_any()
    assert kind is not None and source is not None and targets
    return DubbingJobRequest(
        source_type=kind,
        source_id=source_id,
        source_lang_code=source.code,
        interval_sec=interval,
        outputs=[OutputRequest(lang_code=targets[0].code)],
    )


@dataclass(frozen=True)
class UploadPlan:
    """A checked upload: where the bytes are, what the library file is called, its type and size."""

    path: ObjectStoragePath
    name: str
    file_type: FileType
    size: int


def validate_upload(*, source_path: Any, file_type: Any = "video", file_name: Any = None) -> UploadPlan:
    """The source exists, is not empty nor over the limit, and has an extension the library accepts."""
    checks = Checks()
    kind = checks.run(file_type_of, file_type)
    text = str(source_path or "").strip()
    path: ObjectStoragePath | None = None
    if not text or text.startswith(("http://", "https://")):
        checks.add(
            InvalidInputError(
                "source_path",
                source_path,
                "a local path or an object-storage URI (file://, s3://, gs://, ...)",
            )
        )
    else:
        path = as_storage_path(text)
    name = str(file_name or (path.name if path is not None else "")).strip()
    if path is not None and kind is not None:
        extensions = VIDEO_EXTENSIONS if kind is FileType.VIDEO else AUDIO_EXTENSIONS
        if PurePosixPath(name.lower()).suffix not in extensions:
            checks.add(
                InvalidInputError("file_name", name, extensions, f"not a {kind.name.lower()} file name")
            )
    size = 0
    if path is not None:
        if not path.is_file():
            checks.add(InvalidInputError("source_path", source_path, "an existing file", "no such file"))
        else:
            size = int(path.stat().st_size)
            if not 0 < size <= MAX_UPLOAD_BYTES:
                checks.add(
                    InvalidInputError(
                        "source_path",
                        source_path,
                        f"a file of 1 to {MAX_UPLOAD_BYTES} bytes",
                        f"{size} bytes",
                    )
                )
    checks.raise_if_any()
    assert path is not None and kind is not None
    return UploadPlan(path=path, name=name, file_type=kind, size=size)
