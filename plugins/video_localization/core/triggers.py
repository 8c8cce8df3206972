"""Polling trigger base: waits on a vendor job in the triggerer, so no worker slot is held meanwhile.

Its whole state is in `serialize()`: the job's ids, the connection id, an absolute deadline (epoch
seconds), the poll schedule, and what the operator saw just before deferring (`observed_status` at
`observed_at`, so the first poll does not repeat that check). A triggerer that restarts rebuilds the
trigger from those kwargs and goes on where it was; nothing lives only in memory. It yields exactly one
event:

- `{"status": "success", ...}` when the job ended well,
- `{"status": "failed", "message": ...}` when the vendor says the job failed (with the vendor's words),
- `{"status": "error", "message": ...}` when asking the vendor kept failing,
- `{"status": "timeout", "message": ...}` when the deadline passed first.

Every event also carries the job's ids (`job_kwargs()`), so the operator resuming needs no XCom.

How it waits (`core.wait`): the status calls go through one shared status loop per vendor connection in
this triggerer (batched or coalesced, at most `max_in_flight` in flight); a verified callback for the job
wakes it early (it then asks the vendor once and believes only the answer); each change of status is
logged at INFO with the next check time.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from abc import abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from video_localization.core.errors import VendorError
from video_localization.core.resume_race import settle_seconds
from video_localization.core.wait import settings, status, wake
from video_localization.core.wait.progress import moment, next_check_text, status_text
from video_localization.core.wait.schedule import PollSchedule, configured, first_poll

#: After this many polls in a row that failed even with the client's own retries, give up.
MAX_CONSECUTIVE_POLL_ERRORS = 5
#: Wakes are hints anyone could send (Rev's are unsigned): at most one woken status call a second.
MIN_SECONDS_BETWEEN_WOKEN_LOOKS = 1.0


@dataclass
class PollOutcome:
    """What one look at the vendor found."""

    terminal: bool
    success: bool = False
    status: str = ""
    message: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    #: The vendor's own progress where it gives one: a figure on its scale, or words ("fr-FR 42%").
    progress: str | float | None = None


#: The line a waiting trigger logs when the vendor's status (or progress) changes; the task's log is
#: where people (and the localization board, through Airflow's log API) see a job's progress.
STATUS_LINE = re.compile(r"Vendor status: (?P<status>.+?)(?: \(progress (?P<progress>[^)]*)\))?(?: for .*)?$")
_NUMBER = re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*%?\s*$")


def status_line(status: str, progress: str | float | None = None) -> str:
    if isinstance(progress, float | int):
        progress = f"{progress:g}"
    return f"Vendor status: {status or 'unknown'}" + (f" (progress {progress})" if progress else "")


def parse_status_line(text: str) -> tuple[str, float | None] | None:
    """The status word and progress figure of a `status_line` (None for words), or None for any other line."""
    match = STATUS_LINE.search(text.strip().split("; next check")[0])
    if match is None:
        return None
    number = _NUMBER.match(match.group("progress") or "")
    return match.group("status"), float(number.group("number")) if number else None


def next_poll_interval(current: float, factor: float, cap: float) -> float:
    return min(current * factor, cap)


class VendorPollingTrigger(BaseTrigger):
    """Subclasses give `job_kwargs()` (their ids) and `poll()`; `cancel()` where the vendor can cancel.

    `poll()` asks through `self.look(KIND, job_id)` (the shared status loop); `wake_ids()` names the ids a
    vendor callback carries for this job.
    """

    vendor: ClassVar[str] = "vendor"

    def __init__(
        self,
        *,
        conn_id: str,
        deadline: float,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        backoff_factor: float = 1.5,
        cancel_on_kill: bool = True,
        observed_status: str | None = None,
        observed_at: float | None = None,
        callbacks: bool = False,
    ) -> None:
        super().__init__()
        if poll_interval <= 0 or max_poll_interval < poll_interval or backoff_factor < 1:
            raise ValueError(
                f"poll schedule must satisfy 0 < poll_interval <= max_poll_interval and backoff_factor >= 1, "
                f"got {poll_interval}, {max_poll_interval}, {backoff_factor}"
            )
        self.conn_id = conn_id
        self.deadline = float(deadline)
        self.poll_interval = float(poll_interval)
        self.max_poll_interval = float(max_poll_interval)
        self.backoff_factor = float(backoff_factor)
        self.cancel_on_kill = cancel_on_kill
        self.observed_status = observed_status
        self.observed_at = None if observed_at is None else float(observed_at)
        self.callbacks = bool(callbacks)
        # The wait's working state (nothing here is serialized: a restart rebuilds it). Thousands of waits
        # sleep at once, so each keeps as little as it can: no Event, no closure, no task of its own.
        self._mode = status.Mode.BATCHED
        self._watching: list[tuple[status.StatusLoop[Any, Any], str]] = []
        self._wake_off: list[Callable[[], None]] | None = None
        self._nap: asyncio.Future[None] | None = None
        self._nap_timer: asyncio.TimerHandle | None = None
        self._woken = False
        self._pushed = False

    @property
    def log(self) -> Any:
        """One logger per trigger class, not one per wait: the triggerer routes each line to its task's
        log by the context it binds around `run()`, not by the logger object."""
        return type(self).logger()

    # -- what subclasses provide ------------------------------------------------------------------
    @abstractmethod
    def job_kwargs(self) -> dict[str, Any]:
        """The ids that identify the vendor job (constructor kwargs of the subclass)."""

    @abstractmethod
    async def poll(self) -> PollOutcome:
        """Look at the job once; raise `VendorError` when the vendor could not be asked."""

    async def cancel(self) -> None:
        """Ask the vendor to stop the job (best effort); vendors without a cancel leave it alone."""

    def wake_ids(self) -> list[str]:
        """The ids a verified callback names for this job (see `core.wait.wake`); none by default."""
        return []

    def describe(self) -> str:
        """How the log names the job: "rev order CP123"."""
        ids = ", ".join(
            f"{key} {value}" for key, value in self.job_kwargs().items() if isinstance(value, str)
        )
        return f"{self.vendor} {ids}".strip()

    # -- the shared status loop -------------------------------------------------------------------
    async def look(self, kind: status.StatusKind[Any, Any], job_id: str) -> Any:
        """The job's status model through this triggerer's shared loop for (kind, connection)."""
        for loop, watched in self._watching:
            if watched == job_id and loop.kind is kind:
                break
        else:
            loop = status.acquire(kind, self.conn_id)
            loop.watch(job_id, self._on_push)
            self._watching.append((loop, job_id))
        return await loop.lookup(job_id, self._mode)

    def _on_push(self) -> None:
        self._pushed = True
        self._interrupt()

    def _on_wake(self) -> None:
        self._woken = True
        self._interrupt()

    def _interrupt(self) -> None:
        """End the current nap (its timer fired, or a wake or pushed answer came)."""
        if self._nap_timer is not None:
            self._nap_timer.cancel()
            self._nap_timer = None
        if self._nap is not None:
            if not self._nap.done():
                self._nap.set_result(None)
            self._nap = None

    def _release(self) -> None:
        self._interrupt()
        for undo in self._wake_off or ():
            undo()
        self._wake_off = None
        for loop, job_id in self._watching:
            loop.unwatch(job_id, self._on_push)
            status.release(loop)
        self._watching.clear()

    # -- the machinery ----------------------------------------------------------------------------
    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        kwargs: dict[str, Any] = {
            **self.job_kwargs(),
            "conn_id": self.conn_id,
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
            "max_poll_interval": self.max_poll_interval,
            "backoff_factor": self.backoff_factor,
            "cancel_on_kill": self.cancel_on_kill,
        }
        if self.observed_status is not None:
            kwargs["observed_status"] = self.observed_status
        if self.observed_at is not None:
            kwargs["observed_at"] = self.observed_at
        if self.callbacks:
            kwargs["callbacks"] = True
        return classpath, kwargs

    def schedule(self, wakes_on: bool) -> PollSchedule:
        """Conf wins (`poll_schedule[_<vendor>]`, or `callback_poll_schedule[_<vendor>]` when callbacks
        are expected and a wake channel listens); else the schedule the operator put in the kwargs."""
        if self.callbacks and wakes_on:
            chosen = configured("callback_poll_schedule", self.vendor)
            if chosen is not None:
                return chosen
        return configured("poll_schedule", self.vendor) or PollSchedule(
            self.poll_interval, self.backoff_factor, self.max_poll_interval
        )

    def waiting_text(self, first_check_at: float, now: float, wakes_on: bool) -> str:
        """The line that opens a wait in the task log: what, until when, first check, how it is woken.

        The operator logs it in its worker just before deferring (`core.operators`), where the task
        runs anyway; the triggerer, shared by thousands of waits, logs it only when it starts a wait
        without that fresh check (a triggerer restart), and otherwise only changes of status."""
        seen = f"the operator saw {self.observed_status}" if self.observed_status else "not looked at yet"
        woken_by = "a callback wakes it" if self.callbacks and wakes_on else "polling only"
        first = next_check_text(first_check_at, now).replace("next check", "first check")
        return f"Waiting on {self.describe()} until {moment(self.deadline)} ({seen}; {first}; {woken_by})"

    def announce(self) -> str:
        """`waiting_text` as the deferring operator can know it (the trigger's own start spreads the
        first check up to `first_poll_jitter` of an interval earlier)."""
        now = time.time()
        wakes_on = bool(self.wake_ids()) and wake.enabled()
        first_at, _index = first_poll(
            self.schedule(wakes_on),
            now,
            self.observed_at,
            fresh=settings.get_float("fresh_observation"),
            jitter=0.0,
            settled_at=now + settle_seconds(),
            draw=0.0,
        )
        return self.waiting_text(first_at, now, wakes_on)

    def _event(self, status_: str, message: str = "", **payload: Any) -> TriggerEvent:
        return TriggerEvent(
            {"status": status_, "message": message, "vendor": self.vendor, **self.job_kwargs(), **payload}
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        wake_ids = self.wake_ids()
        listener = wake.listener() if wake_ids else None
        if listener is not None:
            self._wake_off = [listener.register(self.vendor, job_id, self._on_wake) for job_id in wake_ids]
        try:
            event = await self._wait(self.schedule(listener is not None), listener is not None)
        finally:
            self._release()
        yield event

    async def _wait(self, schedule: PollSchedule, wakes_on: bool) -> TriggerEvent:
        now = time.time()
        # one first delay, not two: the operator's fresh check and the resume-race settle time
        # (`core.resume_race`) both only say "not before", so the first look is at the later of the two
        settled_at = now + settle_seconds()
        next_at, index = first_poll(
            schedule,
            now,
            self.observed_at,
            fresh=settings.get_float("fresh_observation"),
            jitter=settings.get_float("first_poll_jitter"),
            settled_at=settled_at,
            draw=random.random(),
        )
        last = PollOutcome(terminal=False, status=self.observed_status or "")
        if index == 0:  # a restart or a late start; a fresh deferral was announced by the operator
            self._info("%s", self.waiting_text(next_at, now, wakes_on))
        errors_in_a_row = 0
        looked = self.observed_status is not None  # the timeout event names the last status seen
        last_woken = float("-inf")
        while True:
            now = time.time()
            remaining = self.deadline - now
            if remaining <= 0 and looked:
                return self._event(
                    "timeout",
                    f"still {last.status or 'not finished'} at the deadline ({moment(self.deadline)})",
                    vendor_status=last.status,
                )
            if now < settled_at and remaining > 0:
                # not even a wake or a pushed answer ends the wait before the deferring workload exited
                await asyncio.sleep(min(settled_at - now, remaining))
                continue
            if self._woken and time.monotonic() - last_woken < MIN_SECONDS_BETWEEN_WOKEN_LOOKS:
                # a flood of (forged) wakes costs at most one status call a second
                gap = MIN_SECONDS_BETWEEN_WOKEN_LOOKS - (time.monotonic() - last_woken)
                await asyncio.sleep(max(0.0, min(gap, remaining)))
                continue
            if self._woken:
                self._woken, mode = False, status.Mode.SINGLE
                last_woken = time.monotonic()
                self._info("A callback woke the wait on %s: asking %s once", self.describe(), self.vendor)
            elif self._pushed:
                self._pushed, mode = False, status.Mode.CACHED
            elif now >= next_at or remaining <= 0:  # the deadline passed before a first look: look once
                mode = status.Mode.BATCHED
            else:
                await self._sleep(min(next_at - now, remaining))
                continue
            self._mode = mode
            looked = True
            try:
                outcome = await self.poll()
                errors_in_a_row = 0
            except VendorError as error:
                errors_in_a_row += 1
                if not error.retryable or errors_in_a_row >= MAX_CONSECUTIVE_POLL_ERRORS:
                    return self._event(
                        "error", str(error), vendor_code=error.code, http_status=error.status_code
                    )
                self._warning("Polling failed (%d in a row), will poll again: %s", errors_in_a_row, error)
                outcome = PollOutcome(terminal=False, status=last.status, progress=last.progress)
            if mode is status.Mode.BATCHED:
                next_at = time.time() + schedule.interval(index)
                index += 1
            if outcome.terminal:
                result = "success" if outcome.success else "failed"
                self._info(
                    "%s is %s: the wait ends (%s)",
                    self.describe(),
                    status_text(outcome.status, outcome.progress),
                    result,
                )
                return self._event(result, outcome.message, vendor_status=outcome.status, **outcome.payload)
            if (outcome.status, outcome.progress) != (last.status, last.progress):
                self._info(
                    "%s for %s; %s",
                    status_line(outcome.status, outcome.progress),
                    self.describe(),
                    next_check_text(next_at),
                )
            last = outcome

    def _sleep(self, seconds: float) -> asyncio.Future[None]:
        """A future done when `seconds` pass or a wake / pushed observation interrupts (`_interrupt`).

        Not a coroutine: a sleeping wait keeps one future and one timer handle, no frame of its own."""
        loop = asyncio.get_running_loop()
        self._nap = nap = loop.create_future()
        if self._woken or self._pushed:
            nap.set_result(None)
        else:
            self._nap_timer = loop.call_later(max(seconds, 0.0), self._interrupt)
        return nap

    def _info(self, message: str, *args: Any) -> None:
        """Log from a plain method, not from the waiting coroutine: the logging setup walks the stack to
        name the call site, which keeps a frame object alive for as long as its frame lives (one per
        wait, for the whole wait, when the coroutine logs itself)."""
        self.log.info(message, *args)

    def _warning(self, message: str, *args: Any) -> None:
        self.log.warning(message, *args)

    async def on_kill(self) -> None:
        """A user marked the task failed/success or cleared it: stop paying for the vendor job."""
        if self.cancel_on_kill:
            await self.cancel()
