"""What the emulator reads from a script: how long it will be spoken, and whether its SSML is well formed.

The document limits videos to 3 minutes but a request only carries text, so the length is estimated:
the characters that will be spoken (SSML tags removed, entities decoded) at `CHARS_PER_SECOND`, plus the
time of every `<break time="..."/>`. A script starting with `<speak` is SSML; the TTS provider rejects
SSML whose tags do not nest, which the emulator turns into failed attempts and a task canceled by the
service (a real cause for the lower-case `canceled`).
"""

from __future__ import annotations

import html
import re

from video_localization_dev.sandbox.cdnvideo.constants import CHARS_PER_SECOND

_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)([^<>]*?)(/?)>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_BREAK = re.compile(r"<break\b[^<>]*?\btime\s*=\s*[\"'](\d+(?:\.\d+)?)\s*(ms|s)[\"']", re.IGNORECASE)


def spoken_text(script: str) -> str:
    """The words that will be voiced: the script without SSML tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_ANY_TAG.sub(" ", script)).split())


def estimate_seconds(script: str) -> float:
    """The estimated length of the video a script makes, in seconds."""
    pauses = sum(
        float(value) / (1000.0 if unit.lower() == "ms" else 1.0) for value, unit in _BREAK.findall(script)
    )
    return round(len(spoken_text(script)) / CHARS_PER_SECOND + pauses, 3)


def is_ssml(script: str) -> bool:
    return script.lstrip().startswith("<speak")


def ssml_problem(script: str) -> str | None:
    """Why the TTS provider would reject this SSML, or None when it is plain text or well formed."""
    if not is_ssml(script):
        return None
    stack: list[str] = []
    for match in _TAG.finditer(script):
        closing, name, _attributes, self_closing = match.groups()
        if self_closing:
            continue
        if not closing:
            stack.append(name)
        elif not stack or stack[-1] != name:
            return f"invalid SSML: unexpected </{name}>"
        else:
            stack.pop()
    if stack:
        return f"invalid SSML: <{stack[-1]}> is not closed"
    return None
