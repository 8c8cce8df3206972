"""What one caption file is rendered from, and the time-code arithmetic the formats share."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from video_localization_dev.sandbox.rev.cues import Cue, build_cues

NTSC_FPS = 30000 / 1001  # CEA-608 formats (SCC, MCC) run at 29.97 drop-frame
NTSC_NOMINAL_FPS = 30  # frame-based text formats (Spruce STL, Avid, Cheetah CAP) count 30 a second
EBU_FPS = 25  # EBU STL files declare STL25.01


@dataclass(frozen=True)
class CaptionSource:
    """One input's captions: the language, the media's length and whether anyone speaks in it."""

    language: str
    duration: float
    has_speech: bool
    title: str = "captions"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def cues(self, width: int = 42, max_lines: int = 2) -> list[Cue]:
        return build_cues(self.language, self.duration, self.has_speech, width=width, max_lines=max_lines)


def clock(seconds: float, separator: str = ".") -> str:
    """`HH:MM:SS.mmm` (SubRip uses a comma)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def frame_parts(seconds: float, fps: int) -> tuple[int, int, int, int]:
    """(hours, minutes, seconds, frames) of a non-drop-frame time code."""
    frames = round(seconds * fps)
    total_seconds, frame = divmod(frames, fps)
    hours, rest = divmod(total_seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs, frame


def frame_code(seconds: float, fps: int = NTSC_NOMINAL_FPS) -> str:
    """`HH:MM:SS:FF`, non-drop-frame."""
    return "{:02d}:{:02d}:{:02d}:{:02d}".format(*frame_parts(seconds, fps))


def ntsc_frame(seconds: float) -> int:
    """The 29.97 fps frame a time falls on."""
    return max(0, math.floor(seconds * NTSC_FPS + 0.5))


def drop_frame_code(frame: int) -> str:
    """SMPTE 29.97 drop-frame time code of a frame count (`HH:MM:SS;FF`)."""
    tens, rest = divmod(frame, 17982)
    frame += 18 * tens + (2 * ((rest - 2) // 1798) if rest >= 2 else 0)
    frames = frame % 30
    secs = (frame // 30) % 60
    minutes = (frame // 1800) % 60
    hours = frame // 108000
    return f"{hours:02d}:{minutes:02d}:{secs:02d};{frames:02d}"
