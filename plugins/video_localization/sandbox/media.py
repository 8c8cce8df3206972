"""What the sandbox knows about a media file: duration, tracks, codec, frame rate, size, spoken content.

The vendors' documented media errors (no audio track, too long, too many frames a second, ...) must be
reached through a real cause, so the emulators read the file they are given. An MP4's properties come
from its boxes (ISO/IEC 14496-12: `mvhd`, `trak/mdia/{mdhd,hdlr}`, `stsd`, `stts`); whether it holds
speech cannot be read from a container, so the committed samples say it in `include/media/catalogue.json`,
keyed by SHA-256. Any other file with an audio track is taken to hold speech.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from video_localization.core.paths import media_dir

_CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}


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


@dataclass
class _Track:
    handler: bytes = b""
    timescale: int = 0
    duration: int = 0
    codec: str | None = None
    samples: int = 0


def _boxes(data: bytes, start: int, end: int):
    """Yield (type, payload_start, box_end) for each box in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _walk(data: bytes, start: int, end: int, movie: dict, track: _Track | None, tracks: list[_Track]) -> None:
    for kind, body, box_end in _boxes(data, start, end):
        if kind == b"trak":
            track = _Track()
            tracks.append(track)
            _walk(data, body, box_end, movie, track, tracks)
            continue
        if kind in _CONTAINER_BOXES:
            _walk(data, body, box_end, movie, track, tracks)
        elif kind == b"mvhd":
            version = data[body]
            if version == 1:
                movie["timescale"], movie["duration"] = struct.unpack(">IQ", data[body + 20 : body + 32])
            else:
                movie["timescale"], movie["duration"] = struct.unpack(">II", data[body + 12 : body + 20])
        elif track is None:
            continue
        elif kind == b"mdhd":
            version = data[body]
            if version == 1:
                track.timescale, track.duration = struct.unpack(">IQ", data[body + 20 : body + 32])
            else:
                track.timescale, track.duration = struct.unpack(">II", data[body + 12 : body + 20])
        elif kind == b"hdlr":
            track.handler = data[body + 8 : body + 12]
        elif kind == b"stsd" and body + 16 <= box_end:
            track.codec = data[body + 12 : body + 16].decode("latin-1")
        elif kind == b"stts":
            count = struct.unpack(">I", data[body + 4 : body + 8])[0]
            entries = data[body + 8 : body + 8 + 8 * count]
            track.samples = sum(struct.unpack(">I", entries[i : i + 4])[0] for i in range(0, len(entries), 8))


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict]:
    path = media_dir() / "catalogue.json"
    if not path.is_file():
        return {}
    return {entry["sha256"]: entry for entry in json.loads(path.read_text())["media"]}


def probe_bytes(data: bytes) -> MediaInfo:
    """Read the properties of a media file held in memory."""
    digest = hashlib.sha256(data).hexdigest()
    is_mp4 = len(data) >= 12 and data[4:8] == b"ftyp"
    if not is_mp4:
        return MediaInfo(size_bytes=len(data), is_mp4=False, sha256=digest)
    movie: dict = {}
    tracks: list[_Track] = []
    _walk(data, 0, len(data), movie, None, tracks)
    video = next((t for t in tracks if t.handler == b"vide"), None)
    audio = next((t for t in tracks if t.handler == b"soun"), None)
    duration = movie["duration"] / movie["timescale"] if movie.get("timescale") else 0.0
    fps = None
    if video and video.timescale and video.duration:
        fps = round(video.samples / (video.duration / video.timescale), 3)
    known = _catalogue().get(digest, {})
    return MediaInfo(
        size_bytes=len(data),
        is_mp4=True,
        duration_seconds=round(duration, 3),
        has_video=video is not None,
        has_audio=audio is not None,
        video_codec=video.codec if video else None,
        audio_codec=audio.codec if audio else None,
        fps=fps,
        has_speech=bool(known.get("has_speech", audio is not None)),
        sha256=digest,
    )


def probe_file(path: Path) -> MediaInfo:
    return probe_bytes(path.read_bytes())
