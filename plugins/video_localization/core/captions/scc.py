"""Scenarist SCC (CEA-608 pop-on captions at 29.97 fps drop-frame), written by pycaption, made safe.

Why pycaption and not ttconv: ttconv's SCC writer has no CEA-608 extended characters (it writes a space
for Ä, Ö, ß, ã, Ç ...) and cuts words at 32 columns. pycaption writes the whole CEA-608 set; what it
gets wrong is handled here, before and after it runs:

- Characters CEA-608 lacks are refused (`charsets.fit_text`), never replaced by `£`.
- Lines are wrapped at 32 columns on word boundaries here, so pycaption's own wrapping never runs.
- An extended character replaces the character before it on a decoder's screen; pycaption sends none,
  so the letter before every accented capital or umlaut was lost. A basic stand-in is put before each
  (what CEA-608 asks an encoder to do), and counted in the 32 columns.
- pycaption's pop-on captions show two frames before their time (`PYCAPTION_EARLY_FRAMES`); starts are
  handed over that much later.
- CEA-608 sends two bytes a frame, so a caption needs about a frame per two characters to load while
  the one before it is on screen. Captions that follow each other faster than that cannot all be on
  time: left to pycaption, one of them was dropped. They are scheduled here first (`schedule`): a
  caption shows as soon as it can be loaded, never before its time, and stays at least
  `MIN_DISPLAY_FRAMES`. Every caption that moved by more than a frame is logged and answered as a note.
- The file is read back with ttconv's SCC reader: a caption whose text did not survive is an error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pycaption import SCCWriter
from ttconv.scc import reader as scc_reader

from video_localization.core.captions.charsets import (
    CEA608,
    CEA608_COLUMNS,
    CEA608_EXTENDED,
    CEA608_SPECIAL,
    UnencodableText,
    cea608_stand_in,
    fit_text,
)
from video_localization.core.captions.cues import Cue, paragraph_cues
from video_localization.core.captions.library_writers import caption_set
from video_localization.core.captions.timecode import NTSC_FPS
from video_localization.core.captions.wrapping import wrap_lines

log = logging.getLogger(__name__)

#: pycaption 2.x backs each pop-on caption up by its length in code words plus its 8 fixed ones, so the
#: EOC that shows it lands two frames before the caption's start (measured with ttconv's reader).
PYCAPTION_EARLY_FRAMES = 2
#: CEA-608 has 15 caption rows.
MAX_ROWS = 15
#: Code words between one caption's EOC and the next caption's, beyond what loading the next one takes:
#: its clear (EDM, sent twice) and pycaption's three-word distance after a clear.
SCHEDULE_MARGIN_FRAMES = 6
#: A caption CEA-608 had to show late stays on screen at least this long (half a second).
MIN_DISPLAY_FRAMES = 15


def _columns(line: str) -> int:
    """Columns a line takes in the byte stream: an extended character costs its stand-in too."""
    return len(line) + sum(1 for char in line if char in CEA608_EXTENDED)


def _with_stand_ins(line: str) -> str:
    return "".join(cea608_stand_in(char) + char if char in CEA608_EXTENDED else char for char in line)


def prepare(cues: Sequence[Cue]) -> list[Cue]:
    """Cues whose text CEA-608 can carry, wrapped at 32 columns (raises `UnencodableText` otherwise)."""
    prepared = []
    for cue in cues:
        where = f"caption {cue.index} ({cue.start:.3f} s)"
        lines = fit_text(
            cue.lines, CEA608.__contains__, what="Scc", charset="the CEA-608 character set", where=where
        )
        lines = wrap_lines(lines, CEA608_COLUMNS, what="Scc", where=where, measure=_columns)
        if len(lines) > MAX_ROWS:
            raise UnencodableText(
                "caption_formats", "Scc", f"at most {MAX_ROWS} rows", f"{where} needs {len(lines)} rows"
            )
        prepared.append(cue.with_lines(lines))
    return prepared


def load_frames(lines: Sequence[str]) -> int:
    """Frames (code words) pycaption needs to load a caption, at most: 8 fixed words (RCL, ENM, EDM,
    EOC, each twice), then per row its preamble (twice) and a pad word, and the text: two basic
    characters a word, each special or extended character two words plus a pad (stand-ins included)."""
    words = 8
    for line in lines:
        basic = sum(1 for char in line if char not in CEA608_SPECIAL and char not in CEA608_EXTENDED)
        other = len(line) - basic
        words += 3 + (basic + 1) // 2 + 3 * other
    return words


def schedule(cues: Sequence[Cue]) -> list[Cue]:
    """Start (and end) times at which each caption can be loaded and shown; unchanged when there is room."""
    scheduled: list[Cue] = []
    previous_frame: int | None = None
    for cue in cues:
        need = load_frames([_with_stand_ins(line) for line in cue.lines])
        earliest = need if previous_frame is None else previous_frame + need + SCHEDULE_MARGIN_FRAMES
        frame = max(math.floor(cue.start * NTSC_FPS), earliest)
        start = max(cue.start, frame / NTSC_FPS)
        end = max(cue.end, (frame + MIN_DISPLAY_FRAMES) / NTSC_FPS)
        scheduled.append(Cue(cue.index, round(start, 4), round(end, 4), cue.lines))
        previous_frame = math.floor(start * NTSC_FPS)
    return scheduled


@dataclass(frozen=True)
class SccResult:
    data: bytes
    notes: list[str]


def write_scc(cues: Sequence[Cue], locale: str) -> SccResult:
    """SCC bytes of the cues, checked by reading them back; `notes` lists captions CEA-608 had to move."""
    prepared = prepare(cues)
    lead = PYCAPTION_EARLY_FRAMES / NTSC_FPS
    shifted = [
        Cue(cue.index, cue.start + lead, cue.end, tuple(_with_stand_ins(line) for line in cue.lines))
        for cue in schedule(prepared)
    ]
    text = SCCWriter(drop_frame=True).write(caption_set(shifted, locale))
    notes = verify(text, prepared)
    for note in notes:
        log.warning("SCC: %s", note)
    return SccResult(text.encode("ascii"), notes)


def read_scc(text: str) -> list[Cue]:
    """The captions a CEA-608 decoder shows for an SCC file (ttconv's reader)."""
    document = scc_reader.to_model(text)
    return paragraph_cues(document) if document is not None else []


def _words(cue: Cue) -> str:
    return " ".join(" ".join(cue.lines).split())


def verify(text: str, expected: Sequence[Cue]) -> list[str]:
    """Read the SCC back: an error when any caption's text was lost, notes for captions that moved."""
    shown = read_scc(text)
    if [_words(cue) for cue in shown] != [_words(cue) for cue in expected]:
        lost = [cue.index for cue, seen in zip(expected, shown, strict=False) if _words(cue) != _words(seen)]
        first = lost[0] if lost else min(len(shown), len(expected)) + 1
        raise UnencodableText(
            "caption_formats",
            "Scc",
            "captions CEA-608 can carry",
            f"caption {first} did not survive SCC encoding ({len(shown)} of {len(expected)} read back)",
        )
    frame = 1 / NTSC_FPS
    notes = []
    for cue, seen in zip(expected, shown, strict=True):
        moved = [
            f"{what} {delta * 1000:+.0f} ms"
            for what, delta in (("start", seen.start - cue.start), ("end", seen.end - cue.end))
            if abs(delta) > frame + 0.0005
        ]
        if moved:
            notes.append(f"caption {cue.index} ({cue.start:.3f} s) {', '.join(moved)} (CEA-608 timing)")
    return notes
