"""Checks of a Panjaya dubbing request against the document, before anything is paid for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import vendor_languages
from video_localization.core.validation import Checks, http_url, number_in_range, one_of
from video_localization.panjaya.models import VENDOR, AssetOptions, LipsModel, TargetLanguage


def validate_targets(
    source_locale: str | None, target_locales: Sequence[str], field: str = "target_languages"
) -> list[str]:
    """Canonical target tags: at least one, each a Panjaya target, no repeats, none equal to the source."""
    languages = vendor_languages(VENDOR)
    if isinstance(target_locales, str) or not target_locales:
        raise InvalidInputError(
            field, target_locales, languages.targets(), "give at least one target language"
        )
    checks = Checks()
    tags: list[str] = []
    for tag in target_locales:
        language = checks.run(languages.target, tag, field)
        if language is None:
            continue
        if language.tag in tags:
            checks.add(InvalidInputError(field, tag, "each language once", "listed twice"))
        elif source_locale and language.tag == source_locale:
            checks.add(InvalidInputError(field, tag, "languages other than the source", "same as the source"))
        else:
            tags.append(language.tag)
    checks.raise_if_any()
    return tags


def validate_asset_options(
    *,
    source_locale: str,
    target_locales: Sequence[str],
    name: str | None = None,
    speakers_count: int | None = None,
    start_time: float | None = None,
    end_time: float | None = None,
    lips_model: str | None = None,
    voice_anonymization: float | None = None,
    background_url: str | None = None,
    callback_url: str | None = None,
    srt_by_locale: Mapping[str, str] | None = None,
) -> AssetOptions:
    """Every asset parameter checked at once; raises `InvalidInputs` naming each bad field."""
    checks = Checks()
    source = checks.run(vendor_languages(VENDOR).source, source_locale, "source_language")
    source_tag = source.tag if source else None
    targets = checks.run(validate_targets, source_tag, target_locales) or []
    if speakers_count is not None:
        speakers_count = checks.run(
            number_in_range, "speakers_count", speakers_count, minimum=1, integer=True
        )
    if start_time is not None:
        start_time = checks.run(number_in_range, "start_time", start_time, minimum=0)
    if end_time is not None:
        low = start_time if isinstance(start_time, (int, float)) else 0
        end_time = checks.run(number_in_range, "end_time", end_time, minimum=low, exclusive_minimum=True)
    if voice_anonymization is not None:
        voice_anonymization = checks.run(
            number_in_range, "voice_anonymization", voice_anonymization, minimum=0.0, maximum=1.0
        )
    if lips_model is not None:
        checks.run(one_of, "lips_model", lips_model, [model.value for model in LipsModel])
    if background_url:
        checks.run(http_url, "background_url", background_url)
    if callback_url:
        checks.run(http_url, "callback_url", callback_url)
    srt_by_locale = dict(srt_by_locale or {})
    for locale in srt_by_locale:
        if locale not in targets:
            checks.add(
                InvalidInputError("srt_by_locale", locale, targets, "an SRT for a language not requested")
            )
    checks.raise_if_any()
    return AssetOptions(
        name=name,
        locale=source_tag or source_locale,
        target_languages=[TargetLanguage(locale=tag, srt=srt_by_locale.get(tag)) for tag in targets],
        speakers_count=speakers_count,
        start_time=start_time,
        end_time=end_time,
        callback_url=callback_url or None,
        lips_model=LipsModel(lips_model) if lips_model else None,
        voice_anonymization=voice_anonymization,
        background_url=background_url or None,
    )
