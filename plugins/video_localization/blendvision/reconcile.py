"""Finding a BlendVision dubbing job whose create answer was lost, without trusting an undocumented guess.

The create carries a client-chosen `dubbing_job.id` (a documented field). That BlendVision *keeps* that
id and answers 409 on its reuse is a guess (`core.guesses` BLENDVISION_CLIENT_JOB_ID). If it holds, a
resent create can only find the one job; if it does not, a resent create pays twice. So the money-safe
path does not resend blindly:

1. a write-ahead marker (`blendvision_create_sent` in the durable task state store) is opened before
   each create and closed when BlendVision answers (or provably never got it);
2. a retry that finds the marker still open looks the job up by the client id (the documented
   `GET /dubbing-jobs/{id}`), then by listing the source's jobs created since the create was sent
   (request fields only: source, languages, interval), and reattaches to the one it finds;
3. when nothing can settle it (the list fails, or shows several candidates), the task stops with
   `AirflowFailException` naming the jobs, instead of paying again.

A create whose answer names another id than the client's proves the guess wrong: it is logged and the
vendor's id is what gets recorded and waited on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from video_localization.blendvision.errors import BlendVisionError
from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import DubbingJob, DubbingJobRequest, DubbingStatus
from video_localization.core.errors import VendorError
from video_localization.core.http import vendor_did_not_act
from video_localization.core.submit_once import STATE_RETENTION_DAYS

log = logging.getLogger(__name__)

CREATE_SENT_KEY = "blendvision_create_sent"
#: Clock skew allowed between this machine and BlendVision's `created_at`.
CLOCK_SKEW = timedelta(minutes=2)


def _store(context: Any) -> Any:
    return context.get("task_state_store") if hasattr(context, "get") else None


def guarded_create(
    context: Any, client_id: str, create: Callable[[], tuple[DubbingJob, bool]]
) -> tuple[DubbingJob, bool]:
    """Run `create()` inside the write-ahead marker; log a create whose answer ignored the client id."""
    store = _store(context)
    _mark(store, client_id, "sent")
    try:
        job, created = create()
    except VendorError as error:
        if vendor_did_not_act(error) or (error.status_code is not None and 400 <= error.status_code < 500):
            _mark(store, client_id, "answered")  # refused or provably never received: nothing made
        raise
    # "created" keeps the job id until `submit_once` records it: a crash in between still finds it.
    _mark(store, client_id, "created", job.id)
    if created and job.id != client_id:
        log.warning(
            "BlendVision named the new dubbing job %s, not the client-chosen id %s: guess "
            "BLENDVISION_CLIENT_JOB_ID is wrong here; recording the vendor's id",
            job.id,
            client_id,
        )
    return job, created


def find_unconfirmed(context: Any, hook: BlendVisionHook, request: DubbingJobRequest) -> str | None:
    """`submit_once`'s `find_existing`: the job an unanswered earlier create made, or None to create.

    Raises `AirflowFailException` when BlendVision cannot tell (the money-safe answer is to stop).
    """
    store = _store(context)
    marker = store.get(CREATE_SENT_KEY) if store is not None else None
    if not isinstance(marker, Mapping) or marker.get("state") not in ("sent", "created"):
        return None
    if marker.get("state") == "created" and marker.get("job_id"):
        return str(marker["job_id"])
    client_id, sent_at = str(marker.get("client_id")), _parse(marker.get("at"))
    try:
        job = hook.get_dubbing_job(client_id)
        if job.matches(request) and job.status is not DubbingStatus.FAILED:
            log.info("The unanswered create of %s made it: reattaching", client_id)
            return job.id
    except BlendVisionError as error:
        if not error.not_found:
            raise
    try:
        candidates = [
            job
            for job in hook.iter_dubbing_jobs(source_id=request.source_id)
            if job.matches(request)
            and job.status is not DubbingStatus.FAILED
            and (sent_at is None or job.created_at is None or job.created_at >= sent_at - CLOCK_SKEW)
        ]
    except VendorError as error:
        raise AirflowFailException(
            f"a dubbing job create (client id {client_id}) sent at {marker.get('at')} was never answered, "
            f"GET by that id did not find it and listing the source's jobs failed ({error}); stopping "
            "instead of possibly paying twice. Check BlendVision for a job of this source and language, "
            "then clear the task"
        ) from error
    if len(candidates) == 1:
        log.warning(
            "Found the job %s of an unanswered create by listing (the client id %s was not kept: guess "
            "BLENDVISION_CLIENT_JOB_ID is wrong here); reattaching",
            candidates[0].id,
            client_id,
        )
        return candidates[0].id
    if candidates:
        raise AirflowFailException(
            f"an unanswered dubbing job create (client id {client_id}) may be any of "
            f"{', '.join(job.id for job in candidates)}; stopping instead of guessing or paying again"
        )
    log.info("The unanswered create of %s made no job: sending it again", client_id)
    return None


def _mark(store: Any, client_id: str, state: str, job_id: str | None = None) -> None:
    if store is not None:
        marker = {"state": state, "client_id": client_id, "at": datetime.now(UTC).isoformat()}
        if job_id is not None:
            marker["job_id"] = job_id
        store.set(CREATE_SENT_KEY, marker, retention=timedelta(days=STATE_RETENTION_DAYS))


def _parse(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
