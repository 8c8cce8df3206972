"""BlendVision sensor: wait for a dubbing job made elsewhere to end, poking or deferred to the triggerer."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from video_localization.blendvision.events import raise_for_job_event
from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.links import BlendVisionDubbingJobLink
from video_localization.blendvision.models import VENDOR
from video_localization.blendvision.triggers import BlendVisionDubbingJobTrigger, job_outcome
from video_localization.core.sensors import VendorSensor
from video_localization.core.triggers import PollOutcome


class BlendVisionDubbingJobSensor(VendorSensor):
    """Done when the job SUCCEEDED: returns `{"status", "job_id", "lang_code", "output_file_id", ...}`.

    A FAILED job fails the sensor at once (it is not poked again) with every `error_infos` entry in the
    message and in the exception's `details`.

    :param job_id: the dubbing job to wait for.
    :param blendvision_conn_id: the BlendVision connection (default `blendvision_default`).

    It also takes the arguments of `VendorSensor` (`deferrable`, `max_poll_interval`) and of Airflow's
    `BaseSensorOperator` (`poke_interval`, `timeout`, `mode`).
    """

    vendor = VENDOR
    template_fields: Sequence[str] = ("job_id",)
    raise_for_event = staticmethod(raise_for_job_event)
    operator_extra_links = (BlendVisionDubbingJobLink(),)

    def __init__(
        self, *, job_id: str, blendvision_conn_id: str = BlendVisionHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.blendvision_conn_id = blendvision_conn_id

    @cached_property
    def hook(self) -> BlendVisionHook:
        return BlendVisionHook(self.blendvision_conn_id)

    def job_ids(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    def outcome(self) -> PollOutcome:
        return job_outcome(self.hook.get_dubbing_job(self.job_id))

    def build_trigger(self, **schedule: Any) -> BlendVisionDubbingJobTrigger:
        return BlendVisionDubbingJobTrigger(job_id=self.job_id, conn_id=self.blendvision_conn_id, **schedule)
