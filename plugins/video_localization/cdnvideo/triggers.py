"""Deferrable wait on a CDNvideo task (the vendor has no webhooks: polling `status/<id>` is the only way).

Status calls go through the triggerer's shared status loop (`core.wait.status`): identical lookups in
flight are coalesced. The `tasks` list carries no status field, so it cannot answer for many waits.

`on_kill` (a user marked the deferred task failed/success or cleared it) cancels the task at the vendor,
so an abandoned video stops being made; one already processed cannot be cancelled and is left alone.
"""

from __future__ import annotations

from typing import Any

from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.models import VENDOR, TaskInfo, TaskStatus
from video_localization.core.errors import VendorError
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.status import StatusKind


def task_outcome(task: TaskInfo) -> PollOutcome:
    """Done when processed (success) or canceled (by the user, or by the service after failed attempts)."""
    payload = {"attempts": task.attempts}
    if task.status is TaskStatus.PROCESSED:
        return PollOutcome(terminal=True, success=True, status=task.status.value, payload=payload)
    if task.status is TaskStatus.CANCELED:
        return PollOutcome(
            terminal=True,
            success=False,
            status=task.status.value,
            message=f"task {task.id} was canceled: {task.message} (attempts: {task.attempts})",
            payload=payload,
        )
    return PollOutcome(terminal=False, status=task.status.value, payload=payload)


def cancel_quietly(hook: CDNVideoHook, job_id: str, log: Any) -> None:
    """Sync cancel for `on_kill`: a task that already finished is refused by the vendor, which is fine."""
    try:
        hook.cancel(job_id)
        log.info("Canceled CDNvideo task %s", job_id)
    except VendorError as error:
        log.warning("Could not cancel CDNvideo task %s: %s", job_id, error)


async def _get_status(hook: CDNVideoHook, job_id: str) -> TaskInfo:
    return await hook.aget_status(job_id)


TASK: StatusKind[CDNVideoHook, TaskInfo] = StatusKind(
    name="cdnvideo.task",
    make_hook=CDNVideoHook,
    fetch_one=_get_status,
    word=lambda task: task.status.value,
)


class CDNVideoTaskTrigger(VendorPollingTrigger):
    """Waits until a task is processed or canceled; cancels it when the Airflow task is killed."""

    vendor = VENDOR

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def job_kwargs(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    def describe(self) -> str:
        return f"CDNvideo task {self.job_id}"

    async def poll(self) -> PollOutcome:
        return task_outcome(await self.look(TASK, self.job_id))

    async def cancel(self) -> None:
        try:
            await CDNVideoHook(self.conn_id).acancel(self.job_id)
            self.log.info("Canceled CDNvideo task %s", self.job_id)
        except VendorError as error:
            self.log.warning("Could not cancel CDNvideo task %s: %s", self.job_id, error)
