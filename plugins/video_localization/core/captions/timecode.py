"""Time codes of the caption formats: milliseconds, hundredths and frame counts at a fixed rate."""

from __future__ import annotations

import math

#: Frame-based text formats (Spruce STL, Avid DS) count 30 frames a second, as DVD Studio Pro's STL
#: import and Rev's files do.
TEXT_FORMAT_FPS = 30
#: EBU STL files are written at 25 frames a second (GSI `DFC` = `STL25.01`), Europe's broadcast rate.
EBU_FPS = 25
#: CEA-608 runs at NTSC's 29.97 frames a second.
NTSC_FPS = 30000 / 1001


def split_units(seconds: float, units_per_second: int) -> tuple[int, int, int, int]:
    """(hours, minutes, seconds, units): `seconds` rounded to the nearest unit (a frame, a hundredth)."""
    units = max(0, math.floor(seconds * units_per_second + 0.5))
    whole, unit = divmod(units, units_per_second)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs, unit


def frame_code(seconds: float, fps: int = TEXT_FORMAT_FPS, separator: str = ":") -> str:
    """`HH:MM:SS:FF`, non-drop-frame."""
    hours, minutes, secs, frames = split_units(seconds, fps)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{frames:02d}"


def hundredths_code(seconds: float) -> str:
    """`HH:MM:SS.hh`."""
    hours, minutes, secs, hundredths = split_units(seconds, 100)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{hundredths:02d}"
