"""Is this file a video container? Judged by its first bytes (magic numbers), never by its name.

Why: a local file is streamed to a paid vendor. A name ending in `.mp4` proves nothing (`/etc/passwd`
renamed, a text file, an image); the container's own signature at the start of the file does. This is
a cheap gate before anything leaves the machine, not a full parse: `core.mp4` reads an MP4's tracks
where a vendor needs them.

Containers recognised (the ones the five vendors' documents and upload pages name):
ISO base media (MP4, MOV, M4V, 3GP: an `ftyp` box, or a classic QuickTime first atom), Matroska/WebM
(EBML header), AVI (RIFF `AVI `), MPEG transport stream (0x47 sync bytes every 188 bytes), MPEG program
stream (pack header 00 00 01 BA), FLV and ASF/WMV. ISO files whose major brand is a still image (HEIF,
AVIF) or audio-only (M4A/M4B/M4P) are not videos.
"""

from __future__ import annotations

from typing import IO

#: Bytes read from the start of a file to judge it (an MPEG-TS check needs three 188-byte packets).
HEAD_BYTES = 3 * 188 + 4
#: First atoms of QuickTime files written without an `ftyp` box.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
#: Major brands of ISO base media files that are not videos.
_NOT_VIDEO_BRANDS = {
    b"heic": "a HEIF image",
    b"heix": "a HEIF image",
    b"mif1": "a HEIF image",
    b"msf1": "a HEIF image sequence",
    b"avif": "an AVIF image",
    b"avis": "an AVIF image sequence",
    b"M4A ": "an audio file (M4A)",
    b"M4B ": "an audio book (M4B)",
    b"M4P ": "an audio file (M4P)",
}
VIDEO_CONTAINERS = ("MP4/MOV", "Matroska/WebM", "AVI", "MPEG-TS", "MPEG-PS", "FLV", "ASF/WMV")


def video_container(head: bytes) -> str | None:
    """The container's name when `head` (a file's first bytes) starts a video container, else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return None if head[8:12] in _NOT_VIDEO_BRANDS else "MP4/MOV"
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return "MP4/MOV"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "Matroska/WebM"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    if len(head) >= 3 * 188 and all(head[i] == 0x47 for i in (0, 188, 376)):
        return "MPEG-TS"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "MPEG-PS"
    if head.startswith(b"FLV\x01"):
        return "FLV"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "ASF/WMV"
    return None


def describe_head(head: bytes) -> str:
    """What a non-video start looks like, for the refusal message (never the file's content)."""
    if not head:
        return "an empty file"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _NOT_VIDEO_BRANDS:
        return _NOT_VIDEO_BRANDS[head[8:12]]
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"GIF8"):
        return "an image"
    if head.startswith((b"ID3", b"fLaC", b"OggS")) or head[:4] == b"RIFF":
        return "an audio file or another RIFF/Ogg file"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of no known video container"
    return "text"


def read_head(stream: IO[bytes]) -> bytes:
    """The first `HEAD_BYTES` of a binary stream (fewer when the file is shorter)."""
    chunks = bytearray()
    while len(chunks) < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - len(chunks))
        if not chunk:
            break
        chunks.extend(chunk)
    return bytes(chunks)
