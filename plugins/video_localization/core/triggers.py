"""Polling trigger base: waits on a vendor job in the triggerer, so no worker slot is held meanwhile.

Its whole state is in `serialize()`: the job's ids, the connection id, an absolute deadline (epoch
seconds) and the poll schedule. A triggerer that restarts rebuilds the trigger from those kwargs and goes
on where it was; nothing lives only in memory. It yields exactly one event:

- `{"status": "success", ...}` when the job ended well,
- `{"status": "failed", "message": ...}` when the vendor says the job failed (with the vendor's words),
- `{"status": "error", "message": ...}` when asking the vendor kept failing,
- `{"status": "timeout", "message": ...}` when the deadline passed first.

Every event also carries the job's ids (`job_kwargs()`), so the operator resuming needs no XCom.
"""

from __future__ import annotations

import asyncio
import re
import time
from abc import abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from video_localization.core.errors import VendorError
from video_localization.core.resume_race import settle_seconds

#: After this many polls in a row that failed even with the client's own retries, give up.
MAX_CONSECUTIVE_POLL_ERRORS = 5


@dataclass
class PollOutcome:
    """What one look at the vendor found."""

    terminal: bool
    success: bool = False
    status: str = ""
    message: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    #: The vendor's own progress figure where it gives one (its scale, as it sent it).
    progress: float | None = None


#: The line a waiting trigger logs when the vendor's status (or progress) changes; the task's log is
#: where people (and the localization board, through Airflow's log API) see a job's progress.
STATUS_LINE = re.compile(r"^Vendor status: (?P<status>.+?)(?: \(progress (?P<progress>[0-9.]+)\))?$")


def status_line(status: str, progress: float | None = None) -> str:
    return f"Vendor status: {status or 'unknown'}" + (
        f" (progress {progress:g})" if progress is not None else ""
    )


def parse_status_line(text: str) -> tuple[str, float | None] | None:
    """The status word and progress of a `status_line`, or None for any other log line."""
    match = STATUS_LINE.match(text.strip())
    if match is None:
        return None
    progress = match.group("progress")
    return match.group("status"), float(progress) if progress else None


def next_poll_interval(current: float, factor: float, cap: float) -> float:
    return min(current * factor, cap)


class VendorPollingTrigger(BaseTrigger):
    """Subclasses give `job_kwargs()` (their ids) and `poll()`; `cancel()` where the vendor can cancel."""

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

    # -- what subclasses provide ------------------------------------------------------------------
    @abstractmethod
    def job_kwargs(self) -> dict[str, Any]:
        """The ids that identify the vendor job (constructor kwargs of the subclass)."""

    @abstractmethod
    async def poll(self) -> PollOutcome:
        """Look at the job once; raise `VendorError` when the vendor could not be asked."""

    async def cancel(self) -> None:
        """Ask the vendor to stop the job (best effort); vendors without a cancel leave it alone."""

    # -- the machinery ----------------------------------------------------------------------------
    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {
            **self.job_kwargs(),
            "conn_id": self.conn_id,
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
            "max_poll_interval": self.max_poll_interval,
            "backoff_factor": self.backoff_factor,
            "cancel_on_kill": self.cancel_on_kill,
        }

    def _event(self, status: str, message: str = "", **payload: Any) -> TriggerEvent:
        return TriggerEvent(
            {"status": status, "message": message, "vendor": self.vendor, **self.job_kwargs(), **payload}
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        interval = self.poll_interval
        errors_in_a_row = 0
        last_seen: tuple[str, float | None] | None = None
        await asyncio.sleep(settle_seconds())  # let the deferring workload exit first (core.resume_race)
        while True:
            try:
                outcome = await self.poll()
                errors_in_a_row = 0
            except VendorError as error:
                errors_in_a_row += 1
                if not error.retryable or errors_in_a_row >= MAX_CONSECUTIVE_POLL_ERRORS:
                    yield self._event(
                        "error", str(error), vendor_code=error.code, http_status=error.status_code
                    )
                    return
                self.log.warning("Polling failed (%d in a row), will poll again: %s", errors_in_a_row, error)
                outcome = PollOutcome(terminal=False)
            if outcome.terminal:
                status = "success" if outcome.success else "failed"
                yield self._event(status, outcome.message, vendor_status=outcome.status, **outcome.payload)
                return
            remaining = self.deadline - time.time()
            if remaining <= 0:
                yield self._event(
                    "timeout",
                    f"still {outcome.status or 'not finished'} at the deadline "
                    f"({time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self.deadline))})",
                    vendor_status=outcome.status,
                )
                return
            if outcome.status and (outcome.status, outcome.progress) != last_seen:
                last_seen = (outcome.status, outcome.progress)
                self.log.info(status_line(outcome.status, outcome.progress))
            self.log.debug("Vendor status %s; next poll in %.1f s", outcome.status, interval)
            await asyncio.sleep(min(interval, remaining))
            interval = next_poll_interval(interval, self.backoff_factor, self.max_poll_interval)

    async def on_kill(self) -> None:
        """A user marked the task failed/success or cleared it: stop paying for the vendor job."""
        if self.cancel_on_kill:
            await self.cancel()
