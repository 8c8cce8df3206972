"""Checks of a talking-head request before anything is spent: the document's limits, then the account.

Two layers, one code path. `check_text` holds the document's limits (3000 characters of script, 35 of
video name, well-formed SSML) and needs nothing. `resolve` matches actor, version (or latest), style,
shot, size, voice (and its language), background (and its sizes) and emotion against the account's
configurations, the way the vendor does ("the latest version corresponding to the specified
parameters"; "background size must match the size of the model's shot"). The plan runs it on the
offline snapshot (no call at all); the generate operator runs it again on the live answer before it
POSTs, so a stale snapshot can cost a clear error, never a paid task. Every failure names the field,
the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from xml.etree import ElementTree

from video_localization.cdnvideo.models import (
    DEFAULT_BACKGROUND,
    DEFAULT_EMOTION,
    LATEST,
    VENDOR,
    VIDEO_SIZES,
    Actor,
    Configurations,
    Gender,
    GenerateRequest,
    ModelVersion,
)
from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import VendorLanguage, vendor_languages
from video_localization.core.validation import Checks, one_of

#: Document limits.
MAX_SCRIPT_CHARS = 3000
MAX_VIDEO_NAME_CHARS = 35

_Versions = dict[str, ModelVersion]


def blank_as_none(value: Any) -> Any:
    """An empty (templated or form) field means "not given"."""
    return None if value is None or value == "" else value


def _excerpt(text: Any, limit: int = 40) -> str:
    """A long script named in an error by its start and length, not pasted whole."""
    value = str(text)
    return value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"


def is_ssml(script: str) -> bool:
    return script.lstrip().startswith("<speak")


def check_script(script: Any, field: str = "script") -> str:
    """Text or SSML, 1 to 3000 characters; SSML must be well formed (the TTS refuses it otherwise, after
    the request has been paid for)."""
    allowed = f"plain text or SSML (<speak>...</speak>) of 1 to {MAX_SCRIPT_CHARS} characters"
    if not isinstance(script, str) or not script.strip():
        raise InvalidInputError(field, script, allowed, "empty")
    if len(script) > MAX_SCRIPT_CHARS:
        raise InvalidInputError(field, _excerpt(script), allowed, f"{len(script)} characters")
    if is_ssml(script):
        try:
            # The user's own script, parsed by expat >= 2.4 (entity-expansion limits built in).
            ElementTree.fromstring(script)  # noqa: S314
        except ElementTree.ParseError as error:
            raise InvalidInputError(
                field, _excerpt(script), allowed, f"SSML is not well formed: {error}"
            ) from None
    return script


def check_video_name(name: Any, field: str = "video_name") -> str:
    allowed = f"a name of 1 to {MAX_VIDEO_NAME_CHARS} characters"
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(field, name, allowed, "empty")
    if len(name) > MAX_VIDEO_NAME_CHARS:
        raise InvalidInputError(field, name, allowed, f"{len(name)} characters")
    return name


def check_text(
    script: Any, video_name: Any, *, script_field: str = "script", name_field: str = "video_name"
) -> None:
    """The document's limits, all reported at once."""
    checks = Checks()
    checks.run(check_script, script, script_field)
    checks.run(check_video_name, video_name, name_field)
    checks.raise_if_any()


def language(locale: str, field: str = "locale") -> VendorLanguage:
    """A locale CDNvideo voices speak (data/languages/cdnvideo.csv: its code is the voices' language)."""
    return vendor_languages(VENDOR).target(locale, field)


@dataclass(frozen=True)
class Resolved:
    """The one model version, shot size, voice, background and emotion a request comes to."""

    actor: str
    version: str
    style: str | None
    shot: str
    size: str
    voice: str
    voice_language: str
    background: str
    emotion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _narrow(candidates: _Versions, keep, field: str, value: Any, offered) -> _Versions:
    kept = {version: model for version, model in candidates.items() if keep(model)}
    if not kept:
        allowed = sorted({item for model in candidates.values() for item in offered(model)})
        raise InvalidInputError(field, value, allowed or "nothing with the other parameters given")
    return kept


def actor_versions(configurations: Configurations, actor: Actor) -> _Versions:
    """The actor's versions that fit name, version (or latest), style, shot and size."""
    versions = configurations.models.get(actor.name)
    if versions is None:
        raise InvalidInputError("actor", actor.name, sorted(configurations.models))
    candidates = dict(versions)
    if actor.version and actor.version != LATEST:
        if actor.version not in candidates:
            raise InvalidInputError(
                "actor_version", actor.version, [LATEST, *sorted(candidates, key=_version_key)]
            )
        candidates = {actor.version: candidates[actor.version]}
    if actor.style is not None:
        candidates = _narrow(
            candidates, lambda m: m.style == actor.style, "style", actor.style, lambda m: [m.style]
        )
    candidates = _narrow(candidates, lambda m: actor.shot in m.shots, "shot", actor.shot, lambda m: m.shots)
    if actor.size is not None:
        one_of("size", actor.size, list(VIDEO_SIZES))
        candidates = _narrow(
            candidates,
            lambda m: m.shots[actor.shot].size == actor.size,
            "size",
            actor.size,
            lambda m: [m.shots[actor.shot].size],
        )
    return candidates


def _speaks(configurations: Configurations, voice: str, code: str) -> bool:
    found = configurations.voices.get(voice)
    return found is not None and found.language.lower() == code.lower()


def resolve(
    configurations: Configurations,
    actor: Actor,
    voice: str,
    *,
    background: str | None = None,
    emotion: str | None = None,
    locale: str | None = None,
    voice_field: str = "voice",
) -> Resolved:
    """Match a request to the account's newest fitting model version, or name the first misfit."""
    candidates = actor_versions(configurations, actor)
    code = language(locale).code if locale else None
    usable = sorted(
        {
            v
            for model in candidates.values()
            for v in model.voices
            if code is None or _speaks(configurations, v, code)
        }
    )
    found = configurations.voices.get(voice)
    if found is None:
        raise InvalidInputError(voice_field, voice, usable, f"no such voice for {actor.name}")
    if code is not None and found.language.lower() != code.lower():
        raise InvalidInputError(voice_field, voice, usable, f"{voice} speaks {found.language}, not {locale}")
    candidates = _narrow(
        candidates,
        lambda m: voice in m.voices,
        voice_field,
        voice,
        lambda m: [v for v in m.voices if v in usable],
    )
    chosen_background = background or DEFAULT_BACKGROUND
    available = configurations.backgrounds.get(chosen_background)
    if available is None:
        raise InvalidInputError("background", chosen_background, sorted(configurations.backgrounds))
    sizes = {model.shots[actor.shot].size for model in candidates.values()}
    candidates = {v: m for v, m in candidates.items() if m.shots[actor.shot].size in available.sizes}
    if not candidates:
        fitting = sorted(name for name, bg in configurations.backgrounds.items() if sizes & set(bg.sizes))
        raise InvalidInputError(
            "background",
            chosen_background,
            fitting,
            f"it exists in {', '.join(available.sizes)}; the {actor.shot} shot is {', '.join(sorted(sizes))}",
        )
    chosen_emotion = emotion or DEFAULT_EMOTION
    one_of("emotion", chosen_emotion, found.allowed_emotions)
    version = max(candidates, key=_version_key)
    model = candidates[version]
    return Resolved(
        actor=actor.name,
        version=version,
        style=model.style,
        shot=actor.shot,
        size=model.shots[actor.shot].size,
        voice=voice,
        voice_language=found.language,
        background=chosen_background,
        emotion=chosen_emotion,
    )


def pick_voice(
    configurations: Configurations,
    actor: Actor,
    locale: str,
    *,
    gender: str | None = None,
    emotion: str | None = None,
    field: str = "voice",
) -> str:
    """A voice of `locale` this actor can speak with, of `gender` (default: the actor's own) and able to
    speak `emotion`; voices named after the exact locale (`en-GB-MiaNeural` for en-GB) first, then by name."""
    candidates = actor_versions(configurations, actor)
    code = language(locale).code
    if gender:
        one_of("voice_gender", gender, [member.value for member in Gender])
    newest = candidates[max(candidates, key=_version_key)]
    wanted = gender or newest.gender
    names = sorted(
        {v for model in candidates.values() for v in model.voices if _speaks(configurations, v, code)}
    )
    fitting = [
        name
        for name in names
        if (not wanted or configurations.voices[name].gender in (wanted, None))
        and (not emotion or emotion in configurations.voices[name].allowed_emotions)
    ]
    if not fitting and emotion:
        # Voices of this language and gender exist, none speaks the emotion: the emotion is what is wrong.
        voiced = [n for n in names if not wanted or configurations.voices[n].gender in (wanted, None)]
        spoken = sorted({e for n in voiced for e in configurations.voices[n].allowed_emotions})
        if voiced:
            raise InvalidInputError(
                "emotion", emotion, spoken, f"no {locale} voice of {actor.name} speaks {emotion}"
            )
    if not fitting:
        wish = " ".join(part for part in (wanted, "voice") if part)
        raise InvalidInputError(
            field,
            None,
            names or "no voice of this language for this actor",
            f"no {wish} of {locale} for {actor.name}" + (f" speaking {emotion}" if emotion else ""),
        )
    exact = [n for n in fitting if (configurations.voices[n].name or "").lower().startswith(locale.lower())]
    return (exact or fitting)[0]


def make_actor(name: Any, shot: Any, version: Any = None, style: Any = None, size: Any = None) -> Actor:
    """The `actor` section from loose inputs (blank means "not given"); name and shot are required."""
    checks = Checks()
    for field, value in (("actor", name), ("shot", shot)):
        if not isinstance(value, str) or not value.strip():
            checks.add(InvalidInputError(field, value, "a name from the account's configurations"))
    checks.raise_if_any()
    version, style, size = (blank_as_none(value) for value in (version, style, size))
    return Actor(
        name=name.strip(),
        shot=shot.strip(),
        version=str(version).strip() if version is not None else None,
        style=str(style).strip() if style is not None else None,
        size=str(size).strip() if size is not None else None,
    )


def build_request(
    configurations: Configurations,
    *,
    script: str,
    video_name: str,
    actor: Actor,
    voice: str | None,
    locale: str | None = None,
    voice_gender: str | None = None,
    background: str | None = None,
    emotion: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> tuple[GenerateRequest, Resolved]:
    """A whole request checked against `configurations`; every bad field reported at once.

    `fields` renames fields in the errors (the plan says `voices.de-DE` where the operator says `voice`).
    """
    names = {"script": "script", "video_name": "video_name", "voice": "voice", **(fields or {})}
    checks = Checks()
    with checks.field():
        check_text(script, video_name, script_field=names["script"], name_field=names["video_name"])
    resolved = None
    with checks.field():
        if locale:
            language(locale, names.get("locale", "locale"))
        chosen = voice
        if not chosen:
            if not locale:
                raise InvalidInputError(names["voice"], voice, "a voice name, or a locale to choose one for")
            chosen = pick_voice(
                configurations, actor, locale, gender=voice_gender, emotion=emotion, field=names["voice"]
            )
        resolved = resolve(
            configurations,
            actor,
            chosen,
            background=background,
            emotion=emotion,
            locale=locale,
            voice_field=names["voice"],
        )
    checks.raise_if_any()
    assert resolved is not None
    request = GenerateRequest(
        script=script,
        actor=actor,
        voice=resolved.voice,
        background=background or None,
        emotion=emotion or None,
        video_name=video_name,
    )
    return request, resolved
