"""CDNvideo sensor: wait for a task made elsewhere (another DAG, the web UI) to be processed."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.links import CDNVideoTaskLink
from video_localization.cdnvideo.models import VENDOR
from video_localization.cdnvideo.triggers import CDNVideoTaskTrigger, task_outcome
from video_localization.core.sensors import VendorSensor
from video_localization.core.triggers import PollOutcome


class CDNVideoTaskSensor(VendorSensor):
    """Succeeds when the task is processed; fails with the vendor's words when it was canceled.

    Poke mode asks `status/<id>` every `poke_interval`; deferrable mode waits in the triggerer with the
    same outcome rules. A sensor only watches: killing it does not cancel the vendor task.

    :param job_id: the CDNvideo task to wait for.
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).

    It also takes the arguments of `VendorSensor` (`deferrable`, `max_poll_interval`) and of Airflow's
    `BaseSensorOperator` (`poke_interval`, `timeout`, `mode`).
    """

    vendor = VENDOR
    template_fields: Sequence[str] = ("job_id",)
    operator_extra_links = (CDNVideoTaskLink(),)

    def __init__(
        self, *, job_id: str, cdnvideo_conn_id: str = CDNVideoHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.cdnvideo_conn_id = cdnvideo_conn_id

    @cached_property
    def hook(self) -> CDNVideoHook:
        return CDNVideoHook(self.cdnvideo_conn_id)

    def outcome(self) -> PollOutcome:
        return task_outcome(self.hook.get_status(self.job_id))

    def job_ids(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    def build_trigger(self, **schedule: Any) -> CDNVideoTaskTrigger:
        return CDNVideoTaskTrigger(job_id=self.job_id, conn_id=self.cdnvideo_conn_id, **schedule)
