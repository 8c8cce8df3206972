"""Line breaking for formats with a fixed number of columns (CEA-608: 32, EBU teletext: 37).

Lines are broken on word boundaries only. A line that already fits is kept as the translator wrote it;
a single word wider than the screen cannot be shown without cutting it, so it is refused instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from video_localization.core.captions.charsets import UnencodableText


def wrap_line(line: str, width: int, measure: Callable[[str], int] = len) -> list[str]:
    """`line` as lines of at most `width` columns, broken between words."""
    if measure(line) <= width:
        return [line]
    lines: list[str] = []
    current = ""
    for word in line.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def wrap_lines(
    lines: Sequence[str], width: int, *, what: str, where: str, measure: Callable[[str], int] = len
) -> tuple[str, ...]:
    """Every line wrapped to `width`; `UnencodableText` when one word alone is wider."""
    wrapped: list[str] = []
    for line in lines:
        for word in line.split():
            if measure(word) > width:
                raise UnencodableText(
                    "caption_formats",
                    what,
                    f"words of at most {width} columns",
                    f"{where} holds the word {word!r}, wider than {what}'s {width} columns",
                )
        wrapped += wrap_line(line, width, measure)
    return tuple(wrapped)
