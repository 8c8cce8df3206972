"""Client-side pacing of CDNvideo POSTs: at most `limit` in any `window` seconds, across processes.

Why a file: Airflow runs mapped task instances in separate processes (LocalExecutor forks one per task,
Celery and Kubernetes workers are processes of their own), so a counter in memory bounds nothing. An
Airflow pool does not bound the rate either: it bounds how many task instances run at once, and a task
holding its one slot can still POST every second. What bounds POSTs a minute is a shared record of when
they were sent: a ledger of recent POST times, read and written under an exclusive `flock`, consulted
before every attempt (retries included) while the lock is held, so two processes never both see room
for the tenth POST.

Every process whose ledger path is the same shares the budget: one machine by default; several machines
when `pacing_dir` is on a shared filesystem with working locks (NFSv4, EFS). Where workers share no
folder, route the generate tasks to one queue or one host; the vendor's 503 + Retry-After, which the
HTTP client honours, stays the fallback.

Each POST is recorded at a time no earlier than the vendor received it (the moment its answer came back,
or the next attempt of the same turn began), so "fewer than `limit` entries in the last `window` seconds"
before sending means the vendor sees fewer than `limit` POSTs in its own minute, whatever the network
delay. `margin` adds a little slack for clocks that tick slightly differently.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

_thread_locks: dict[Path, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    """`flock` does not exclude threads sharing one open file, so threads of a process queue here first."""
    with _thread_locks_guard:
        return _thread_locks.setdefault(path, threading.Lock())


class PacerTurn:
    """One caller's exclusive turn at the ledger: `admit()` before each POST attempt."""

    def __init__(self, pacer: PostPacer, others: list[float]) -> None:
        self._pacer = pacer
        self._others = others
        self._mine: list[float] = []
        self.waited = 0.0

    def admit(self) -> None:
        """Wait until one more POST fits in the window, then count it."""
        pacer = self._pacer
        now = pacer.clock()
        self._mine = [now] * len(self._mine)  # earlier attempts of this turn have been answered by now
        while True:
            horizon = now - pacer.window - pacer.margin
            self._others = [t for t in self._others if t > horizon]
            recent = self._others + self._mine
            if len(recent) < pacer.limit:
                break
            wait = max(min(recent) - horizon, 0.01)
            log.info(
                "CDNvideo allows %d POSTs in %g s and %d were sent; waiting %.1f s",
                pacer.limit,
                pacer.window,
                len(recent),
                wait,
            )
            pacer.sleep(wait)
            self.waited += wait
            now = pacer.clock()
        self._mine.append(now)

    def entries(self) -> list[float]:
        """What the ledger keeps after this turn: this turn's POSTs at the time their answers came back."""
        now = self._pacer.clock()
        return sorted(self._others + [now] * len(self._mine))


class PostPacer:
    """A sliding-window budget of POSTs kept in `path`, shared by every process using that path."""

    def __init__(
        self,
        path: Path,
        *,
        limit: int = 10,
        window: float = 60.0,
        margin: float = 1.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window <= 0 or margin < 0:
            raise ValueError(
                f"pacing needs limit >= 1, window > 0, margin >= 0; got {limit}, {window}, {margin}"
            )
        self.path = path
        self.limit = limit
        self.window = window
        self.margin = margin
        self.clock = clock
        self.sleep = sleep

    @contextmanager
    def turn(self) -> Iterator[PacerTurn]:
        """Hold the ledger (threads, then processes) for one request and its retries."""
        with _thread_lock(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    turn = PacerTurn(self, self._read(handle))
                    try:
                        yield turn
                    finally:
                        self._write(handle, turn.entries())
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def recent(self) -> list[float]:
        """The POST times the ledger holds now (for tests and logs)."""
        with self.turn() as turn:
            return turn.entries()

    def _read(self, handle: IO[str]) -> list[float]:
        handle.seek(0)
        text = handle.read()
        if not text.strip():
            return []
        try:
            posts = json.loads(text)["posts"]
            return [float(t) for t in posts]
        except (ValueError, KeyError, TypeError):
            log.warning("Pacing ledger %s is unreadable; starting it again: %r", self.path, text[:200])
            return []

    @staticmethod
    def _write(handle: IO[str], entries: list[float]) -> None:
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"posts": entries}))
        handle.flush()
