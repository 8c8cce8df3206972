"""Where a download's bytes go, written so that a reader never takes a partial file for a complete one.

Two kinds of destination, two ways to be atomic:

- **Local paths** (`file://`): the bytes go to a hidden temporary name beside the target with plain
  `os.write` calls, and `os.replace` moves it into place once verified. A rename inside one directory
  is atomic on POSIX, and a crashed write leaves only a dot-file.
- **Object stores** (`s3://`, `gs://`, ...): a rename there is a server-side copy plus a delete, so the
  object would be written twice. The bytes go straight to the final key instead, opened with
  `autocommit=False`, and the upload is finished with fsspec's transaction protocol: `close()` then
  `commit()` on success, `discard()` on failure. s3fs sends a multipart upload that only becomes an
  object when it is completed (`discard` aborts it); gcsfs does the same with a resumable upload.
  A file system that publishes the key as soon as it is opened (fsspec's `memory://`, used in tests,
  ignores `autocommit`) is cleaned up by deleting the key after a failure. A process killed mid-write
  leaves an incomplete multipart upload on S3 (invisible to readers; a bucket lifecycle rule removes
  it), or a partial key on such a publish-at-open store.

Both record hook lineage once, for the final path, only after a successful commit. Once committed,
`abort` does nothing: a failure after the commit never deletes a complete file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from typing import Any, Protocol

from airflow.sdk import ObjectStoragePath

from video_localization.core.lineage import record_output

log = logging.getLogger(__name__)

LOCAL_PROTOCOLS = frozenset({"", "file", "local"})


class Sink(Protocol):
    """A destination being written: bytes in order, then exactly one of `commit` or `abort`."""

    def write(self, data: memoryview | bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


def is_local(destination: ObjectStoragePath) -> bool:
    return (destination.protocol or "") in LOCAL_PROTOCOLS


class LocalSink:
    """A hidden temporary file beside the target, renamed over it on commit."""

    def __init__(self, destination: ObjectStoragePath) -> None:
        self.destination = destination
        target = destination.path
        folder, name = os.path.split(target)
        os.makedirs(folder, exist_ok=True)
        self.temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.part")
        self._fd: int | None = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self._target = target
        self.committed = False

    def write(self, data: memoryview | bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)  # type: ignore[arg-type]
            view = view[written:]

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def commit(self) -> None:
        self._close()
        os.replace(self.temporary, self._target)
        self.committed = True
        record_output(self.destination)

    def abort(self) -> None:
        if self.committed:
            return
        try:
            self._close()
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)


class ObjectStoreSink:
    """One write to the final key; completed by `commit`, abandoned by `abort` (see the module doc)."""

    def __init__(self, destination: ObjectStoragePath) -> None:
        self.destination = destination
        destination.parent.mkdir(parents=True, exist_ok=True)
        self._fs = destination.fs
        self._path = destination.path
        self._handle: Any = self._fs.open(self._path, mode="wb", autocommit=False)
        # fsspec's buffered files keep `autocommit`; one that has it False stages the upload until
        # `commit()`. Anything else (memory://, simple file objects) published the key at open.
        self._staged = getattr(self._handle, "autocommit", True) is False
        self.committed = False

    def write(self, data: memoryview | bytes) -> None:
        self._handle.write(data)

    def commit(self) -> None:
        self._handle.close()
        if self._staged:
            self._handle.commit()
        self.committed = True
        record_output(self.destination)

    def abort(self) -> None:
        if self.committed:
            return
        try:
            if self._staged:
                self._handle.discard()  # s3fs: abort the multipart upload; gcsfs: cancel the upload
                _mark_closed(self._handle)
            else:
                self._handle.close()
        finally:
            if not self._staged and self._fs.exists(self._path):
                self._fs.rm(self._path)


def _mark_closed(handle: Any) -> None:
    """After `discard()` the buffer is gone; closing would try to flush it (also from `__del__`)."""
    try:
        handle.closed = True
    except AttributeError:
        log.debug("%r cannot be marked closed after discard", handle)


def open_sink(destination: ObjectStoragePath) -> LocalSink | ObjectStoreSink:
    return LocalSink(destination) if is_local(destination) else ObjectStoreSink(destination)


def write_small(destination: ObjectStoragePath, data: bytes) -> None:
    """A small in-memory result: local temp-then-rename, or one PUT of the whole object."""
    sink = open_sink(destination)
    try:
        sink.write(data)
        sink.commit()
    except BaseException:
        sink.abort()  # nothing once committed
        raise
