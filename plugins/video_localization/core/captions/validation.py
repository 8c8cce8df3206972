"""Plan-time checks of a caption request: every format for every language, before anything is spent.

`validate_caption_request(formats, locales, source)` refuses, naming field, value and what is allowed:

- a format that does not exist, or one asked twice;
- MCC, Cheetah CAP and Avid DVD unless Rev makes the captions (nothing maintained writes them here);
- a language Rev does not caption, when Rev makes the captions;
- SCC and MCC for a language whose letters CEA-608 lacks (Japanese, Arabic, Polish ...);
- EBU STL for a language no EBU code table holds (Hindi, Chinese, Persian ...);
- Cheetah CAP for text that is not in Latin script.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from video_localization.core.captions.charsets import CEA608, EBU_CODE_TABLES, ebu_encodable
from video_localization.core.captions.formats import FORMATS, CaptionFormat, parse_format
from video_localization.core.captions.languages import LATIN, language_letters
from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import normalize_tag, vendor_languages
from video_localization.core.validation import Checks, one_of

SOURCE_REV = "rev"
SOURCE_LOCAL = "local"
#: `rev`: Rev captions each language's video and delivers every format itself; `local`: the captions are
#: converted here from an SRT (the dubbing vendor's translated SRT).
CAPTION_SOURCES = (SOURCE_REV, SOURCE_LOCAL)


def _listed(value: Any) -> list[Any]:
    """A list from a list, a tuple, or a comma-separated string (a form field)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def format_refusal(fmt: CaptionFormat, locale: str) -> str | None:
    """Why `fmt` cannot carry captions in `locale`, or None when it can."""
    info = FORMATS[fmt]
    language = language_letters(locale)
    if not (info.cea608 or info.ebu_table or info.latin_only):
        return None
    if not language.known:
        return f"{info.title} needs letters the project knows, and it has no letter data for {locale}"
    if info.latin_only and language.script != LATIN:
        return (
            f"{info.title} holds Latin-script text only; "
            f"{language.name} is written in {language.script_name} script"
        )
    if info.cea608:
        if language.script != LATIN:
            return (
                f"{info.title} holds only the CEA-608 character set (Latin letters), "
                f"which cannot write {language.name} ({language.script_name} script)"
            )
        missing = [letter for letter in language.letters if letter not in CEA608]
        if missing:
            return (
                f"{info.title} holds only the CEA-608 character set, which lacks the {language.name} "
                f"letters {' '.join(missing)}"
            )
    if info.ebu_table:
        table = EBU_CODE_TABLES.get(language.script or "")
        if table is None:
            return (
                f"{info.title} has character code tables for Latin, Cyrillic, Arabic, Greek and Hebrew only; "
                f"{language.name} is written in {language.script_name} script"
            )
        missing = [letter for letter in language.letters if not ebu_encodable(table, letter)]
        if missing:
            return f"{info.title}'s {table.name} table lacks the {language.name} letters {' '.join(missing)}"
    return None


def allowed_formats(locale: str, source: str) -> list[str]:
    """The formats `source` can deliver in `locale`."""
    return [
        fmt.value
        for fmt in CaptionFormat
        if (source == SOURCE_REV or FORMATS[fmt].local) and format_refusal(fmt, locale) is None
    ]


def validate_caption_request(
    formats: Sequence[str] | str | None,
    locales: Sequence[str] | str | None,
    source: str,
    *,
    formats_field: str = "caption_formats",
    locales_field: str = "target_languages",
    source_field: str = "captions_source",
) -> dict[str, Any]:
    """Check a caption request as a whole; answer it normalized, or raise `InvalidInputs`/`InvalidInputError`.

    Answers `{"source", "formats": [Rev names], "locales": [tags], "rev_languages": {tag: Rev code}}`
    (`rev_languages` is empty unless the source is Rev). No formats means no captions: nothing else is
    checked then.
    """
    checks = Checks()
    source_value = str(source or "").strip().lower()
    checks.run(one_of, source_field, source_value, list(CAPTION_SOURCES))
    wanted: list[CaptionFormat] = []
    for value in _listed(formats):
        fmt = checks.run(parse_format, value, formats_field)
        if fmt is None:
            continue
        if fmt in wanted:
            checks.add(InvalidInputError(formats_field, value, "each format once", "listed twice"))
        elif source_value == SOURCE_LOCAL and not FORMATS[fmt].local:
            local = [f.value for f in CaptionFormat if FORMATS[f].local]
            reason = f"only Rev makes {fmt.value}: no maintained library writes it; set {source_field}='rev'"
            checks.add(InvalidInputError(formats_field, fmt.value, local, reason))
        else:
            wanted.append(fmt)
    tags: list[str] = []
    rev_codes: dict[str, str] = {}
    if wanted or _listed(formats):
        rev = vendor_languages("rev")
        for value in _listed(locales):
            tag = normalize_tag(value)
            if source_value == SOURCE_REV:
                language = rev.get(tag)
                if language is None or not language.target:
                    checks.add(
                        InvalidInputError(locales_field, value, rev.targets(), "Rev does not caption it")
                    )
                    continue
                rev_codes[language.tag] = language.code
                tag = language.tag
            if tag in tags:
                checks.add(InvalidInputError(locales_field, value, "each language once", "listed twice"))
                continue
            tags.append(tag)
            for fmt in wanted:
                why = format_refusal(fmt, tag)
                if why is not None:
                    allowed = allowed_formats(tag, source_value)
                    checks.add(InvalidInputError(formats_field, fmt.value, allowed, f"for {tag}: {why}"))
    checks.raise_if_any()
    return {
        "source": source_value,
        "formats": [fmt.value for fmt in wanted],
        "locales": tags,
        "rev_languages": rev_codes,
    }
