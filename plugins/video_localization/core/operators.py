"""Base operator for "submit or find a vendor job, then wait for it" steps.

Deferrable by default per `[operators] default_deferrable`: the wait runs in the triggerer and frees the
worker slot. The status is checked once before deferring (a job already done costs no deferral), and
the sync path (deferrable=False) polls with the same backoff and the same outcome rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from airflow.sdk import BaseOperator, conf

from video_localization.core.errors import VendorError
from video_localization.core.events import VendorWaitTimeout, raise_for_event
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger, next_poll_interval

DEFAULT_WAIT_TIMEOUT = timedelta(hours=12)

__all__ = ["DEFAULT_WAIT_TIMEOUT", "VendorJobOperator", "VendorWaitTimeout"]


class VendorJobOperator(BaseOperator):
    """Shared wait machinery; subclasses submit, then call `wait_for(...)`.

    :param deferrable: wait in the triggerer (default `[operators] default_deferrable`); else poll in the
        worker.
    :param wait_timeout: how long to wait for the vendor job (a timedelta or seconds; default 12 hours).
    :param poll_interval: first interval between two status checks, in seconds.
    :param max_poll_interval: longest interval between two status checks, in seconds.
    :param poll_backoff: factor the interval grows by after each check.
    """

    ui_color = "#e8f1fb"
    vendor: ClassVar[str] = "vendor"

    def __init__(
        self,
        *,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        wait_timeout: timedelta | float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = 10.0,
        max_poll_interval: float = 360.0,  # 10 s x 1.5 up to 6 min: 13 status calls for a 30-minute job
        poll_backoff: float = 1.5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.deferrable = deferrable
        self.wait_timeout = (
            wait_timeout if isinstance(wait_timeout, timedelta) else timedelta(seconds=wait_timeout)
        )
        self.poll_interval = poll_interval
        self.max_poll_interval = max(max_poll_interval, poll_interval)
        self.poll_backoff = poll_backoff

    def poll_schedule(self) -> dict[str, Any]:
        """The trigger kwargs every vendor trigger takes, with an absolute deadline from now."""
        return {
            "deadline": time.time() + self.wait_timeout.total_seconds(),
            "poll_interval": self.poll_interval,
            "max_poll_interval": self.max_poll_interval,
            "backoff_factor": self.poll_backoff,
        }

    def expects_callbacks(self) -> bool:
        """Whether the vendor was given a callback URL for this job: the trigger then polls only as a
        safety net (`callback_poll_schedule`), since a verified callback wakes it."""
        return False

    def wait_for(
        self,
        context: Any,
        *,
        check: Callable[[], PollOutcome],
        trigger: Callable[[], VendorPollingTrigger],
        ids: dict[str, Any],
        method_name: str = "execute_complete",
    ) -> Any:
        """Check once; if not done, defer to `trigger()` or poll here, then resume in `method_name`."""
        outcome = check()
        checked_at = time.time()
        if not outcome.terminal:
            if self.deferrable:
                waiting = trigger()
                # what this check saw goes along, so the trigger's first poll does not repeat it
                waiting.observed_status = outcome.status
                waiting.observed_at = checked_at
                waiting.callbacks = self.expects_callbacks()
                self.log.info("%s", waiting.announce())  # the triggerer then logs only changes
                self.defer(
                    trigger=waiting,
                    method_name=method_name,
                    timeout=self.wait_timeout + timedelta(minutes=5),
                )
            outcome = self._poll_until_terminal(check)
        event = {
            "status": "success" if outcome.success else "failed",
            "message": outcome.message,
            "vendor_status": outcome.status,
            "vendor": self.vendor,
            **ids,
            **outcome.payload,
        }
        return getattr(self, method_name)(context, event)

    def _poll_until_terminal(self, check: Callable[[], PollOutcome]) -> PollOutcome:
        deadline = time.monotonic() + self.wait_timeout.total_seconds()
        interval = self.poll_interval
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VendorWaitTimeout(f"{self.task_id}: vendor job not finished after {self.wait_timeout}")
            time.sleep(min(interval, remaining))
            interval = next_poll_interval(interval, self.poll_backoff, self.max_poll_interval)
            try:
                outcome = check()
            except VendorError as error:
                if not error.retryable:
                    raise
                self.log.warning("Polling failed, will poll again: %s", error)
                continue
            if outcome.terminal:
                return outcome

    #: A trigger event -> the event when it is a success; the vendor's words as an exception otherwise.
    raise_for_event = staticmethod(raise_for_event)
