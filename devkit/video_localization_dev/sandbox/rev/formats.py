"""Rev's caption formats: the document's constants, their media types and URL extensions, and how a
caption attachment's representation is chosen from an `Accept` header or a `content.{ext}` URL.

Media types and extensions of SubRip, Scc, Mcc, Ttml, QTtext, WebVtt, Dfxp, CheetahCap, Stl, AvidDs and
Transcript are Rev's (SDK `Attachment::REPRESENTATIONS`, notes); those of AvidDvd, FacebookSubRip and
EbuStl, and the extensions of AvidDs/AvidDvd, are inferred (`CAPTION_FORMATS` marks them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from video_localization_dev.sandbox.rev import binary_formats, cea608, text_formats
from video_localization_dev.sandbox.rev.source import CaptionSource
from video_localization_dev.sandbox.rev.transcripts import FACEBOOK_LOCALES, TRANSCRIPTS


@dataclass(frozen=True)
class CaptionFormat:
    name: str  # the document's constant value
    media_type: str  # without parameters
    extensions: tuple[str, ...]  # URL extensions; the first names the file
    writer: Callable[[CaptionSource], bytes]
    binary: bool = False
    format_param: str | None = None  # Rev's `; format=...` media type parameter
    inferred: bool = False

    @property
    def content_type(self) -> str:
        """The Content-Type this representation is served with."""
        value = self.media_type + (f"; format={self.format_param}" if self.format_param else "")
        return value if self.binary else f"{value}; charset=utf-8"

    @property
    def accept_value(self) -> str:
        """What a client puts in `Accept` to get this representation."""
        return self.media_type + (f"; format={self.format_param}" if self.format_param else "")

    def filename(self, stem: str, language: str) -> str:
        if self.name == "FacebookSubRip":  # Facebook's convention: name.<locale>.srt
            return f"{stem}.{FACEBOOK_LOCALES.get(language, language)}.srt"
        return f"{stem}.{self.extensions[0]}"

    def available(self, language: str) -> bool:
        """Whether this format can carry captions in `language` (else the answer is 406)."""
        sentences = list(TRANSCRIPTS[language])
        if self.name in ("Scc", "Mcc"):
            return all(cea608.encodable(sentence) for sentence in sentences)
        if self.name == "CheetahCap":
            return binary_formats.cap_available(sentences)
        if self.name == "EbuStl":
            return binary_formats.ebu_available(language, sentences)
        return True


CAPTION_FORMATS: tuple[CaptionFormat, ...] = (
    CaptionFormat("SubRip", "application/x-subrip", ("srt",), text_formats.subrip),
    CaptionFormat("Scc", "text/x-scc", ("scc",), cea608.scc),
    CaptionFormat("Mcc", "text/x-mcc", ("mcc",), cea608.mcc),
    CaptionFormat("Ttml", "application/ttml+xml", ("ttml",), text_formats.ttml),
    CaptionFormat(
        "QTtext", "application/x-quicktime-timedtext", ("qt", "qt.txt"), text_formats.quicktime_text
    ),
    CaptionFormat("Transcript", "text/plain", ("txt",), text_formats.transcript),
    CaptionFormat("WebVtt", "text/vtt", ("vtt",), text_formats.webvtt),
    CaptionFormat("Dfxp", "application/ttaf+xml", ("dfxp",), text_formats.dfxp),
    CaptionFormat(
        "CheetahCap", "application/x-cheetah-cap", ("cap",), binary_formats.cheetah_cap, binary=True
    ),
    CaptionFormat("Stl", "text/x-stl", ("stl",), text_formats.spruce_stl),
    CaptionFormat("AvidDs", "text/vnd.avid-ds", ("avid-ds.txt",), text_formats.avid_ds, inferred=True),
    CaptionFormat("AvidDvd", "text/vnd.avid-dvd", ("avid-dvd.txt",), text_formats.avid_dvd, inferred=True),
    CaptionFormat(
        "FacebookSubRip",
        "application/x-subrip",
        ("facebook.srt",),
        text_formats.subrip,
        format_param="facebook",
        inferred=True,
    ),
    CaptionFormat(
        "EbuStl", "application/x-ebu-stl", ("ebu.stl",), binary_formats.ebu_stl, binary=True, inferred=True
    ),
)
FORMATS_BY_NAME = {fmt.name: fmt for fmt in CAPTION_FORMATS}
FORMATS_BY_EXTENSION = {ext: fmt for fmt in CAPTION_FORMATS for ext in fmt.extensions}
# doc: "By default, we optimize for SubRip" - the representation served when the client names none.
DEFAULT_FORMAT = FORMATS_BY_NAME["SubRip"]


@dataclass(frozen=True)
class MediaRange:
    media_type: str  # lower case, may hold wildcards
    params: dict[str, str]
    quality: float


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, best first (stable for equal quality)."""
    ranges: list[MediaRange] = []
    for item in (header or "").split(","):
        if not item.strip():
            continue
        media_type, *raw_params = (part.strip() for part in item.split(";"))
        params: dict[str, str] = {}
        quality = 1.0
        for raw in raw_params:
            key, _, value = raw.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif key != "charset":
                params[key] = value.lower()
        ranges.append(MediaRange(media_type.lower(), params, quality))
    return sorted((r for r in ranges if r.quality > 0), key=lambda r: -r.quality)


def _matches(media_range: MediaRange, fmt: CaptionFormat) -> bool:
    if media_range.media_type == "*/*":
        return True
    major, _, minor = media_range.media_type.partition("/")
    if minor == "*":
        return fmt.media_type.startswith(f"{major}/")
    return media_range.media_type == fmt.media_type and media_range.params.get("format") == fmt.format_param


def negotiate(accept: str | None, language: str) -> CaptionFormat | None:
    """The caption representation an Accept header asks for, or None (406)."""
    ranges = parse_accept(accept)
    if not ranges:
        return DEFAULT_FORMAT if DEFAULT_FORMAT.available(language) else None
    candidates = (DEFAULT_FORMAT, *CAPTION_FORMATS)
    for media_range in ranges:
        for fmt in candidates:
            if _matches(media_range, fmt) and fmt.available(language):
                return fmt
    return None


def by_extension(extension: str, language: str) -> CaptionFormat | None:
    fmt = FORMATS_BY_EXTENSION.get(extension.lower())
    return fmt if fmt is not None and fmt.available(language) else None
