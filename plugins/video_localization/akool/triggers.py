"""Deferrable wait on Akool translation jobs: one `infobymodelid` poll per unfinished job, per language.

Status calls go through the triggerer's shared status loop (`core.wait.status`, coalesced: Akool has no
list endpoint). A verified webhook (`callbacks/app.py`) names the job's `_id`: it wakes the wait, which
then asks Akool once per unfinished language.

Akool has no cancel endpoint, so `on_kill` leaves the jobs to finish (they are paid either way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from video_localization.akool.hook import AkoolHook
from video_localization.akool.models import VENDOR, VideoJob, VideoStatus
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.status import StatusKind


def jobs_outcome(jobs: Mapping[str, VideoJob]) -> PollOutcome:
    """Done when every language's job is completed or failed; a success only when all completed.

    `jobs` maps each language tag to its job. The payload names each language's status, and on failure
    each failed language's error code and reason in Akool's words.
    """
    statuses = {tag: job.video_status.word for tag, job in jobs.items()}
    pending = [tag for tag, job in jobs.items() if not job.video_status.is_terminal]
    overall = _overall(jobs.values())
    if pending:
        return PollOutcome(terminal=False, status=overall, payload={"statuses": statuses})
    failed = {tag: job for tag, job in jobs.items() if job.video_status is VideoStatus.FAILED}
    if failed:
        message = "; ".join(f"{tag} (job {job.id}) failed: {job.failure}" for tag, job in failed.items())
        first = next(iter(failed.values()))
        return PollOutcome(
            terminal=True,
            success=False,
            status=overall,
            message=message,
            payload={
                "statuses": statuses,
                "error_code": first.error_code,
                "failures": {tag: job.failure for tag, job in failed.items()},
            },
        )
    return PollOutcome(terminal=True, success=True, status=overall, payload={"statuses": statuses})


def _overall(jobs: Any) -> str:
    """One word for a set of jobs: the least advanced status (failed wins once all are terminal)."""
    statuses = [job.video_status for job in jobs]
    if not statuses:
        return ""
    if all(status.is_terminal for status in statuses):
        return (VideoStatus.FAILED if VideoStatus.FAILED in statuses else VideoStatus.COMPLETED).word
    return min(status for status in statuses if not status.is_terminal).word


async def _get_video_info(hook: AkoolHook, video_model_id: str) -> VideoJob:
    return await hook.aget_video_info(video_model_id)


def _word(job: VideoJob) -> str:
    return f"{job.video_status.word}:{job.progress}"


VIDEO_JOB: StatusKind[AkoolHook, VideoJob] = StatusKind(
    name="akool.video", make_hook=AkoolHook, fetch_one=_get_video_info, word=_word
)


class AkoolTranslationTrigger(VendorPollingTrigger):
    """Waits until every job in `video_model_ids` ({language tag: Akool `_id`}) is completed or failed."""

    vendor = VENDOR

    def __init__(self, *, video_model_ids: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.video_model_ids = dict(video_model_ids)
        self._finished: dict[str, VideoJob] = {}  # not serialized: a restart just looks again

    def job_kwargs(self) -> dict[str, Any]:
        return {"video_model_ids": dict(self.video_model_ids)}

    def wake_ids(self) -> list[str]:
        return list(self.video_model_ids.values())

    def describe(self) -> str:
        return "Akool translation " + ", ".join(
            f"{tag} job {job}" for tag, job in self.video_model_ids.items()
        )

    async def poll(self) -> PollOutcome:
        jobs: dict[str, VideoJob] = {}
        for tag, video_model_id in self.video_model_ids.items():
            job = self._finished.get(tag) or await self.look(VIDEO_JOB, video_model_id)
            if job.video_status.is_terminal:
                self._finished[tag] = job
            jobs[tag] = job
        outcome = jobs_outcome(jobs)
        outcome.progress = _progress(jobs)
        return outcome


def _progress(jobs: Mapping[str, VideoJob]) -> str:
    """Akool's own percent per language, where it gives one: "de-DE 40%, fr-FR 75%"."""
    parts = [f"{tag} {job.progress:.0f}%" for tag, job in jobs.items() if job.progress is not None]
    return ", ".join(parts)
