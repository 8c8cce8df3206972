"""The caption formats: Rev's constants (the names users pick), their files and what each can hold.

Every caption file of a language lands in `<output_dir>/captions/`, named the same whether Rev made it
or it was converted here, so a manifest does not care where captions came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from video_localization.core.errors import InvalidInputError
from video_localization.core.languages import normalize_tag

CAPTIONS_FOLDER = "captions"


class CaptionFormat(StrEnum):
    """Rev's caption format constants (its AI caption document's table)."""

    SUBRIP = "SubRip"
    SCC = "Scc"
    MCC = "Mcc"
    TTML = "Ttml"
    QTTEXT = "QTtext"
    TRANSCRIPT = "Transcript"
    WEBVTT = "WebVtt"
    DFXP = "Dfxp"
    CHEETAH_CAP = "CheetahCap"
    STL = "Stl"
    AVID_DS = "AvidDs"
    AVID_DVD = "AvidDvd"
    FACEBOOK_SUBRIP = "FacebookSubRip"
    EBU_STL = "EbuStl"


@dataclass(frozen=True)
class FormatInfo:
    title: str
    suffix: str  # file name: `<locale>.<suffix>` (FacebookSubRip: `<video>.<ll_CC>.srt`)
    content_type: str
    binary: bool = False
    local: bool = True  # converted here from an SRT; False: only Rev makes it
    cea608: bool = False  # CEA-608 text only (SCC, MCC)
    ebu_table: bool = False  # only text an EBU STL code table holds
    latin_only: bool = False  # Cheetah CAP: Latin script only


FORMATS: dict[CaptionFormat, FormatInfo] = {
    CaptionFormat.SUBRIP: FormatInfo("SubRip", "srt", "application/x-subrip"),
    CaptionFormat.SCC: FormatInfo("Scenarist SCC", "scc", "text/x-scc", cea608=True),
    CaptionFormat.MCC: FormatInfo("MacCaption MCC", "mcc", "text/x-mcc", local=False, cea608=True),
    CaptionFormat.TTML: FormatInfo("TTML (IMSC1)", "ttml", "application/ttml+xml"),
    CaptionFormat.QTTEXT: FormatInfo("QuickTime text", "qt.txt", "application/x-quicktime-timedtext"),
    CaptionFormat.TRANSCRIPT: FormatInfo("transcript", "txt", "text/plain"),
    CaptionFormat.WEBVTT: FormatInfo("WebVTT", "vtt", "text/vtt"),
    CaptionFormat.DFXP: FormatInfo("DFXP", "dfxp", "application/ttaf+xml"),
    CaptionFormat.CHEETAH_CAP: FormatInfo(
        "Cheetah CAP", "cap", "application/x-cheetah-cap", binary=True, local=False, latin_only=True
    ),
    CaptionFormat.STL: FormatInfo("Spruce STL", "stl", "text/x-stl"),
    CaptionFormat.AVID_DS: FormatInfo("Avid DS", "avid-ds.txt", "text/vnd.avid-ds"),
    CaptionFormat.AVID_DVD: FormatInfo("Avid DVD", "avid-dvd.txt", "text/vnd.avid-dvd", local=False),
    CaptionFormat.FACEBOOK_SUBRIP: FormatInfo("Facebook SubRip", "srt", "application/x-subrip"),
    CaptionFormat.EBU_STL: FormatInfo(
        "EBU STL", "ebu.stl", "application/x-ebu-stl", binary=True, ebu_table=True
    ),
}

_BY_LOWER_NAME = {fmt.value.lower(): fmt for fmt in CaptionFormat}


def parse_format(value: Any, field: str = "caption_formats") -> CaptionFormat:
    """A format by its Rev name, in any casing (`subrip`, `WebVTT`, `EbuStl`)."""
    fmt = _BY_LOWER_NAME.get(str(value).strip().lower()) if isinstance(value, str) else None
    if fmt is None:
        raise InvalidInputError(field, value, [fmt.value for fmt in CaptionFormat], "not a caption format")
    return fmt


def facebook_locale(locale: str) -> str:
    """Facebook's caption file locale: `fr-FR` -> `fr_FR` (its convention is `name.ll_CC.srt`)."""
    parts = normalize_tag(locale).split("-")
    region = next((part for part in parts[1:] if len(part) == 2 and part.isalpha()), None)
    return f"{parts[0]}_{region}" if region else parts[0]


def caption_filename(fmt: CaptionFormat, locale: str, video_stem: str = "video") -> str:
    """The file name of one format's captions: `fr-FR.vtt`, `fr-FR.ebu.stl`, `video.fr_FR.srt`."""
    if fmt is CaptionFormat.FACEBOOK_SUBRIP:
        return f"{video_stem}.{facebook_locale(locale)}.srt"
    return f"{normalize_tag(locale)}.{FORMATS[fmt].suffix}"
