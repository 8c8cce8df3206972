"""One SRT -> every requested caption format, in memory or from storage into `<output_dir>/captions/`.

Every format is rendered before anything is written, so a format that cannot carry the text (an error
naming the character and the caption) leaves no half set of files behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow.sdk import ObjectStoragePath

from video_localization.core.captions import library_writers, text_writers
from video_localization.core.captions.cues import Cue, parse_srt
from video_localization.core.captions.ebu_stl import write_ebu_stl
from video_localization.core.captions.formats import (
    CAPTIONS_FOLDER,
    FORMATS,
    CaptionFormat,
    caption_filename,
)
from video_localization.core.captions.scc import write_scc
from video_localization.core.captions.validation import SOURCE_LOCAL, validate_caption_request
from video_localization.core.storage import StoredFile, as_storage_path, write_bytes

log = logging.getLogger(__name__)

Writer = Callable[[Sequence[Cue], str], bytes]

WRITERS: dict[CaptionFormat, Writer] = {
    CaptionFormat.SUBRIP: library_writers.subrip,
    CaptionFormat.FACEBOOK_SUBRIP: library_writers.subrip,
    CaptionFormat.WEBVTT: library_writers.webvtt,
    CaptionFormat.DFXP: library_writers.dfxp,
    CaptionFormat.TTML: library_writers.ttml,
    CaptionFormat.TRANSCRIPT: text_writers.transcript,
    CaptionFormat.QTTEXT: text_writers.quicktime_text,
    CaptionFormat.STL: text_writers.spruce_stl,
    CaptionFormat.AVID_DS: text_writers.avid_ds,
}


@dataclass(frozen=True)
class Rendered:
    """One format's file, still in memory."""

    format: CaptionFormat
    filename: str
    data: bytes
    notes: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return FORMATS[self.format].content_type


def render(
    cues: Sequence[Cue], fmt: CaptionFormat, locale: str, *, title: str = ""
) -> tuple[bytes, list[str]]:
    """The bytes of one format, and notes on anything the format made move (SCC timing)."""
    if fmt is CaptionFormat.SCC:
        result = write_scc(cues, locale)
        return result.data, result.notes
    if fmt is CaptionFormat.EBU_STL:
        return write_ebu_stl(cues, locale, title=title), []
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"{fmt.value} is made by Rev only; it has no local writer")
    return writer(cues, locale), []


def convert_srt(
    srt: str | bytes, locale: str, formats: Sequence[str], *, video_stem: str = "video", source: str = "SRT"
) -> list[Rendered]:
    """Every requested format of one language's SRT (checked like a plan first: `InvalidInputs`)."""
    request = validate_caption_request(formats, [locale], SOURCE_LOCAL)
    tag = request["locales"][0]
    cues = parse_srt(srt, source=source)
    rendered = []
    for name in request["formats"]:
        fmt = CaptionFormat(name)
        data, notes = render(cues, fmt, tag, title=video_stem)
        rendered.append(Rendered(fmt, caption_filename(fmt, tag, video_stem), data, notes))
    return rendered


def convert_srt_file(
    srt_uri: str | ObjectStoragePath,
    output_dir: str | ObjectStoragePath,
    formats: Sequence[str],
    locale: str,
    *,
    video_stem: str = "video",
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Convert one SRT in storage into `<output_dir>/captions/`; answers the `StoredFile` dicts.

    `notes`, when given, collects what a format had to change (SCC captions CEA-608 showed late).
    """
    source = as_storage_path(srt_uri)
    rendered = convert_srt(source.read_bytes(), locale, formats, video_stem=video_stem, source=str(source))
    folder = as_storage_path(output_dir) / CAPTIONS_FOLDER
    stored: list[StoredFile] = []
    for item in rendered:
        stored.append(write_bytes(folder / item.filename, item.data, item.content_type))
        if notes is not None:
            notes += [f"{item.format.value}: {note}" for note in item.notes]
    log.info("Converted %s into %s", source, ", ".join(item.filename for item in rendered))
    return [file.to_dict() for file in stored]
