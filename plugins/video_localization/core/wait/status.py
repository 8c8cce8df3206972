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
import weakref
from collections.abc import Awaitable, Callable, Collection, Mapping
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

    `fetch_many(hook, wanted, watched, max_pages, held)` answers {job id: model} for the jobs of `wanted`
    and of `watched` it saw; it stops paging once every `wanted` job was seen. `held` maps jobs to the
    model the loop already holds: an entry still showing that model's status word may be answered with
    it instead of being parsed again (a round re-reads thousands of unchanged jobs; waits act on changes).
    `word(model)` is the status word (and progress) whose change is pushed to watchers.
    """

    name: str
    make_hook: Callable[[str], HookT]
    fetch_one: Callable[[HookT, str], Awaitable[T]]
    word: Callable[[T], str]
    fetch_many: (
        Callable[[HookT, set[str], set[str], int, Mapping[str, T]], Awaitable[dict[str, T]]] | None
    ) = None


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
        #: job id -> the futures of the lookups waiting on its answer (one request answers them all; a
        #: waiter cancelled meanwhile is simply skipped, so no waiter can cancel the others' answer)
        self._inflight: dict[str, list[asyncio.Future[T]]] = {}
        self._pending: set[str] = set()
        self._flush: asyncio.TimerHandle | None = None
        self._last_list = float("-inf")
        #: job id -> the nudges of the waits watching it (almost always one)
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        #: job id -> (round it was seen in, status word, model)
        self._seen: dict[str, tuple[int, str, T]] = {}
        self._round = 0  # list rounds started
        self._swept = -1  # the last list round that read every watched job (a sweep that completed)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.users = 0
        self.batch_window = settings.get_float("batch_window")
        self.min_list_interval = settings.get_float("min_list_interval")
        self.max_list_pages = settings.get_int("max_list_pages")
        self.sweep_min_waits = settings.get_int("sweep_min_waits")
        self._sweeper: asyncio.Task[None] | None = None

    # -- watchers ----------------------------------------------------------------------------------
    def watch(self, job_id: str, nudge: Callable[[], None]) -> None:
        """Call `nudge` whenever the loop sees `job_id`'s status word change; `unwatch` with the same pair.

        No closure per wait: with thousands of waits, every object a wait keeps is multiplied."""
        watchers = self._watchers.get(job_id)
        if watchers is None:
            self._watchers[job_id] = [nudge]
        else:
            watchers.append(nudge)
        if (
            self.kind.fetch_many is not None
            and len(self._watchers) >= self.sweep_min_waits
            and self._sweeper is None
        ):
            self._sweeper = asyncio.ensure_future(self._sweep())

    def unwatch(self, job_id: str, nudge: Callable[[], None]) -> None:
        watchers = self._watchers.get(job_id)
        if watchers is not None:
            if nudge in watchers:
                watchers.remove(nudge)
            if not watchers:
                del self._watchers[job_id]
                self._seen.pop(job_id, None)

    def seen(self, job_id: str) -> T | None:
        """The last model the loop saw for `job_id` (None before any)."""
        entry = self._seen.get(job_id)
        return None if entry is None else entry[2]

    def _observe(self, job_id: str, model: T, *, push: bool) -> None:
        watchers = self._watchers.get(job_id)
        if watchers is None:
            return
        word = self.kind.word(model)
        previous = self._seen.get(job_id)
        self._seen[job_id] = (self._round, word, model)
        if push and (previous is None or previous[1] != word):
            for nudge in list(watchers):
                nudge()

    # -- lookups -----------------------------------------------------------------------------------
    async def lookup(self, job_id: str, mode: Mode = Mode.BATCHED) -> T:
        """The job's status model: coalesced with an identical lookup in flight, batched where possible.

        While the loop sweeps (many waits: one list round reads every watched job each
        `min_list_interval`), a scheduled look at a job the last complete round saw is answered from that
        round, without a request: the sweep already pushes every change, so asking again would only
        repeat what the round just read. A job the rounds no longer find gets a real lookup."""
        entry = self._seen.get(job_id)
        if entry is not None and (
            mode is Mode.CACHED
            or (mode is Mode.BATCHED and self._sweeper is not None and entry[0] >= self._swept)
        ):
            return entry[2]
        if mode is Mode.CACHED:
            mode = Mode.BATCHED
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        waiters = self._inflight.get(job_id)
        if waiters is not None:  # the same question is already asked: share its answer
            waiters.append(waiter)
        else:
            self._inflight[job_id] = [waiter]
            # a list call pays off only when it can answer for several waits
            if mode is Mode.SINGLE or self.kind.fetch_many is None or len(self._watchers) < 2:
                self._spawn(self._single(job_id))
            else:
                self._pending.add(job_id)
                self._schedule_flush()
        return await waiter

    def _answer(self, job_id: str, model: T) -> None:
        for waiter in self._inflight.pop(job_id, ()):
            if not waiter.done():  # a waiter whose trigger was cancelled meanwhile is skipped
                waiter.set_result(model)

    def _fail(self, job_id: str, error: BaseException) -> None:
        for waiter in self._inflight.pop(job_id, ()):
            if not waiter.done():
                if isinstance(error, Exception):
                    waiter.set_exception(error)
                    waiter.add_done_callback(_quiet)
                else:
                    waiter.cancel()

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_flush(self) -> None:
        if self._flush is not None or self._sweeper is not None:  # a sweep round will answer them
            return
        loop = asyncio.get_running_loop()
        delay = max(self.batch_window, self._last_list + self.min_list_interval - loop.time())
        self._flush = loop.call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        self._flush = None
        self._spawn(self._list())

    async def _single(self, job_id: str) -> None:
        try:
            self.counters.single_calls += 1
            model = await self.kind.fetch_one(self.hook, job_id)
        except BaseException as error:  # handed to every waiter, re-raised if cancelled
            self._fail(job_id, error)
            if not isinstance(error, Exception):
                raise
            return
        self._answer(job_id, model)  # first: whatever happens next, no waiter hangs on this answer
        self._observe(job_id, model, push=False)

    async def _sweep(self) -> None:
        """With many waits on the loop, one list round every `min_list_interval` (start to start) reads
        all of them: a job that ended is seen within one period, for a fraction of a request per wait,
        and the scheduled looks of the waits in between cost no request at all (see `lookup`)."""
        loop = asyncio.get_running_loop()
        try:
            while len(self._watchers) >= self.sweep_min_waits:
                await asyncio.sleep(max(0.0, self._last_list + self.min_list_interval - loop.time()))
                if self._flush is not None:  # due lookups are waiting for a list call: this is it
                    self._flush.cancel()
                    self._flush = None
                await self._list(sweep=True)
        finally:
            self._sweeper = None
            if self._pending:  # lookups that came in while the last round ran
                self._schedule_flush()

    async def _list(self, sweep: bool = False) -> None:
        assert self.kind.fetch_many is not None
        self._last_list = asyncio.get_running_loop().time()  # rounds are paced start to start
        self._round += 1
        this_round = self._round
        wanted, self._pending = self._pending, set()
        watched = set(self._watchers)
        try:
            self.counters.list_calls += 1
            # a sweep reads until every watched job was seen; a flush until every due one was
            target = wanted | watched if sweep else wanted
            held = {job_id: entry[2] for job_id, entry in self._seen.items()}
            found = await self.kind.fetch_many(self.hook, target, watched, self.max_list_pages, held)
        except VendorError as error:
            log.warning(
                "%s list call failed, asking for %d jobs one by one: %s", self.kind.name, len(wanted), error
            )
            found = {}
        except BaseException as error:  # cancelled: no waiter may hang on this round
            for job_id in wanted:
                self._fail(job_id, error)
            raise
        for job_id in wanted:
            if job_id in found:
                self._answer(job_id, found[job_id])
            elif job_id in self._inflight:  # not in the list answer (too far down, or unknown)
                self.counters.fallbacks += 1  # one single lookup decides
                self._spawn(self._single(job_id))
        for job_id, model in found.items():
            self._observe(job_id, model, push=job_id not in wanted)
        if sweep:
            self._swept = this_round
        if self._pending and not sweep:
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


#: Pages of one list round asked at once after the first (which tells how many there are): the vendor
#: prepares the next pages while this process parses the last ones, so a round over many pages takes a
#: fraction of its sequential time. Bounded anyway by `max_in_flight` (`core.wait.limiter`).
PAGES_AT_ONCE = 4


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
    After the first page, up to `PAGES_AT_ONCE` pages are asked together.
    """
    interesting = wanted | watched
    found: dict[str, T] = {}
    last_page = first_page + max(1, max_pages) - 1
    page = first_page
    window = 1
    while page <= last_page:
        pages = range(page, min(page + window, last_page + 1))
        answers = await asyncio.gather(*(fetch_page(number, interesting) for number in pages))
        for items, _more in answers:
            for item in items:
                found[id_of(item)] = item
        more = answers[-1][1]  # the last page asked knows whether any follow
        if wanted <= found.keys() or not more:
            break
        page += len(pages)
        window = PAGES_AT_ONCE
    return found


M = TypeVar("M")


def split_unchanged(
    entries: list[Any], held: Mapping[str, M], id_key: str, word: Callable[[M], str]
) -> tuple[list[M], list[Any]]:
    """(held models of the list entries whose raw status word is still theirs, the entries to parse).

    A list round re-reads every waiting job; parsing the thousands that did not change would cost more
    than the request. The status word the waits act on is compared with the held (parsed, validated)
    model's word: equal means nothing a wait acts on changed, anything else is parsed as usual."""
    unchanged: list[M] = []
    fresh: list[Any] = []
    for entry in entries:
        previous = held.get(entry.get(id_key))
        if previous is not None and entry.get("status") == word(previous):
            unchanged.append(previous)
        else:
            fresh.append(entry)
    return unchanged, fresh
