"""The canonical caption form every writer starts from: numbered cues with times and lines of text.

SRT input is read with ttconv's SRT reader (a byte-order mark, CRLF, markup such as `<i>` and `{b}`,
blank lines and stray numbering are its business); markup is dropped, the text of each line is kept
exactly, right-to-left and CJK text included.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from fractions import Fraction

from ttconv import model
from ttconv.srt import reader as srt_reader

from video_localization.core.errors import InvalidInputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cue:
    """One caption: shown from `start` to `end` (seconds), as `lines`."""

    index: int  # 1-based
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def with_lines(self, lines: tuple[str, ...]) -> Cue:
        return Cue(self.index, self.start, self.end, lines)


def _seconds(value: Fraction | None) -> float:
    return round(float(value or 0), 3)


def _paragraph_lines(paragraph: model.P) -> list[str]:
    lines = [""]

    def visit(element: model.ContentElement) -> None:
        if isinstance(element, model.Br):
            lines.append("")
        elif isinstance(element, model.Text):
            lines[-1] += element.get_text()
        else:
            for child in element:
                visit(child)

    visit(paragraph)
    return [line.strip() for line in lines if line.strip()]


def _paragraphs(element: model.ContentElement) -> list[model.P]:
    if isinstance(element, model.P):
        return [element]
    found: list[model.P] = []
    for child in element:
        found += _paragraphs(child)
    return found


def paragraph_cues(document: model.ContentDocument, *, source: str = "captions") -> list[Cue]:
    """The cues of a ttconv document (any reader's), in time order, numbered from 1."""
    body = document.get_body()
    cues: list[Cue] = []
    for paragraph in _paragraphs(body) if body is not None else []:
        lines = _paragraph_lines(paragraph)
        start, end = _seconds(paragraph.get_begin()), _seconds(paragraph.get_end())
        if not lines:
            continue
        if end <= start:
            log.warning("%s: skipping a caption that ends before it starts (%s -> %s)", source, start, end)
            continue
        cues.append(Cue(len(cues) + 1, start, end, tuple(lines)))
    cues.sort(key=lambda cue: (cue.start, cue.index))
    return [Cue(number, cue.start, cue.end, cue.lines) for number, cue in enumerate(cues, start=1)]


def parse_srt(data: str | bytes, *, source: str = "SRT") -> list[Cue]:
    """The cues of an SRT file; `InvalidInputError` when text is given but no cue can be read from it."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if not text.strip():
        return []
    document = srt_reader.to_model(io.StringIO(text))
    cues = paragraph_cues(document, source=source) if document is not None else []
    if not cues:
        raise InvalidInputError("srt", source, "an SRT file with at least one caption", "no caption found")
    return cues
