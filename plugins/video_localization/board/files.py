"""Serving result files to the board: only under the configured output roots, by Range, SRT as WebVTT.

Files are opened with `ObjectStoragePath`, the abstraction the DAGs write with, so a run stored in
s3:// or gs:// is served exactly like one on a local disk. A browser's `<video>` asks for byte ranges
(to start playing before the whole file arrives, and to seek); every file answer honours one
`Range: bytes=a-b` with 206 and streams in bounded chunks from a seek, for any storage scheme.

Where a file may come from is configured, not taken from a manifest or a run's conf: `[video_localization]
output_roots` (comma-separated folders or URIs), else the DAGs' default output location
(`[video_localization] output_root`). A run folder outside every root is never read.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator

from airflow.sdk import ObjectStoragePath
from fastapi import HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from video_localization.core.captions.cues import parse_srt
from video_localization.core.captions.library_writers import webvtt
from video_localization.core.storage import as_storage_path

CHUNK_SIZE = 256 * 1024
#: Content types the browser must know for `<video>` and `<track>`; the rest is guessed from the name.
CONTENT_TYPES = {".mp4": "video/mp4", ".vtt": "text/vtt", ".srt": "application/x-subrip"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def output_roots() -> list[ObjectStoragePath]:
    """The folders the board may read, from `[video_localization] output_roots`."""
    from video_localization.core import trust_settings

    return [as_storage_path(entry) for entry in trust_settings.output_roots()]


def _key(path: ObjectStoragePath | str) -> str:
    return str(path).rstrip("/")


def under_roots(folder: ObjectStoragePath | str, roots: list[ObjectStoragePath]) -> bool:
    """`folder` is a root or lies below one (compared as normalised storage URIs, scheme included).

    A local path is resolved first; an object-store key keeps `..` literally, so any `.`/`..` segment
    is refused rather than trusted to mean the same thing to every store."""
    key = _key(as_storage_path(str(folder)))
    if any(part in (".", "..") for part in key.split("://", 1)[-1].split("/")):
        return False
    return any(key == _key(root) or key.startswith(_key(root) + "/") for root in roots)


def file_in_run(run_folder: str, relative: str, roots: list[ObjectStoragePath]) -> ObjectStoragePath:
    """The file at `relative` inside `run_folder`; 404 when the path leaves the folder or the folder is
    outside every output root (the same answer, so nothing is learnt about what lies elsewhere)."""
    parts = relative.split("/")
    if not relative or relative.startswith("/") or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise HTTPException(status_code=404, detail="no such file in this run")
    if not under_roots(run_folder, roots):
        raise HTTPException(status_code=404, detail="no such file in this run")
    return as_storage_path(run_folder.rstrip("/") + "/" + relative)


def content_type(name: str) -> str:
    lowered = name.lower()
    for suffix, value in CONTENT_TYPES.items():
        if lowered.endswith(suffix):
            return value
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first byte and the last byte (inclusive) a `Range` header asks for; None for the whole file.

    Raises 416 for a range that starts past the end; several ranges in one header are answered whole
    (browsers ask for one)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            raise HTTPException(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise HTTPException(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    return start, end


def _chunks(path: ObjectStoragePath, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as stream:
        stream.seek(start)
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def file_response(path: ObjectStoragePath, request: Request, *, download: bool = False) -> Response:
    """The file, whole (200) or the asked range (206), streamed from storage in bounded chunks."""
    if not path.is_file():
        raise HTTPException(status_code=404, detail="no such file in this run")
    size = int(path.stat().st_size)
    wanted = parse_range(request.headers.get("range"), size)
    start, end = wanted if wanted else (0, size - 1)
    length = max(0, end - start + 1)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(length), "Cache-Control": "private, no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
    status = 200
    if wanted:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        _chunks(path, start, length), status_code=status, media_type=content_type(path.name), headers=headers
    )


def srt_as_webvtt(path: ObjectStoragePath, locale: str) -> bytes:
    """An SRT file as WebVTT, so the browser can draw it over the video (`<track>` reads only WebVTT)."""
    return webvtt(parse_srt(path.read_bytes(), source=path.name), locale)
