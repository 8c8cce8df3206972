"""CDNvideo sensor: wait for a task made elsewhere (another DAG, the web UI) to be processed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, conf

from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.models import VENDOR
from video_localization.cdnvideo.triggers import CDNVideoTaskTrigger, task_outcome
from video_localization.core.operators import VendorJobOperator


class CDNVideoTaskSensor(BaseSensorOperator):
    """Succeeds when the task is processed; fails with the vendor's words when it was canceled.

    Poke mode asks `status/<id>` every `poke_interval`; deferrable mode waits in the triggerer with the
    same outcome rules. A sensor only watches: killing it does not cancel the vendor task.
    """

    template_fields: Sequence[str] = ("job_id",)

    def __init__(
        self,
        *,
        job_id: str,
        cdnvideo_conn_id: str = CDNVideoHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_poll_interval: float = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.cdnvideo_conn_id = cdnvideo_conn_id
        self.deferrable = deferrable
        self.max_poll_interval = max(max_poll_interval, float(self.poke_interval))
        self._result: dict[str, Any] | None = None

    def poke(self, context: Any) -> bool:
        outcome = task_outcome(CDNVideoHook(self.cdnvideo_conn_id).get_status(self.job_id))
        if outcome.terminal:
            self._result = VendorJobOperator.raise_for_event(
                {
                    "status": "success" if outcome.success else "failed",
                    "message": outcome.message,
                    "vendor": VENDOR,
                    "vendor_status": outcome.status,
                    "job_id": self.job_id,
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
            trigger=CDNVideoTaskTrigger(
                job_id=self.job_id,
                conn_id=self.cdnvideo_conn_id,
                deadline=time.time() + float(self.timeout),
                poll_interval=float(self.poke_interval),
                max_poll_interval=self.max_poll_interval,
                cancel_on_kill=False,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        return VendorJobOperator.raise_for_event(event)
