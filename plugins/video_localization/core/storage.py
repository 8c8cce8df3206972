"""Saving vendor results: stream a link into an `ObjectStoragePath`, in bounded memory, verified.

Vendor links expire (Akool 7 days, CDNvideo 6 hours, signed Panjaya links), so results are copied into
the user's own storage as soon as they exist. The copy streams in fixed-size chunks to a temporary name
beside the target and is renamed only once its size (and checksum, when the vendor gives one) match, so
a reader never sees half a file and a retried download starts clean.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from airflow.sdk import ObjectStoragePath

from video_localization.core.errors import DownloadVerificationError
from video_localization.core.http import VendorApi
from video_localization.core.lineage import record_output

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024


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


def _open_untracked(temporary: ObjectStoragePath) -> Any:
    """The temporary file, opened past `ObjectStoragePath.open`'s hook-lineage tracking: lineage names
    the final file once it is renamed into place (`record_output`), never the `.part` name."""
    if isinstance(temporary, ObjectStoragePath):
        return temporary.fs.open(temporary.path, "wb")
    return temporary.open("wb")  # a plain pathlib.Path (callers may pass one): nothing tracks it


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
    text = str(location)
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
    chunk_size: int = CHUNK_SIZE,
    etag_is_md5: bool = False,
) -> StoredFile:
    """Copy `url` to `destination`; raise `DownloadVerificationError` (and leave nothing) on a mismatch.

    `etag_is_md5`: the link is an S3 object whose plain 32-hex `ETag` is its MD5 (a multipart `-N`
    ETag is not, and is then ignored); the copy is checked against it.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.parent / f".{destination.name}.{uuid.uuid4().hex}.part"
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    written = 0
    try:
        with api.stream("GET", url, authenticated=authenticated) as response:
            announced = response.headers.get("Content-Length")
            content_md5 = expected_md5 or _content_md5(response.headers.get("Content-MD5"))
            if content_md5 is None and etag_is_md5:
                content_md5 = _md5_etag(response.headers.get("ETag"))
            content_type = response.headers.get("Content-Type")
            with _open_untracked(temporary) as sink:
                head_checked = check_head is None
                for chunk in response.iter_bytes(chunk_size):
                    if not head_checked:
                        check_head(chunk)  # type: ignore[misc]
                        head_checked = True
                    sink.write(chunk)
                    sha256.update(chunk)
                    md5.update(chunk)
                    written += len(chunk)
        if announced is not None and int(announced) != written:
            raise DownloadVerificationError(
                f"{destination.name}: got {written} bytes, the server announced {announced}"
            )
        if expected_size is not None and expected_size != written:
            raise DownloadVerificationError(
                f"{destination.name}: got {written} bytes, expected {expected_size}"
            )
        if written == 0:
            raise DownloadVerificationError(f"{destination.name}: the download was empty")
        if expected_sha256 and expected_sha256.lower() != sha256.hexdigest():
            raise DownloadVerificationError(
                f"{destination.name}: SHA-256 {sha256.hexdigest()} != {expected_sha256}"
            )
        if content_md5 and content_md5.lower() != md5.hexdigest():
            raise DownloadVerificationError(f"{destination.name}: MD5 {md5.hexdigest()} != {content_md5}")
        temporary.rename(destination)
    except BaseException:
        if temporary.exists():
            temporary.unlink()
        raise
    record_output(destination)
    log.info("Saved %s (%d bytes, sha256 %s)", destination, written, sha256.hexdigest())
    return StoredFile(
        uri=str(destination),
        name=destination.name,
        size_bytes=written,
        sha256=sha256.hexdigest(),
        content_type=content_type,
    )


def write_bytes(destination: ObjectStoragePath, data: bytes, content_type: str | None = None) -> StoredFile:
    """Store a small in-memory result (an SRT the vendor answered in its body) the same atomic way."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.parent / f".{destination.name}.{uuid.uuid4().hex}.part"
    with _open_untracked(temporary) as sink:
        sink.write(data)
    temporary.rename(destination)
    record_output(destination)
    return StoredFile(
        uri=str(destination),
        name=destination.name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
    )
