"""Putting a source into the BlendVision library: announce it, PUT every part streamed, complete it.

Memory stays bounded: each part is read from the source in `CHUNK_SIZE` pieces while it is sent, never
whole. A part body re-reads its byte range from the start whenever it is sent again (a retried PUT),
and keeps the hashes of its last full read: the part's MD5 is checked against the ETag storage answers
(S3's ETag of a part is its MD5), and the whole file's SHA-1 goes to `:complete-upload` so the vendor
checks the assembled bytes too.

The upload answer lists part URLs but no sizes, so the file is split evenly over them: every part
holds ceil(size / parts) bytes and the last one the rest (`part_ranges`), which is what any fixed
part size the vendor may use gives.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import logging
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import IO, Any

from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import VENDOR, CompletedPart
from video_localization.blendvision.validation import UploadPlan
from video_localization.core.errors import VendorError, VendorResponseError

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024


class SourceChangedError(VendorError):
    """The source file did not hold the bytes it announced while it was being sent."""


@dataclass(frozen=True)
class UploadedSource:
    """What a DAG needs of an upload: the library file id, and what was sent (for the manifest)."""

    file_id: str
    name: str
    file_type: str
    size_bytes: int
    sha256: str
    parts: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def part_ranges(size: int, count: int) -> list[tuple[int, int]]:
    """(offset, length) of each of `count` parts of a `size`-byte file, contiguous and non-empty.

    ceil(size / count) bytes a part and the rest last: the split every part-size layout of the vendor
    accepts. A count no part size can give (5 bytes in 4 parts) leaves the last part empty; then the
    bytes are spread so that part lengths differ by one at most.
    """
    if count < 1 or count > size:
        raise ValueError(f"cannot split {size} bytes into {count} non-empty parts")
    length = math.ceil(size / count)
    if (count - 1) * length < size:
        return [(index * length, min(length, size - index * length)) for index in range(count)]
    small, extra = divmod(size, count)
    lengths = [small + 1 if index < extra else small for index in range(count)]
    offsets = [0, *itertools.accumulate(lengths)][:count]
    return list(zip(offsets, lengths, strict=True))


def _plain_etag(etag: str) -> str:
    value = etag.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"').lower()


class PartBody:
    """One part of an open source, iterable again and again (each pass re-reads it from its offset).

    `sha1`/`sha256` continue the whole file's hashes from where the previous part left them; after a
    successful PUT they hold the file's hashes up to the end of this part.
    """

    def __init__(
        self,
        handle: IO[bytes],
        offset: int,
        length: int,
        file_sha1: Any,
        file_sha256: Any,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.handle = handle
        self.offset = offset
        self.length = length
        self.chunk_size = chunk_size
        self._base = (file_sha1, file_sha256)
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha1 = file_sha1.copy()
        self.sha256 = file_sha256.copy()
        self.passes = 0

    def __iter__(self) -> Iterator[bytes]:
        self.passes += 1
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha1, self.sha256 = self._base[0].copy(), self._base[1].copy()
        self.handle.seek(self.offset)
        remaining = self.length
        while remaining > 0:
            chunk = self.handle.read(min(self.chunk_size, remaining))
            if not chunk:
                raise SourceChangedError(
                    VENDOR,
                    f"the source ended {remaining} bytes early in the part at byte {self.offset} "
                    "(was it changed while uploading?)",
                )
            remaining -= len(chunk)
            self.md5.update(chunk)
            self.sha1.update(chunk)
            self.sha256.update(chunk)
            yield chunk

    def check_etag(self, etag: str, part_number: int) -> None:
        """A plain 32-hex ETag is the part's MD5 (S3); any other form (e.g. KMS-encrypted) is not checked."""
        plain = _plain_etag(etag)
        if len(plain) == 32 and all(c in "0123456789abcdef" for c in plain) and plain != self.md5.hexdigest():
            raise VendorError(
                VENDOR,
                f"part {part_number}: storage answered ETag {etag} but the bytes sent have MD5 "
                f"{self.md5.hexdigest()}",
                code="UPLOAD_ETAG_MISMATCH",
            )


def upload_source(hook: BlendVisionHook, plan: UploadPlan, chunk_size: int = CHUNK_SIZE) -> UploadedSource:
    """Announce `plan`'s file, PUT its parts in order (bounded memory), then complete it, verified."""
    file = hook.create_upload(plan.name, plan.size, plan.file_type)
    assert file.upload_data is not None
    parts = file.upload_data.ordered_parts()
    try:
        ranges = part_ranges(plan.size, len(parts))
    except ValueError:
        raise VendorResponseError(VENDOR, f"part list for a {plan.size}-byte file", parts) from None
    log.info(
        "Uploading %s (%d bytes) as library file %s in %d part(s)", plan.name, plan.size, file.id, len(parts)
    )

    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    completed: list[CompletedPart] = []
    with plan.path.open("rb") as handle:
        for part, (offset, length) in zip(parts, ranges, strict=True):
            body = PartBody(handle, offset, length, sha1, sha256, chunk_size)
            etag = hook.upload_part(part.presigned_url, body, length)
            body.check_etag(etag, part.part_number)
            sha1, sha256 = body.sha1, body.sha256
            completed.append(CompletedPart(part_number=part.part_number, etag=etag))
            log.info("Part %d of %d sent (%d bytes)", len(completed), len(parts), length)

    checksum = base64.b64encode(sha1.digest()).decode()
    done = hook.complete_upload(file.id, file.upload_data.id, completed, checksum_sha1=checksum)
    return UploadedSource(
        file_id=done.id or file.id,
        name=plan.name,
        file_type=plan.file_type.value,
        size_bytes=plan.size,
        sha256=sha256.hexdigest(),
        parts=len(parts),
    )
