"""Akool sensor: wait for translation jobs (one per language) to finish, in poke or deferrable mode."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, conf

from video_localization.akool.hook import AkoolHook
from video_localization.akool.models import VENDOR
from video_localization.akool.triggers import AkoolTranslationTrigger, jobs_outcome
from video_localization.core.operators import VendorJobOperator


class AkoolTranslationSensor(BaseSensorOperator):
    """Waits until every job in `video_model_ids` ({language tag: Akool _id}) is completed.

    A failed job fails the sensor with Akool's error code and reason. Returns the success event:
    `{"status": "success", "video_model_ids", "statuses": {tag: "completed"}, ...}`.
    """

    template_fields: Sequence[str] = ("video_model_ids",)

    def __init__(
        self,
        *,
        video_model_ids: Mapping[str, str],
        akool_conn_id: str = AkoolHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_poll_interval: float = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.video_model_ids = video_model_ids
        self.akool_conn_id = akool_conn_id
        self.deferrable = deferrable
        self.max_poll_interval = max(max_poll_interval, float(self.poke_interval))
        self._result: dict[str, Any] | None = None

    def poke(self, context: Any) -> bool:
        hook = AkoolHook(self.akool_conn_id)
        ids = dict(self.video_model_ids)
        outcome = jobs_outcome({tag: hook.get_video_info(job_id) for tag, job_id in ids.items()})
        if outcome.terminal:
            self._result = VendorJobOperator.raise_for_event(
                {
                    "status": "success" if outcome.success else "failed",
                    "message": outcome.message,
                    "vendor": VENDOR,
                    "vendor_status": outcome.status,
                    "video_model_ids": ids,
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
            trigger=AkoolTranslationTrigger(
                video_model_ids=dict(self.video_model_ids),
                conn_id=self.akool_conn_id,
                deadline=time.time() + float(self.timeout),
                poll_interval=float(self.poke_interval),
                max_poll_interval=self.max_poll_interval,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        return VendorJobOperator.raise_for_event(event)
