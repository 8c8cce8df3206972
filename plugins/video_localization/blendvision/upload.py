"""Putting a source into the BlendVision library: announce it, PUT every part streamed, complete it.

Memory stays bounded: each part is read from the source in `CHUNK_SIZE` pieces while it is sent, never
whole. A part body re-reads its byte range from the start whenever it is sent again (a retried PUT),
and keeps the hashes of its last full read: the part's MD5 is checked against the ETag storage answers
(S3's ETag of a part is its MD5), and the whole file's SHA-1 goes to `:complete-upload` so the vendor
checks the assembled bytes too.

The upload answer lists part URLs but no sizes, so the file is split evenly over them: every part
holds ceil(size / parts) bytes and the last one the rest (`part_ranges`), which is what any fixed
part size the vendor may use gives.

A library file is a created object, and BlendVision has no endpoint to find an upload again. So the
upload is journalled in the task's durable state store (`UploadJournal`): the file id, the upload id
and the part links are recorded the moment `files:upload` answers, and each part's ETag as soon as
storage answers it. A retry after a crash or an ambiguous answer anywhere between `files:upload` and
`:complete-upload` resumes that same file: it asks `:download` whether the file is already complete,
PUTs only the parts storage has not confirmed, and completes it. Only when the vendor no longer knows
the file, or its part links expired, is a new file announced (and logged as such).
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

from video_localization.blendvision.errors import BlendVisionError
from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import VENDOR, CompletedPart, LibraryFile, PresignedPart
from video_localization.blendvision.validation import UploadPlan
from video_localization.core.errors import VendorError, VendorResponseError

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
#: State-store key of the upload in progress (see `UploadJournal`).
UPLOAD_PROGRESS_KEY = "blendvision_upload_progress"
#: Storage statuses that mean a recorded part link can no longer be used (expired or gone).
_DEAD_LINK_STATUSES = frozenset({403, 404})


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


class UploadJournal:
    """The upload in progress, in the task's durable state store: what a retry needs to resume it.

    Holds the source, name and size (a retry of another source starts afresh), the file and upload ids,
    each part's link, and the ETag of every part storage confirmed. Without a store (outside a real
    task) it remembers nothing, as before.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.progress: dict[str, Any] | None = None

    def resumable(self, plan: UploadPlan) -> dict[str, Any] | None:
        """The recorded upload of this very source, or None."""
        if self.store is None:
            return None
        recorded = self.store.get(UPLOAD_PROGRESS_KEY)
        if not isinstance(recorded, dict) or recorded.get("source") != str(plan.path):
            return None
        if recorded.get("name") != plan.name or recorded.get("size") != plan.size:
            return None
        self.progress = recorded
        return recorded

    def started(self, plan: UploadPlan, file: LibraryFile, parts: list[PresignedPart]) -> None:
        assert file.upload_data is not None
        self.progress = {
            "source": str(plan.path),
            "name": plan.name,
            "size": plan.size,
            "file_id": file.id,
            "upload_id": file.upload_data.id,
            "parts": [{"part_number": p.part_number, "presigned_url": p.presigned_url} for p in parts],
            "etags": {},
        }
        self._save()

    def part_done(self, part_number: int, etag: str) -> None:
        if self.progress is not None:
            self.progress["etags"][str(part_number)] = etag
            self._save()

    def forget(self) -> None:
        if self.store is not None and self.progress is not None:
            self.progress = None
            self.store.set(UPLOAD_PROGRESS_KEY, {}, retention=_retention())

    def _save(self) -> None:
        if self.store is not None:
            self.store.set(UPLOAD_PROGRESS_KEY, self.progress, retention=_retention())


def _retention() -> Any:
    from datetime import timedelta

    from video_localization.core.submit_once import STATE_RETENTION_DAYS

    return timedelta(days=STATE_RETENTION_DAYS)


def upload_source(
    hook: BlendVisionHook,
    plan: UploadPlan,
    chunk_size: int = CHUNK_SIZE,
    journal: UploadJournal | None = None,
) -> UploadedSource:
    """Announce `plan`'s file (or resume the journalled one), PUT its parts, then complete it, verified."""
    journal = journal or UploadJournal(None)
    recorded = journal.resumable(plan)
    if recorded is not None:
        try:
            return _resume(hook, plan, recorded, journal, chunk_size)
        except _StartAfresh as reason:
            log.warning(
                "Library file %s cannot be resumed (%s): announcing a new one", recorded["file_id"], reason
            )
            journal.forget()
    file = hook.create_upload(plan.name, plan.size, plan.file_type)
    assert file.upload_data is not None
    parts = file.upload_data.ordered_parts()
    journal.started(plan, file, parts)
    log.info(
        "Uploading %s (%d bytes) as library file %s in %d part(s)", plan.name, plan.size, file.id, len(parts)
    )
    return _send(hook, plan, file.id, file.upload_data.id, parts, {}, journal, chunk_size)


class _StartAfresh(Exception):
    """A journalled upload that cannot be finished (the vendor forgot the file, or its links expired)."""


def _resume(
    hook: BlendVisionHook, plan: UploadPlan, recorded: dict[str, Any], journal: UploadJournal, chunk_size: int
) -> UploadedSource:
    file_id, upload_id = str(recorded["file_id"]), str(recorded["upload_id"])
    parts = [PresignedPart(**part) for part in recorded["parts"]]
    etags = {int(number): str(etag) for number, etag in (recorded.get("etags") or {}).items()}
    state = _completion(hook, file_id)
    if state is None:
        raise _StartAfresh(f"BlendVision does not know library file {file_id}")
    if state:
        log.info("Library file %s was completed by an earlier try: reusing it", file_id)
        return _send(hook, plan, file_id, upload_id, parts, etags, journal, chunk_size, complete=False)
    log.info(
        "Resuming the upload of library file %s: %d of %d part(s) confirmed by an earlier try",
        file_id,
        len(etags),
        len(parts),
    )
    try:
        return _send(hook, plan, file_id, upload_id, parts, etags, journal, chunk_size)
    except VendorError as error:
        if error.status_code in _DEAD_LINK_STATUSES or getattr(error, "not_found", False):
            raise _StartAfresh(str(error)) from error
        raise


def _completion(hook: BlendVisionHook, file_id: str) -> bool | None:
    """Ask `:download` (documented) whether a library file is complete: True, False (a 4xx answer:
    not yet), or None when BlendVision does not know the file at all (NOT_FOUND)."""
    try:
        hook.get_download_link(file_id)
    except BlendVisionError as error:
        if error.not_found:
            return None
        if error.status_code is not None and 400 <= error.status_code < 500:
            return False
        raise
    return True


def _send(
    hook: BlendVisionHook,
    plan: UploadPlan,
    file_id: str,
    upload_id: str,
    parts: list[PresignedPart],
    confirmed: dict[int, str],
    journal: UploadJournal,
    chunk_size: int,
    complete: bool = True,
) -> UploadedSource:
    """PUT every part not in `confirmed` (the others are only read, for the hashes), then complete."""
    try:
        ranges = part_ranges(plan.size, len(parts))
    except ValueError:
        raise VendorResponseError(VENDOR, f"part list for a {plan.size}-byte file", parts) from None
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    completed: list[CompletedPart] = []
    with plan.path.open("rb") as handle:
        for part, (offset, length) in zip(parts, ranges, strict=True):
            body = PartBody(handle, offset, length, sha1, sha256, chunk_size)
            etag = confirmed.get(part.part_number)
            if etag is None:
                etag = hook.upload_part(part.presigned_url, body, length)
                body.check_etag(etag, part.part_number)
                journal.part_done(part.part_number, etag)
                log.info("Part %d of %d sent (%d bytes)", len(completed) + 1, len(parts), length)
            else:
                for _chunk in body:  # hash the bytes storage already holds; they must be the same
                    pass
                body.check_etag(etag, part.part_number)
            sha1, sha256 = body.sha1, body.sha256
            completed.append(CompletedPart(part_number=part.part_number, etag=etag))

    done_id = file_id
    if complete:
        checksum = base64.b64encode(sha1.digest()).decode()
        try:
            done = hook.complete_upload(file_id, upload_id, completed, checksum_sha1=checksum)
            done_id = done.id or file_id
        except VendorError:
            # The complete may have been applied while its answer was lost (then a second one is
            # refused): the file's own state decides.
            if not _completion(hook, file_id):
                raise
            log.info("Library file %s is complete although complete-upload failed to answer", file_id)
    return UploadedSource(
        file_id=done_id,
        name=plan.name,
        file_type=plan.file_type.value,
        size_bytes=plan.size,
        sha256=sha256.hexdigest(),
        parts=len(parts),
    )
