"""What the Akool emulator remembers: tokens, translation jobs, limits; and the time-driven job states.

A job is queueing, then processing, then completed (or failed when its audio holds no speech), each stage
lasting `step_seconds`. States advance lazily on every read and from a small ticker task, so webhooks
fire on every state change even when nobody polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from video_localization_dev.sandbox.akool import webhook
from video_localization_dev.sandbox.akool.wire import (
    AKOOL_MAX_VIDEO_BYTES,
    COMPLETED,
    CREATE_AUDIO_ERROR,
    CREATE_VIDEO_ERROR,
    DEDUCTION_ROUNDING_SECONDS,
    FACESWAP_QUALITY,
    FAILED,
    JOB_FROM,
    JOB_SUB_TYPE,
    JOB_TYPE,
    PROCESS_STAGES,
    PROCESSING,
    PROGRESS,
    QUEUE_STAGES,
    QUEUEING,
    RESULT_TTL_SECONDS,
    STORAGE_LOC,
    TERMINAL_STATUSES,
    WEBHOOK_TYPE,
    Account,
)
from video_localization_dev.sandbox.state import Sandbox

# Inferred: why a job fails after it was accepted. The only real cause the sandbox can see is a source
# whose audio holds no speech (nothing to translate); Akool's failure codes are not published.
NO_SPEECH_ERROR_CODE = CREATE_AUDIO_ERROR
NO_SPEECH_ERROR_REASON = "create audio error: no speech was detected in the video"
# An injected vendor-side failure: Akool's documented 1205 "create video error".
INJECTED_ERROR_CODE = CREATE_VIDEO_ERROR
INJECTED_ERROR_REASON = "create video error: the video could not be generated"


def object_id() -> str:
    """A MongoDB-style 24-hex id, like Akool's `_id` and `task_id`."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


@dataclass
class Job:
    id: str
    account: Account
    url: str
    source_language: str
    language: str
    lipsync: bool
    merge_interval: float
    face_enhance: bool
    webhook_url: str
    video_bytes: bytes
    duration_seconds: float
    has_speech: bool
    started_at: float = field(default_factory=time.monotonic)
    create_time: int = field(default_factory=lambda: int(time.time() * 1000))
    video_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    task_id: str = field(default_factory=object_id)
    status: int = QUEUEING
    video: str = ""
    lipsync_video_url: str = ""
    error_code: int | None = None
    error_reason: str = ""
    #: An injected vendor-side failure (`Sandbox.take_job_fault`): the job fails when processing ends.
    injected_failure: bool = False
    delivery: asyncio.Task | None = None
    md5: str = ""

    def __post_init__(self) -> None:
        self.md5 = hashlib.md5(self.video_bytes, usedforsecurity=False).hexdigest()

    def result_path(self, lipsync: bool = False) -> str:
        suffix = "-lipsync" if lipsync else ""
        return f"/akool/cdn/{self.id}/{self.video_id}{suffix}.mp4"

    def data(self) -> dict[str, Any]:
        """The job record, with the keys of the document's create and info examples."""
        record: dict[str, Any] = {
            "_id": self.id,
            "create_time": self.create_time,
            "uid": self.account.uid,
            "type": JOB_TYPE,
            "sub_type": JOB_SUB_TYPE,
            "from": JOB_FROM,
            "target_video": self.url,
            "source_language": self.source_language,
            "language": self.language,
            "faceswap_quality": FACESWAP_QUALITY,
            "video_id": self.video_id,
            "video_status": self.status,
            "progress": PROGRESS[self.status],
            "video_lock_duration": round(self.duration_seconds, 2),
            "deduction_lock_duration": DEDUCTION_ROUNDING_SECONDS
            * max(1, math.ceil(self.duration_seconds / DEDUCTION_ROUNDING_SECONDS)),
            "external_video": "",
            "video": self.video,
            "lipsync_video_url": self.lipsync_video_url,
            "storage_loc": STORAGE_LOC,
            "webhookUrl": self.webhook_url,
            "task_id": self.task_id,
            "target_video_md5": self.md5,
            "pre_video_id": "",
            "lipsync": self.lipsync,
            "lipSyncType": self.lipsync,
            "merge_interval": self.merge_interval,
            "face_enhance": self.face_enhance,
            "__v": 0,
        }
        if self.status == FAILED:
            record["error_code"] = self.error_code
            record["error_reason"] = self.error_reason
        return record


@dataclass
class Busy:
    times: int = 0
    code: int = CREATE_AUDIO_ERROR


class AkoolStore:
    """Tokens (kept across resets: they are long-lived), jobs, limits and the transient-failure switch."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.tokens: dict[str, str] = {}  # token -> clientId
        self.expired_tokens: set[str] = set()
        self.jobs: dict[str, Job] = {}
        self.max_video_bytes = AKOOL_MAX_VIDEO_BYTES
        self.result_ttl_seconds = RESULT_TTL_SECONDS
        self.busy = Busy()
        self._ticker: asyncio.Task | None = None
        self._deliveries: set[asyncio.Task] = set()  # kept so running deliveries outlive a reset

    def reset(self) -> None:
        with self.sandbox.lock:
            self.jobs.clear()
            self.max_video_bytes = AKOOL_MAX_VIDEO_BYTES
            self.result_ttl_seconds = RESULT_TTL_SECONDS
            self.busy = Busy()

    # -- tokens -----------------------------------------------------------------------------------------
    def issue_token(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        with self.sandbox.lock:
            self.tokens[token] = account.client_id
        return token

    def token_owner(self, token: str) -> str | None:
        with self.sandbox.lock:
            if token in self.expired_tokens:
                return None
            return self.tokens.get(token)

    def expire_tokens(self) -> int:
        with self.sandbox.lock:
            fresh = set(self.tokens) - self.expired_tokens
            self.expired_tokens |= fresh
            return len(fresh)

    # -- jobs -------------------------------------------------------------------------------------------
    def add(self, job: Job) -> None:
        with self.sandbox.lock:
            self.jobs[job.id] = job

    def lipsync_done_before(self, account: Account, md5: str, language: str) -> bool:
        """Whether this account already has a lip-synced translation of this video into `language`.

        Inferred: a failed earlier job does not count (nothing was translated).
        """
        with self.sandbox.lock:
            return any(
                job.account.client_id == account.client_id
                and job.lipsync
                and job.language == language
                and job.status != FAILED
                and job.md5 == md5
                for job in self.jobs.values()
            )

    def get(self, job_id: str) -> Job | None:
        with self.sandbox.lock:
            job = self.jobs.get(job_id)
        if job is not None:
            self.advance(job)
        return job

    def advance(self, job: Job) -> None:
        """Move a job to the state its age calls for and queue a webhook for every state it entered."""
        bodies: list[dict[str, Any]] = []
        with self.sandbox.lock:
            stage = self.sandbox.stages_elapsed(job.started_at)
            if stage < QUEUE_STAGES:
                target = QUEUEING
            elif stage < QUEUE_STAGES + PROCESS_STAGES:
                target = PROCESSING
            else:
                target = COMPLETED if job.has_speech and not job.injected_failure else FAILED
            if target <= job.status or job.status in TERMINAL_STATUSES:
                return
            previous, job.status = job.status, target
            if target == COMPLETED:
                ttl = self.result_ttl_seconds
                job.video = self.sandbox.sign_path(job.result_path(), ttl)
                if job.lipsync:
                    job.lipsync_video_url = self.sandbox.sign_path(job.result_path(lipsync=True), ttl)
            elif target == FAILED and job.injected_failure:
                job.error_code = INJECTED_ERROR_CODE
                job.error_reason = INJECTED_ERROR_REASON
            elif target == FAILED:
                job.error_code = NO_SPEECH_ERROR_CODE
                job.error_reason = NO_SPEECH_ERROR_REASON
            # A read may find a job two states on: announce each state it passed through, in order.
            entered = [PROCESSING] if previous < PROCESSING else []
            if target in TERMINAL_STATUSES:
                entered.append(target)
            if job.webhook_url:
                for status in entered:
                    payload = {
                        "_id": job.id,
                        "status": status,
                        "type": WEBHOOK_TYPE,
                        "url": job.video if status == COMPLETED else "",
                    }
                    bodies.append(webhook.envelope(payload, job.account.client_id, job.account.client_secret))
        if bodies:
            self._deliver_in_order(job, bodies)

    def finish(self, job_id: str) -> tuple[Job, float] | None:
        """Move a job's timeline back so that it ends now (a test or benchmark decides when), and send
        its webhooks; answers the job and the wall-clock moment it ended, or None for an unknown id."""
        with self.sandbox.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            lasts = (QUEUE_STAGES + PROCESS_STAGES) * self.sandbox.settings.step_seconds
            job.started_at = min(job.started_at, time.monotonic() - lasts)
            finished_at = time.time()
            self.advance(job)  # under the lock: no read sees the job between "ended" and its end state
        return job, finished_at

    def _deliver_in_order(self, job: Job, bodies: list[dict[str, Any]]) -> None:
        """Send a job's webhooks one after another, after any still being sent."""
        previous = job.delivery
        url = job.webhook_url

        async def run() -> None:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await previous
            for body in bodies:
                await webhook.deliver(self.sandbox, url, body)

        task = asyncio.get_running_loop().create_task(run())
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        job.delivery = task

    def advance_all(self) -> bool:
        """Advance every unfinished job; answer whether any is still unfinished."""
        with self.sandbox.lock:
            active = [job for job in self.jobs.values() if job.status not in TERMINAL_STATUSES]
        for job in active:
            self.advance(job)
        return any(job.status not in TERMINAL_STATUSES for job in active)

    def ensure_ticker(self) -> None:
        """Start the ticker that advances jobs (and so fires webhooks) while nobody polls."""
        loop = asyncio.get_running_loop()
        if self._ticker is None or self._ticker.done() or self._ticker.get_loop() is not loop:
            self._ticker = loop.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            interval = min(max(self.sandbox.settings.step_seconds / 4, 0.01), 0.5)
            await asyncio.sleep(interval)
            if not self.advance_all():
                return
