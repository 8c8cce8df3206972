"""One status loop per (event loop, status kind, connection): the waits of one triggerer share it.

Why: a triggerer holding thousands of waits on one vendor connection should not build thousands of hooks,
resolve the connection thousands of times, or ask the same question twice at once. A `StatusLoop`

- builds the hook once (and so resolves the connection once) for every wait on it,
- coalesces identical lookups in flight (two waits on one job, or one wait asked twice, cost one call),
- batches: where the vendor has a list endpoint (`StatusKind.fetch_many`), the lookups that fall due
  within `batch_window` are answered by one list call (at most one every `min_list_interval`), and a
  job missing from the list answer falls back to a single lookup,
- pushes what a list answer shows about any other watched job to its trigger (`watch`), so a job found
  finished in someone else's list answer ends its wait without a call of its own.

It is an implementation detail of the per-vendor trigger classes (Airflow runs those), holds nothing a
restart needs, and disappears when its last wait stops watching.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from video_localization.core.errors import VendorError
from video_localization.core.wait import settings

log = logging.getLogger(__name__)

T = TypeVar("T")
HookT = TypeVar("HookT")


class Mode(Enum):
    """How a trigger wants its next answer."""

    BATCHED = "batched"  # a scheduled poll: may share one list call with other due waits
    SINGLE = "single"  # a wake: exactly one single lookup, never a list
    CACHED = "cached"  # a pushed observation: use what the loop already holds, call only without one


@dataclass(frozen=True)
class StatusKind(Generic[HookT, T]):
    """What a status loop asks and how: one kind per vendor endpoint (e.g. "rev.order").

    `fetch_many(hook, wanted, watched, max_pages)` answers {job id: model} for the jobs of `wanted` and
    of `watched` it saw; it stops paging once every `wanted` job was seen.
    `word(model)` is the status word (and progress) whose change is pushed to watchers.
    """

    name: str
    make_hook: Callable[[str], HookT]
    fetch_one: Callable[[HookT, str], Awaitable[T]]
    word: Callable[[T], str]
    fetch_many: Callable[[HookT, set[str], set[str], int], Awaitable[dict[str, T]]] | None = None


@dataclass
class LoopCounters:
    """What a loop sent (for tests and the benchmark)."""

    single_calls: int = 0
    list_calls: int = 0
    fallbacks: int = 0


class StatusLoop(Generic[HookT, T]):
    def __init__(self, kind: StatusKind[HookT, T], conn_id: str) -> None:
        self.kind = kind
        self.conn_id = conn_id
        self.hook: HookT = kind.make_hook(conn_id)
        self.counters = LoopCounters()
        self._inflight: dict[str, asyncio.Future[T]] = {}
        self._pending: set[str] = set()
        self._flush: asyncio.TimerHandle | None = None
        self._last_list = 0.0
        self._watchers: dict[str, set[Callable[[], None]]] = {}
        self._seen: dict[str, tuple[float, str, T]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.users = 0
        self.batch_window = settings.get_float("batch_window")
        self.min_list_interval = settings.get_float("min_list_interval")
        self.max_list_pages = settings.get_int("max_list_pages")
        self.sweep_min_waits = settings.get_int("sweep_min_waits")
        self._sweeper: asyncio.Task[None] | None = None

    # -- watchers ----------------------------------------------------------------------------------
    def watch(self, job_id: str, nudge: Callable[[], None]) -> Callable[[], None]:
        """Call `nudge` whenever the loop sees `job_id`'s status word change; answers the unsubscribe."""
        self._watchers.setdefault(job_id, set()).add(nudge)
        if (
            self.kind.fetch_many is not None
            and len(self._watchers) >= self.sweep_min_waits
            and self._sweeper is None
        ):
            self._sweeper = asyncio.ensure_future(self._sweep())

        def unwatch() -> None:
            watchers = self._watchers.get(job_id)
            if watchers is not None:
                watchers.discard(nudge)
                if not watchers:
                    del self._watchers[job_id]
                    self._seen.pop(job_id, None)

        return unwatch

    def seen(self, job_id: str) -> tuple[float, T] | None:
        entry = self._seen.get(job_id)
        return None if entry is None else (entry[0], entry[2])

    def _observe(self, job_id: str, model: T, *, push: bool) -> None:
        if job_id not in self._watchers:
            return
        word = self.kind.word(model)
        previous = self._seen.get(job_id)
        self._seen[job_id] = (time.monotonic(), word, model)
        if push and (previous is None or previous[1] != word):
            for nudge in list(self._watchers.get(job_id, ())):
                nudge()

    # -- lookups -----------------------------------------------------------------------------------
    async def lookup(self, job_id: str, mode: Mode = Mode.BATCHED) -> T:
        """The job's status model: coalesced with an identical lookup in flight, batched where possible."""
        if mode is Mode.CACHED:
            entry = self._seen.get(job_id)
            if entry is not None:
                return entry[2]
            mode = Mode.BATCHED
        future = self._inflight.get(job_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            future.add_done_callback(_quiet)
            self._inflight[job_id] = future
            # a list call pays off only when it can answer for several waits
            if mode is Mode.SINGLE or self.kind.fetch_many is None or len(self._watchers) < 2:
                self._spawn(self._single(job_id, future))
            else:
                self._pending.add(job_id)
                self._schedule_flush()
        # shield: a trigger cancelled mid-wait must not cancel the answer other waits share
        return await asyncio.shield(future)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_flush(self) -> None:
        if self._flush is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(self.batch_window, self._last_list + self.min_list_interval - loop.time())
        self._flush = loop.call_later(delay, lambda: self._spawn(self._list()))

    async def _single(self, job_id: str, future: asyncio.Future[T]) -> None:
        try:
            self.counters.single_calls += 1
            model = await self.kind.fetch_one(self.hook, job_id)
        except BaseException as error:  # handed to every waiter, re-raised if cancelled
            self._inflight.pop(job_id, None)
            if not future.done():
                future.set_exception(error if isinstance(error, Exception) else asyncio.CancelledError())
            if not isinstance(error, Exception):
                raise
            return
        self._inflight.pop(job_id, None)
        if not future.done():
            future.set_result(model)  # first: whatever happens next, no waiter hangs on this answer
        self._observe(job_id, model, push=False)

    async def _sweep(self) -> None:
        """With many waits on the loop, one list call every `min_list_interval` looks at all of them: a
        job that ended is seen within seconds, for a fraction of a request per wait."""
        loop = asyncio.get_running_loop()
        try:
            while len(self._watchers) >= self.sweep_min_waits:
                await asyncio.sleep(max(0.0, self._last_list + self.min_list_interval - loop.time()))
                if self._flush is not None:  # due lookups are waiting for a list call: this is it
                    self._flush.cancel()
                await self._list(sweep=True)
        finally:
            self._sweeper = None

    async def _list(self, sweep: bool = False) -> None:
        assert self.kind.fetch_many is not None
        loop = asyncio.get_running_loop()
        self._flush = None
        self._last_list = loop.time()
        wanted, self._pending = self._pending, set()
        watched = set(self._watchers)
        try:
            self.counters.list_calls += 1
            # a sweep reads until every watched job was seen; a flush until every due one was
            target = wanted | watched if sweep else wanted
            found = await self.kind.fetch_many(self.hook, target, watched, self.max_list_pages)
        except VendorError as error:
            log.warning(
                "%s list call failed, asking for %d jobs one by one: %s", self.kind.name, len(wanted), error
            )
            found = {}
        finally:
            self._last_list = loop.time()
        for job_id in wanted:
            future = self._inflight.get(job_id)
            if future is None or future.done():
                continue
            if job_id in found:
                self._inflight.pop(job_id, None)
                future.set_result(found[job_id])
            else:  # not in the list answer (too far down, or unknown): one single lookup decides
                self.counters.fallbacks += 1
                self._spawn(self._single(job_id, future))
        for job_id, model in found.items():
            self._observe(job_id, model, push=job_id not in wanted)
        if self._pending:
            self._schedule_flush()


def _quiet(future: asyncio.Future[Any]) -> None:
    """An answer nobody awaited any more (its trigger was cancelled) must not log 'never retrieved'."""
    if not future.cancelled():
        future.exception()


# -- registry: one loop per (event loop, kind, connection) ------------------------------------------
_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], StatusLoop[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)


def acquire(kind: StatusKind[HookT, T], conn_id: str) -> StatusLoop[HookT, T]:
    """The running event loop's status loop for (kind, conn_id), built on first use; pair with `release`."""
    loop = asyncio.get_running_loop()
    per_loop = _loops.setdefault(loop, {})
    status_loop = per_loop.get((kind.name, conn_id))
    if status_loop is None:
        status_loop = per_loop[(kind.name, conn_id)] = StatusLoop(kind, conn_id)
    status_loop.users += 1
    return status_loop


def release(status_loop: StatusLoop[Any, Any]) -> None:
    """The last user gone, the loop is dropped: a later wave of waits resolves the connection afresh."""
    status_loop.users -= 1
    if status_loop.users > 0:
        return
    try:
        per_loop = _loops.get(asyncio.get_running_loop(), {})
    except RuntimeError:
        return
    if per_loop.get((status_loop.kind.name, status_loop.conn_id)) is status_loop:
        del per_loop[(status_loop.kind.name, status_loop.conn_id)]


def loops_of_running_loop() -> Collection[StatusLoop[Any, Any]]:
    """The status loops alive on the running event loop (tests and the benchmark read their counters)."""
    return list(_loops.get(asyncio.get_running_loop(), {}).values())


async def page_through(
    fetch_page: Callable[[int, set[str]], Awaitable[tuple[list[T], bool]]],
    id_of: Callable[[T], str],
    first_page: int,
    wanted: set[str],
    watched: set[str],
    max_pages: int,
) -> dict[str, T]:
    """A list endpoint read newest first, page by page, until every `wanted` job was seen.

    `fetch_page(page, interesting)` answers (the page's jobs among `interesting`, whether more pages
    follow). The waits are on recent jobs, so a newest-first list usually finds them on its first pages.
    """
    interesting = wanted | watched
    found: dict[str, T] = {}
    page = first_page
    for _ in range(max(1, max_pages)):
        items, more = await fetch_page(page, interesting)
        for item in items:
            found[id_of(item)] = item
        if wanted <= found.keys() or not more:
            break
        page += 1
    return found
