"""Deferrable wait on one BlendVision dubbing job: the triggerer polls it until SUCCEEDED or FAILED.

BlendVision documents no webhook and no cancel for dubbing jobs, so completion is known by polling and
`on_kill` leaves the job to finish (nothing could stop it).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import VENDOR, DubbingJob, DubbingStatus
from video_localization.core.errors import VendorResponseError
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger


def job_outcome(job: DubbingJob) -> PollOutcome:
    """SUCCEEDED (with its output file) or FAILED (with every error_infos entry) ends the wait."""
    status = job.status
    what = f"dubbing job {job.id} ({job.source_lang_code} -> {job.lang_code})"
    if status is DubbingStatus.FAILED:
        return PollOutcome(
            terminal=True,
            success=False,
            status=status.value,
            message=f"{what} {status.value}: {job.failure_text()}",
            payload={
                "error_code": job.error_infos[0].reason if job.error_infos else None,
                "error_infos": [info.model_dump(mode="json") for info in job.error_infos],
                "lang_code": job.lang_code,
            },
        )
    if status is DubbingStatus.SUCCEEDED:
        if not job.output_file_id:
            raise VendorResponseError(VENDOR, f"{what} SUCCEEDED without an output file id", job.model_dump())
        return PollOutcome(
            terminal=True,
            success=True,
            status=status.value,
            payload={"output_file_id": job.output_file_id, "lang_code": job.lang_code},
        )
    return PollOutcome(terminal=False, status=status.value)


class BlendVisionDubbingJobTrigger(VendorPollingTrigger):
    """Polls `GET /bv/cms/v1/dubbing-jobs/{job_id}`; its whole state is the job id and the schedule."""

    vendor = VENDOR

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    @cached_property
    def hook(self) -> BlendVisionHook:
        return BlendVisionHook(self.conn_id)

    async def poll(self) -> PollOutcome:
        return job_outcome(await self.hook.aget_dubbing_job(self.job_id))
