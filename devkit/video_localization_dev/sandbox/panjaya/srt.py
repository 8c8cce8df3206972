"""SubRip text for the Panjaya emulator: the canned source transcript, user SRT checks, machine translation.

A version's subtitles must be real SRT (numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text, blank line)
so the project's caption tooling is exercised with what a vendor really sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from video_localization_dev.sandbox.panjaya.wire import MACHINE_TRANSLATION_PREFIX, SOURCE_TRANSCRIPT

_TIMING = re.compile(
    r"^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})\s+-->\s+(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})(?:\s+.*)?$"
)
_GAP_SECONDS = 0.1


class SrtError(ValueError):
    """A user-provided SRT that is not valid SubRip."""


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def _seconds(hours: str, minutes: str, secs: str, millis: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def render(cues: list[Cue]) -> str:
    """Serialize cues as SRT, renumbered from 1."""
    blocks = [
        f"{index}\n{_timestamp(cue.start)} --> {_timestamp(cue.end)}\n{cue.text}\n"
        for index, cue in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def parse(text: str) -> list[Cue]:
    """Read SRT strictly: every block needs an index, a timing line with start <= end, and text."""
    normalized = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not normalized:
        raise SrtError("the SRT has no cues")
    cues: list[Cue] = []
    for number, block in enumerate(re.split(r"\n\s*\n", normalized), start=1):
        lines = [line.rstrip() for line in block.strip().split("\n")]
        if len(lines) < 3:
            raise SrtError(f"cue {number}: expected an index, a timing line and text")
        if not lines[0].strip().isdigit():
            raise SrtError(f"cue {number}: {lines[0]!r} is not a cue index")
        match = _TIMING.match(lines[1].strip())
        if match is None:
            raise SrtError(f"cue {number}: {lines[1]!r} is not 'HH:MM:SS,mmm --> HH:MM:SS,mmm'")
        start = _seconds(*match.group(1, 2, 3, 4))
        end = _seconds(*match.group(5, 6, 7, 8))
        if end < start:
            raise SrtError(f"cue {number}: ends before it starts")
        cues.append(Cue(start=start, end=end, text="\n".join(lines[2:])))
    return cues


def source_cues(start: float, end: float) -> list[Cue]:
    """The canned transcript spread over [start, end], each sentence's share in proportion to its length."""
    span = max(end - start, 0.0)
    total = sum(len(sentence) for sentence in SOURCE_TRANSCRIPT)
    cues: list[Cue] = []
    cursor = start
    for sentence in SOURCE_TRANSCRIPT:
        length = span * len(sentence) / total
        gap = min(_GAP_SECONDS, length / 4)
        cues.append(Cue(start=round(cursor, 3), end=round(cursor + length - gap, 3), text=sentence))
        cursor += length
    return cues


def machine_translation(cues: list[Cue], locale: str) -> list[Cue]:
    """The sandbox's stand-in for a translation: the same cues, marked with the target locale."""
    prefix = MACHINE_TRANSLATION_PREFIX.format(locale=locale)
    return [Cue(start=cue.start, end=cue.end, text=prefix + cue.text) for cue in cues]
