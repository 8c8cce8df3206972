"""Akool sensor: wait for translation jobs (one per language) to finish, in poke or deferrable mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from video_localization.akool.hook import AkoolHook
from video_localization.akool.links import AkoolJobLink
from video_localization.akool.models import VENDOR
from video_localization.akool.triggers import AkoolTranslationTrigger, jobs_outcome
from video_localization.core.sensors import VendorSensor
from video_localization.core.triggers import PollOutcome


class AkoolTranslationSensor(VendorSensor):
    """Waits until every job in `video_model_ids` ({language tag: Akool _id}) is completed.

    A failed job fails the sensor with Akool's error code and reason. Returns the success event:
    `{"status": "success", "video_model_ids", "statuses": {tag: "completed"}, ...}`.

    :param video_model_ids: `{language tag: Akool _id}` of the jobs to wait for.
    :param akool_conn_id: the Akool connection (default `akool_default`).

    It also takes the arguments of `VendorSensor` (`deferrable`, `max_poll_interval`) and of Airflow's
    `BaseSensorOperator` (`poke_interval`, `timeout`, `mode`).
    """

    vendor = VENDOR
    template_fields: Sequence[str] = ("video_model_ids",)
    operator_extra_links = (AkoolJobLink(),)

    def __init__(
        self,
        *,
        video_model_ids: Mapping[str, str],
        akool_conn_id: str = AkoolHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.video_model_ids = video_model_ids
        self.akool_conn_id = akool_conn_id

    @cached_property
    def hook(self) -> AkoolHook:
        return AkoolHook(self.akool_conn_id)

    def job_ids(self) -> dict[str, Any]:
        return {"video_model_ids": dict(self.video_model_ids)}

    def outcome(self) -> PollOutcome:
        return jobs_outcome(
            {tag: self.hook.get_video_info(job_id) for tag, job_id in self.video_model_ids.items()}
        )

    def build_trigger(self, **schedule: Any) -> AkoolTranslationTrigger:
        return AkoolTranslationTrigger(
            video_model_ids=dict(self.video_model_ids), conn_id=self.akool_conn_id, **schedule
        )
