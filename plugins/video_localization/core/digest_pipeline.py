"""Write and hash a download on a second thread while the first one reads the network.

Why: on loopback a 1 GiB download spends about a second in SHA-256 and a few tenths writing;
done inline, that time adds to the time spent reading. `hashlib` and `os.write` release the GIL for
large buffers, and so does a socket read, so one reader thread and one writer/hasher thread run
on two cores at once. Memory stays bounded: at most `depth` chunks are in flight, and with
`BufferPool` the chunks are reused bytearrays, not fresh allocations.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

Release = Callable[[], None]


class _Writer(Protocol):
    def write(self, data: memoryview | bytes) -> None: ...


class BufferPool:
    """`count` reusable buffers of `size` bytes; `take` blocks until the writer has given one back."""

    def __init__(self, count: int, size: int) -> None:
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for _ in range(count):
            self._free.put(bytearray(size))

    def take(self) -> bytearray:
        return self._free.get()

    def give_back(self, buffer: bytearray) -> None:
        self._free.put(buffer)


class WriteAndHash:
    """Chunks in order to `sink.write` and every digest's `update`, on one worker thread.

    `put` raises the worker's first error (a full disk, a failed upload part) at the next chunk, and
    `finish` at the end; after an error the worker only releases buffers, so `put` never blocks forever.
    """

    _DONE = object()

    def __init__(self, sink: _Writer, digests: Sequence[Any], depth: int = 4) -> None:
        self._sink = sink
        self._digests = tuple(digests)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="download-write-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            data, release = item
            try:
                if self._error is None:
                    self._sink.write(data)
                    for digest in self._digests:
                        digest.update(data)
            except BaseException as exc:
                self._error = exc
            finally:
                if release is not None:
                    release()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, data: memoryview | bytes, release: Release | None = None) -> None:
        self._raise_error()
        self._queue.put((data, release))

    def finish(self) -> None:
        """Wait for every chunk to be written and hashed; raise the worker's error, if any."""
        self._queue.put(self._DONE)
        self._thread.join()
        self._raise_error()

    def stop(self) -> None:
        """Stop the worker after a failure on the reading side (the chunks still queued are dropped)."""
        self._error = self._error or _Stopped()
        self._queue.put(self._DONE)
        self._thread.join()


class _Stopped(Exception):
    """Marks a pipeline stopped by its reader; never raised to a caller."""
