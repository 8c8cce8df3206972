"""Reading an MP4's properties from its boxes (ISO/IEC 14496-12), without ffmpeg and without reading it all.

Why in core: vendors refuse media for properties that can be read from the container (no audio track,
too long, too many frames a second, too large), and checking them before a paid call saves money. The
sandbox emulators use the same parser to refuse media for real causes.

Boxes read: `mvhd` (movie duration), and per `trak`: `mdhd` (timescale, duration), `hdlr` (vide/soun),
`stsd` (the first sample entry's code, e.g. avc1), `stts` (sample count, for the frame rate).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

_CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}
#: A `moov` box larger than this is not read from a file (real ones are a few MB even for long videos).
MAX_MOOV_BYTES = 64 * 1024 * 1024


@dataclass
class Mp4Track:
    handler: bytes = b""
    timescale: int = 0
    duration: int = 0
    codec: str | None = None
    samples: int = 0


@dataclass
class Mp4Boxes:
    """What the box walk found: the movie's timescale and duration, and its tracks."""

    timescale: int = 0
    duration: int = 0
    tracks: list[Mp4Track] = field(default_factory=list)

    def track(self, handler: bytes) -> Mp4Track | None:
        return next((t for t in self.tracks if t.handler == handler), None)


@dataclass(frozen=True)
class Mp4Facts:
    """The properties vendors' media limits are about."""

    size_bytes: int
    duration_seconds: float
    has_video: bool
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    fps: float | None


def is_mp4_head(head: bytes) -> bool:
    """An MP4 (ISO base media file) starts with an `ftyp` box."""
    return len(head) >= 12 and head[4:8] == b"ftyp"


def iter_boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
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


def _walk(data: bytes, start: int, end: int, movie: Mp4Boxes, track: Mp4Track | None) -> None:
    for kind, body, box_end in iter_boxes(data, start, end):
        if kind == b"trak":
            track = Mp4Track()
            movie.tracks.append(track)
            _walk(data, body, box_end, movie, track)
            continue
        if kind in _CONTAINER_BOXES:
            _walk(data, body, box_end, movie, track)
        elif kind == b"mvhd":
            version = data[body]
            if version == 1:
                movie.timescale, movie.duration = struct.unpack(">IQ", data[body + 20 : body + 32])
            else:
                movie.timescale, movie.duration = struct.unpack(">II", data[body + 12 : body + 20])
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


def parse_boxes(data: bytes, start: int = 0, end: int | None = None) -> Mp4Boxes:
    """Walk the boxes of data[start:end] (a whole file, or just its `moov` box)."""
    movie = Mp4Boxes()
    _walk(data, start, len(data) if end is None else end, movie, None)
    return movie


def facts_of(movie: Mp4Boxes, size_bytes: int) -> Mp4Facts:
    video = movie.track(b"vide")
    audio = movie.track(b"soun")
    duration = movie.duration / movie.timescale if movie.timescale else 0.0
    fps = None
    if video and video.timescale and video.duration:
        fps = round(video.samples / (video.duration / video.timescale), 3)
    return Mp4Facts(
        size_bytes=size_bytes,
        duration_seconds=round(duration, 3),
        has_video=video is not None,
        has_audio=audio is not None,
        video_codec=video.codec if video else None,
        audio_codec=audio.codec if audio else None,
        fps=fps,
    )


def probe_mp4_bytes(data: bytes) -> Mp4Facts | None:
    """The facts of an MP4 held in memory; None when it is not an MP4."""
    if not is_mp4_head(data):
        return None
    return facts_of(parse_boxes(data), len(data))


def probe_mp4_file(stream: IO[bytes]) -> Mp4Facts | None:
    """The facts of an MP4 read from a seekable binary stream, reading only its top-level headers and `moov`.

    A 300 MB video costs a few small reads and one read of its `moov` box, wherever that box sits.
    None when the stream is not an MP4.
    """
    stream.seek(0, 2)
    total = stream.tell()
    stream.seek(0)
    if not is_mp4_head(stream.read(12)):
        return None
    pos = 0
    movie = Mp4Boxes()
    while pos + 8 <= total:
        stream.seek(pos)
        header = stream.read(16)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header[:8])
        header_size = 8
        if size == 1:
            if len(header) < 16:
                break
            size = struct.unpack(">Q", header[8:16])[0]
            header_size = 16
        elif size == 0:
            size = total - pos
        if size < header_size or pos + size > total:
            break
        if kind == b"moov" and size <= MAX_MOOV_BYTES:
            stream.seek(pos)
            movie = parse_boxes(stream.read(size))
            break
        pos += size
    return facts_of(movie, total)
