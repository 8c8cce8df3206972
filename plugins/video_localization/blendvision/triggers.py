"""Deferrable wait on one BlendVision dubbing job: the triggerer polls it until SUCCEEDED or FAILED.

BlendVision documents no webhook and no cancel for dubbing jobs, so completion is known by polling and
`on_kill` leaves the job to finish (nothing could stop it). Status calls go through the triggerer's shared
status loop (`core.wait.status`): the job list (`GET /bv/cms/v1/dubbing-jobs`, newest first, 100 a page;
its query names are inferred in vendor-notes) answers many waits in one call, and a job not on the pages
read falls back to `GET /bv/cms/v1/dubbing-jobs/{id}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from video_localization.blendvision.hook import MAX_PAGE_SIZE, BlendVisionHook
from video_localization.blendvision.models import VENDOR, DubbingJob, DubbingStatus
from video_localization.core.errors import VendorResponseError
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.status import StatusKind, page_through


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


async def _list_jobs(
    hook: BlendVisionHook,
    wanted: set[str],
    watched: set[str],
    max_pages: int,
    held: Mapping[str, DubbingJob],
) -> dict[str, DubbingJob]:
    async def fetch_page(page: int, interesting: set[str]) -> tuple[list[DubbingJob], bool]:
        listing = await hook.alist_dubbing_jobs(page, MAX_PAGE_SIZE, only=interesting, held=held)
        total = listing.page.total_items
        return listing.dubbing_jobs, total is not None and page * MAX_PAGE_SIZE < total

    return await page_through(fetch_page, lambda job: job.id, 1, wanted, watched, max_pages)


async def _get_job(hook: BlendVisionHook, job_id: str) -> DubbingJob:
    return await hook.aget_dubbing_job(job_id)


DUBBING_JOB: StatusKind[BlendVisionHook, DubbingJob] = StatusKind(
    name="blendvision.dubbing-job",
    make_hook=BlendVisionHook,
    fetch_one=_get_job,
    word=lambda job: job.status.value,
    fetch_many=_list_jobs,
)


class BlendVisionDubbingJobTrigger(VendorPollingTrigger):
    """Polls `GET /bv/cms/v1/dubbing-jobs/{job_id}`; its whole state is the job id and the schedule."""

    vendor = VENDOR

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    def describe(self) -> str:
        return f"BlendVision dubbing job {self.job_id}"

    async def poll(self) -> PollOutcome:
        return job_outcome(await self.look(DUBBING_JOB, self.job_id))
