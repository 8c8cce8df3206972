"""Checks of an Akool translation request before anything is paid for.

Two stages: `validate_translation` needs no network (languages from `data/languages/akool.csv`, flags,
numbers, URLs, and the documented media limits when the source's properties are known); then
`check_live_languages` compares the plan with Akool's live language list (one cheap GET, cached), so a
language Akool dropped is refused before the paid create, not by it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from video_localization.akool.models import (
    AUTO_DETECT_SOURCE,
    LIPSYNC_MAX_SECONDS,
    MAX_FPS,
    MAX_VIDEO_BYTES,
    VENDOR,
    TranslationRequest,
)
from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import vendor_languages
from video_localization.core.mp4 import Mp4Facts, probe_mp4_file
from video_localization.core.storage import as_storage_path
from video_localization.core.validation import Checks, http_url, number_in_range

#: What a user may write for "detect the source language" (sent to Akool as DEFAULT).
AUTO_SOURCE_WORDS = frozenset({"", "auto", "default"})


def flag(field: str, value: Any) -> bool:
    """A boolean, also from a rendered template ("true"/"false")."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidInputError(field, value, "true or false")


# -- media facts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MediaFacts:
    """What is known of the source video; None = unknown (that limit is then left to Akool)."""

    duration_seconds: float | None = None
    fps: float | None = None
    size_bytes: int | None = None
    has_audio: bool | None = None

    FIELDS = ("duration_seconds", "fps", "size_bytes", "has_audio")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, field: str = "media") -> MediaFacts:
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise InvalidInputError(field, raw, f"a mapping with keys {', '.join(cls.FIELDS)}")
        checks = Checks()
        unknown = sorted(set(raw) - set(cls.FIELDS))
        for key in unknown:
            checks.add(InvalidInputError(f"{field}.{key}", raw[key], cls.FIELDS, "unknown key"))
        values: dict[str, Any] = {}
        for key in ("duration_seconds", "fps"):
            if raw.get(key) is not None:
                values[key] = checks.run(number_in_range, f"{field}.{key}", raw[key], minimum=0)
        if raw.get("size_bytes") is not None:
            values["size_bytes"] = checks.run(
                number_in_range, f"{field}.size_bytes", raw["size_bytes"], minimum=0, integer=True
            )
        if raw.get("has_audio") is not None:
            values["has_audio"] = checks.run(flag, f"{field}.has_audio", raw["has_audio"])
        checks.raise_if_any()
        return cls(**values)

    @classmethod
    def from_mp4(cls, facts: Mp4Facts) -> MediaFacts:
        return cls(
            duration_seconds=facts.duration_seconds,
            fps=facts.fps,
            size_bytes=facts.size_bytes,
            has_audio=facts.has_audio,
        )

    def merged(self, other: MediaFacts) -> MediaFacts:
        """These facts, with the gaps filled from `other`."""
        return MediaFacts(
            **{name: getattr(self, name) if getattr(self, name) is not None else getattr(other, name)
               for name in self.FIELDS}
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def probe_media(location: str, field: str = "probe_path") -> MediaFacts:
    """The properties of a local or object-storage MP4, read from its boxes (not the whole file)."""
    path = as_storage_path(location)
    if not path.is_file():
        raise InvalidInputError(field, location, "an existing MP4 file", "no such file")
    with path.open("rb") as stream:
        facts = probe_mp4_file(stream)
    if facts is None:
        raise InvalidInputError(field, location, "an MP4 file", "not an MP4 (no ftyp box)")
    return MediaFacts.from_mp4(facts)


def media_errors(media: MediaFacts, lipsync: bool, field: str = "media") -> list[InvalidInputError]:
    """The documented limits Akool would refuse the video for (codes 1203, 1204, 1207, 1210)."""
    errors: list[InvalidInputError] = []
    if media.has_audio is False:
        errors.append(
            InvalidInputError(f"{field}.has_audio", False, "true", "Akool needs a video with audio (1203)")
        )
    if media.size_bytes is not None and media.size_bytes > MAX_VIDEO_BYTES:
        errors.append(
            InvalidInputError(
                f"{field}.size_bytes", media.size_bytes, f"<= {MAX_VIDEO_BYTES}", "over Akool's 300 MB (1207)"
            )
        )
    if media.fps is not None and media.fps > MAX_FPS:
        errors.append(
            InvalidInputError(f"{field}.fps", media.fps, f"<= {MAX_FPS:g}", "over Akool's 30 fps (1210)")
        )
    if lipsync and media.duration_seconds is not None and media.duration_seconds > LIPSYNC_MAX_SECONDS:
        errors.append(
            InvalidInputError(
                f"{field}.duration_seconds",
                media.duration_seconds,
                f"<= {LIPSYNC_MAX_SECONDS:g} with lipsync",
                "over Akool's 60 s lipsync limit (1204); translate without lipsync or cut the video",
            )
        )
    return errors


# -- languages --------------------------------------------------------------------------------------------
def tag_for_code(code: str) -> str | None:
    """The project's tag for an Akool language code (`fr` -> `fr-FR`), None when the table lacks it."""
    for language in vendor_languages(VENDOR):
        if language.code == code:
            return language.tag
    return None


def is_auto_source(source_locale: str | None) -> bool:
    return source_locale is None or str(source_locale).strip().lower() in AUTO_SOURCE_WORDS


def validate_source(source_locale: str | None, field: str = "source_language") -> tuple[str | None, str]:
    """(tag, Akool code): (None, "DEFAULT") for auto-detection."""
    if is_auto_source(source_locale):
        return None, AUTO_DETECT_SOURCE
    language = vendor_languages(VENDOR).source(str(source_locale), field)
    return language.tag, language.code


def validate_targets(
    source_tag: str | None, target_locales: Sequence[str], field: str = "target_languages"
) -> dict[str, str]:
    """{tag: Akool code} in the given order: at least one, each an Akool target, once, not the source."""
    languages = vendor_languages(VENDOR)
    if isinstance(target_locales, str) or not target_locales:
        raise InvalidInputError(
            field, target_locales, languages.targets(), "give at least one target language"
        )
    checks = Checks()
    targets: dict[str, str] = {}
    for tag in target_locales:
        language = checks.run(languages.target, tag, field)
        if language is None:
            continue
        if language.tag in targets or language.code in targets.values():
            checks.add(InvalidInputError(field, tag, "each language once", "listed twice"))
        elif source_tag and language.tag == source_tag:
            checks.add(InvalidInputError(field, tag, "languages other than the source", "same as the source"))
        else:
            targets[language.tag] = language.code
    checks.raise_if_any()
    return targets


# -- the whole request ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TranslationPlan:
    """A checked request: what each target's job will be asked for."""

    url: str
    source_tag: str | None
    source_code: str
    targets: dict[str, str]  # tag -> Akool code, in the caller's order
    lipsync: bool = False
    face_enhance: bool = False
    merge_interval: float | None = None
    webhook_url: str | None = None
    media: MediaFacts = field(default_factory=MediaFacts)

    def request(self, tags: Sequence[str]) -> TranslationRequest:
        """The create body for `tags` (several are joined with commas: one request, one job each)."""
        return TranslationRequest(
            url=self.url,
            source_language=self.source_code,
            language=",".join(self.targets[tag] for tag in tags),
            lipsync=self.lipsync,
            merge_interval=self.merge_interval,
            face_enhance=self.face_enhance if self.lipsync else None,
            webhook_url=self.webhook_url,
        )

    def tag_of(self, code: str) -> str | None:
        return next((tag for tag, known in self.targets.items() if known == code), None)

    def fingerprint(self) -> str:
        """What a submitted job was asked for, to recognise the same request on a retry."""
        # The URL as a digest: a pre-signed URL is a credential and this lands in the task state store.
        url = hashlib.sha256(self.url.encode()).hexdigest()[:32]
        parts = (url, self.source_code, self.lipsync, self.face_enhance, self.merge_interval)
        return "|".join(str(part) for part in parts)


def validate_translation(
    *,
    source_url: str,
    source_locale: str | None,
    target_locales: Sequence[str],
    lipsync: Any = False,
    face_enhance: Any = False,
    merge_interval: Any = None,
    webhook_url: str | None = None,
    media: MediaFacts | Mapping[str, Any] | None = None,
) -> TranslationPlan:
    """Every field checked at once (no network); raises `InvalidInputs` naming each bad field."""
    checks = Checks()
    url = checks.run(http_url, "source_url", source_url)
    source = checks.run(validate_source, source_locale)
    source_tag = source[0] if source else None
    targets = checks.run(validate_targets, source_tag, target_locales) or {}
    lipsync_on = bool(checks.run(flag, "lipsync", lipsync))
    face_on = bool(checks.run(flag, "face_enhance", face_enhance))
    if face_on and not lipsync_on:
        checks.add(
            InvalidInputError(
                "face_enhance", True, "false unless lipsync is true", "Akool applies it only to lipsync"
            )
        )
    interval = None
    if merge_interval is not None and merge_interval != "":
        interval = checks.run(
            number_in_range, "merge_interval", merge_interval, minimum=0, exclusive_minimum=True
        )
    if webhook_url:
        checks.run(http_url, "webhook_url", webhook_url)
    facts = media if isinstance(media, MediaFacts) else checks.run(MediaFacts.from_mapping, media)
    facts = facts or MediaFacts()
    for error in media_errors(facts, lipsync_on):
        checks.add(error)
    checks.raise_if_any()
    assert url is not None and source is not None
    return TranslationPlan(
        url=url,
        source_tag=source_tag,
        source_code=source[1],
        targets=targets,
        lipsync=lipsync_on,
        face_enhance=face_on,
        merge_interval=float(interval) if interval is not None else None,
        webhook_url=webhook_url or None,
        media=facts,
    )


def check_live_languages(plan: TranslationPlan, live_codes: set[str]) -> None:
    """Refuse what Akool's live language list lacks, naming the tags (or codes) it does take."""
    table = {language.code: language.tag for language in vendor_languages(VENDOR)}
    allowed = sorted(table.get(code, code) for code in live_codes)
    checks = Checks()
    if plan.source_tag is not None and plan.source_code not in live_codes:
        checks.add(
            InvalidInputError(
                "source_language", plan.source_tag, [*allowed, "auto"], "not in Akool's current language list"
            )
        )
    for tag, code in plan.targets.items():
        if code not in live_codes:
            checks.add(
                InvalidInputError("target_languages", tag, allowed, "not in Akool's current language list")
            )
    checks.raise_if_any()
