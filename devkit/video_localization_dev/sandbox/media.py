"""What the sandbox knows about a media file: duration, tracks, codec, frame rate, size, spoken content.

The vendors' documented media errors (no audio track, too long, too many frames a second, ...) must be
reached through a real cause, so the emulators read the file they are given. An MP4's properties come
from its boxes (ISO/IEC 14496-12), parsed by `core.mp4`, which the providers' pre-flight checks share;
whether it holds speech cannot be read from a container, so the committed samples say it in
`media/catalogue.json`, keyed by SHA-256. Any other file with an audio track is taken to hold speech.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from video_localization.core.mp4 import facts_of, is_mp4_head, parse_boxes
from video_localization_dev.media import media_dir


@dataclass(frozen=True)
class MediaInfo:
    size_bytes: int
    is_mp4: bool
    duration_seconds: float = 0.0
    has_video: bool = False
    has_audio: bool = False
    video_codec: str | None = None
    audio_codec: str | None = None
    fps: float | None = None
    has_speech: bool = False
    sha256: str = ""


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict]:
    path = media_dir() / "catalogue.json"
    if not path.is_file():
        return {}
    return {entry["sha256"]: entry for entry in json.loads(path.read_text())["media"]}


def probe_bytes(data: bytes) -> MediaInfo:
    """Read the properties of a media file held in memory (the box parser lives in `core.mp4`)."""
    digest = hashlib.sha256(data).hexdigest()
    if not is_mp4_head(data):
        return MediaInfo(size_bytes=len(data), is_mp4=False, sha256=digest)
    facts = facts_of(parse_boxes(data), len(data))
    known = _catalogue().get(digest, {})
    return MediaInfo(
        size_bytes=len(data),
        is_mp4=True,
        duration_seconds=facts.duration_seconds,
        has_video=facts.has_video,
        has_audio=facts.has_audio,
        video_codec=facts.video_codec,
        audio_codec=facts.audio_codec,
        fps=facts.fps,
        has_speech=bool(known.get("has_speech", facts.has_audio)),
        sha256=digest,
    )


def probe_file(path: Path) -> MediaInfo:
    return probe_bytes(path.read_bytes())
