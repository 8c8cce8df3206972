"""Base sensor for vendor jobs made elsewhere: poke mode, or deferrable with the vendor's own trigger.

Poking and the trigger judge a job with the same outcome function, so a sensor and an operator never
disagree about what "done" means. A sensor only watches: its trigger never cancels the vendor job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from airflow.sdk import BaseSensorOperator, conf

from video_localization.core.events import raise_for_event
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger


class VendorSensor(BaseSensorOperator):
    """Subclasses give `outcome()` (one look at the job) and `build_trigger(**schedule)` (same ids).

    :param deferrable: wait in the triggerer (default `[operators] default_deferrable`); else poke.
    :param max_poll_interval: longest interval between two status checks in the triggerer, in seconds.

    Airflow's `BaseSensorOperator` arguments apply (`poke_interval`, `timeout`, `mode`).
    """

    vendor: ClassVar[str] = "vendor"
    #: Turns a terminal event into the result or the vendor's error (a vendor may add details to it).
    raise_for_event: ClassVar[Callable[[dict[str, Any] | None], Any]] = staticmethod(raise_for_event)

    def __init__(
        self,
        *,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_poll_interval: float = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.deferrable = deferrable
        self.max_poll_interval = max(max_poll_interval, float(self.poke_interval))
        self._result: dict[str, Any] | None = None

    def outcome(self) -> PollOutcome:
        raise NotImplementedError

    def job_ids(self) -> dict[str, Any]:
        """The ids put in the sensor's result, beside the outcome's payload."""
        return {}

    def build_trigger(self, **schedule: Any) -> VendorPollingTrigger:
        raise NotImplementedError

    def poke(self, context: Any) -> bool:
        outcome = self.outcome()
        if outcome.terminal:
            self._result = self.raise_for_event(
                {
                    "status": "success" if outcome.success else "failed",
                    "message": outcome.message,
                    "vendor": self.vendor,
                    "vendor_status": outcome.status,
                    **self.job_ids(),
                    **outcome.payload,
                }
            )
        return outcome.terminal

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            super().execute(context)
            return self._result
        if self.poke(context):
            return self._result
        self.defer(
            trigger=self.build_trigger(
                deadline=time.time() + float(self.timeout),
                poll_interval=float(self.poke_interval),
                max_poll_interval=self.max_poll_interval,
                cancel_on_kill=False,  # a sensor only watches: the job is not its to cancel
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )
        return None

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        return self.raise_for_event(event)
