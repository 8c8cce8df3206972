"""Saving vendor results: stream a link into an `ObjectStoragePath`, in bounded memory, verified.

Vendor links expire (Akool 7 days, CDNvideo 6 hours, signed Panjaya links), so results are copied into
the user's own storage as soon as they exist. The copy streams in fixed-size chunks and becomes visible
under its final name only once its size (and checksum, when the vendor gives one) match, so a reader
never sees half a file and a retried download starts clean: a local file is written under a temporary
name and renamed, an object store gets one upload to the final key that completes only on success
(`core.sinks`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import TYPE_CHECKING

from airflow.sdk import ObjectStoragePath

from video_localization.core.bulk_http import READINTO
from video_localization.core.digest_pipeline import BufferPool, WriteAndHash
from video_localization.core.errors import DownloadVerificationError
from video_localization.core.sinks import open_sink, write_small

if TYPE_CHECKING:
    import httpx

    from video_localization.core.http import VendorApi

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024

#: A download's read buffers (`_BUFFERS + 1` of them: 20 MiB in all). Measured against 1 MiB, 1 GiB on
#: loopback into /dev/shm, alternating in one process (2026-12-04, two runs): 4 MiB spent 0.17-0.24
#: CPU-s less per GiB (a quarter of the hand-overs between the reading and the writing thread, each a
#: thread wake-up); 8 MiB saved nothing more.
DOWNLOAD_BUFFER_SIZE = 4 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """What the manifest records of one saved file."""

    uri: str
    name: str
    size_bytes: int
    sha256: str
    content_type: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def safe_path_part(value: str) -> str:
    """A run id or locale as one path segment: no separators, no parent references."""
    cleaned = str(value).replace("/", "_").replace("\\", "_").strip()
    if cleaned in {"", ".", ".."}:
        raise ValueError(f"{value!r} cannot be used as a folder name")
    return cleaned


def as_storage_path(location: str | ObjectStoragePath) -> ObjectStoragePath:
    """A user's location (`/abs/dir`, `file:///dir`, `s3://bucket/prefix`, ...) as an ObjectStoragePath."""
    if isinstance(location, ObjectStoragePath):
        return location
    text = str(location)  # str, or a local `pathlib.Path`
    if "://" not in text:
        from pathlib import Path

        text = Path(text).expanduser().resolve().as_uri()
    return ObjectStoragePath(text)


def looks_like_mp4(head: bytes) -> bool:
    """An ISO base media file starts with a box whose type is `ftyp` (or, rarely, `moov`/`mdat`/`free`)."""
    return len(head) >= 8 and head[4:8] in {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"}


def require_mp4(head: bytes) -> None:
    if not looks_like_mp4(head):
        raise DownloadVerificationError(f"downloaded file is not an MP4 (first bytes {head[:16]!r})")


def require_text(head: bytes) -> None:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A chunk boundary can split a character: only fail when the error is not at the very end.
        if exc.start < len(head) - 4:
            raise DownloadVerificationError(f"downloaded file is not UTF-8 text: {exc}") from exc


def _content_md5(header: str | None) -> str | None:
    if not header:
        return None
    try:
        return base64.b64decode(header).hex()
    except ValueError:
        return None


def _md5_etag(header: str | None) -> str | None:
    """An S3-style ETag that is the object's MD5 (strong, 32 hex digits); None for any other ETag."""
    if not header:
        return None
    value = header.strip().strip('"').lower()
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else None


def stream_to_storage(
    api: VendorApi,
    url: str,
    destination: ObjectStoragePath,
    *,
    authenticated: bool = False,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    expected_md5: str | None = None,
    check_head: Callable[[bytes], None] | None = None,
    chunk_size: int = DOWNLOAD_BUFFER_SIZE,
    etag_is_md5: bool = False,
) -> StoredFile:
    """Copy `url` to `destination`; raise `DownloadVerificationError` (and leave nothing) on a mismatch.

    `etag_is_md5`: the link is an S3 object whose plain 32-hex `ETag` is its MD5 (a multipart `-N`
    ETag is not, and is then ignored); the copy is checked against it. MD5 is computed only when there
    is one to check (`expected_md5`, `Content-MD5`, or such an ETag); SHA-256 always (the manifest's).

    The body is read straight into reused buffers when the transport allows it (`core.bulk_http`), and
    written and hashed on a second thread (`core.digest_pipeline`); see `core.sinks` for how local
    paths and object stores are kept free of partial files.
    """
    destination = as_storage_path(destination)  # a plain local `Path` is accepted too
    sha256 = hashlib.sha256()
    written = 0
    with api.stream("GET", url, authenticated=authenticated, headers=_IDENTITY) as response:
        announced = response.headers.get("Content-Length")
        content_md5 = expected_md5 or _content_md5(response.headers.get("Content-MD5"))
        if content_md5 is None and etag_is_md5:
            content_md5 = _md5_etag(response.headers.get("ETag"))
        content_type = response.headers.get("Content-Type")
        digests = [sha256]
        md5 = hashlib.md5(usedforsecurity=False) if content_md5 else None
        if md5 is not None:
            digests.append(md5)
        sink = open_sink(destination)
        try:
            pipeline = WriteAndHash(sink, digests)
            try:
                written = _pump(response, pipeline, chunk_size, check_head)
            except BaseException:
                pipeline.stop()
                raise
            pipeline.finish()
            _verify(destination.name, written, announced, expected_size, sha256, expected_sha256)
            if md5 is not None and content_md5 and content_md5.lower() != md5.hexdigest():
                raise DownloadVerificationError(f"{destination.name}: MD5 {md5.hexdigest()} != {content_md5}")
            sink.commit()
        except BaseException:
            sink.abort()
            raise
    log.info("Saved %s (%d bytes, sha256 %s)", destination, written, sha256.hexdigest())
    return StoredFile(
        uri=str(destination),
        name=destination.name,
        size_bytes=written,
        sha256=sha256.hexdigest(),
        content_type=content_type,
    )


#: Downloads ask for the bytes as stored: the size and checksums a vendor gives are of those bytes.
_IDENTITY = {"Accept-Encoding": "identity"}

#: Buffers in flight between the reading thread and the writer/hasher (bounded memory).
_BUFFERS = 4


def _pump(
    response: httpx.Response,
    pipeline: WriteAndHash,
    chunk_size: int,
    check_head: Callable[[bytes], None] | None,
) -> int:
    """Read the whole body into `pipeline`; answer the number of bytes read."""
    readinto = response.extensions.get(READINTO)
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    if readinto is not None and not encoded:
        return _pump_readinto(readinto, pipeline, chunk_size, check_head)
    # Any other transport (a test's MockTransport, a proxy): httpx's own iteration, decoded if encoded.
    written = 0
    for chunk in response.iter_bytes(chunk_size):
        if check_head is not None and written == 0:
            check_head(chunk)
        pipeline.put(chunk)
        written += len(chunk)
    return written


def _pump_readinto(
    readinto: Callable[[memoryview], int],
    pipeline: WriteAndHash,
    chunk_size: int,
    check_head: Callable[[bytes], None] | None,
) -> int:
    pool = BufferPool(_BUFFERS + 1, chunk_size)
    written = 0
    while True:
        buffer = pool.take()
        view = memoryview(buffer)
        count = readinto(view)
        if not count:
            pool.give_back(buffer)
            return written
        if check_head is not None and written == 0:
            check_head(bytes(view[: min(count, 4096)]))
        pipeline.put(view[:count], partial(pool.give_back, buffer))
        written += count


def _verify(
    name: str,
    written: int,
    announced: str | None,
    expected_size: int | None,
    sha256: hashlib._Hash,
    expected_sha256: str | None,
) -> None:
    if announced is not None and int(announced) != written:
        raise DownloadVerificationError(f"{name}: got {written} bytes, the server announced {announced}")
    if expected_size is not None and expected_size != written:
        raise DownloadVerificationError(f"{name}: got {written} bytes, expected {expected_size}")
    if written == 0:
        raise DownloadVerificationError(f"{name}: the download was empty")
    if expected_sha256 and expected_sha256.lower() != sha256.hexdigest():
        raise DownloadVerificationError(f"{name}: SHA-256 {sha256.hexdigest()} != {expected_sha256}")


def write_bytes(destination: ObjectStoragePath, data: bytes, content_type: str | None = None) -> StoredFile:
    """Store a small in-memory result (an SRT the vendor answered in its body) the same atomic way."""
    destination = as_storage_path(destination)
    write_small(destination, data)
    return StoredFile(
        uri=str(destination),
        name=destination.name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
    )
