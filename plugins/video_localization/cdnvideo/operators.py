"""CDNvideo operators: generate (once, paced, then wait), download at once, rename, delete, list, cancel.

Generate spends one of the account's 1500 monthly requests, so it runs once per task instance: the
state store keeps the task id across tries, and a crash between the vendor's 202 and that record is
covered by finding the task in the vendor's list by its name, which carries the task instance's
reference, within the time window of the first try. Results are copied into output storage as soon as
they exist: the vendor's links last 6 hours and work only from the IP address that asked for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.links import JOB_ID_XCOM_KEY, CDNVideoTaskLink
from video_localization.cdnvideo.models import LIST_FIELDS, VENDOR, VIDEO_SIZES, Actor, Gender, TaskStatus
from video_localization.cdnvideo.triggers import CDNVideoTaskTrigger, cancel_quietly, task_outcome
from video_localization.cdnvideo.validation import (
    MAX_VIDEO_NAME_CHARS,
    blank_as_none,
    build_request,
    check_text,
    check_video_name,
    language,
    make_actor,
)
from video_localization.core.abandon import recorded_job_id, with_cancel_on_failure
from video_localization.core.errors import InvalidInputError, VendorError
from video_localization.core.lineage import DeliveryLineageMixin
from video_localization.core.operators import VendorJobOperator
from video_localization.core.storage import (
    StoredFile,
    as_storage_path,
    looks_like_mp4,
    require_mp4,
    stream_to_storage,
)
from video_localization.core.submit_once import STATE_RETENTION_DAYS, idempotency_reference, submit_once
from video_localization.core.validation import Checks, one_of

JOB_STATE_KEY = "cdnvideo_task_id"
#: Written to the state store just before the POST: the start of the window a retry searches.
SUBMIT_STARTED_KEY = "cdnvideo_submit_started_at"
#: Hex digits of the task instance's reference carried in the video name ("vloc-" + 10 = 15 characters).
REFERENCE_LENGTH = 10
STATE_RETENTION = timedelta(days=STATE_RETENTION_DAYS)
#: How far back a retry looks for its task when there is no state store to say when the first try began.
LOOKUP_FALLBACK = timedelta(days=1)
#: The vendor's answer to a link, rename or delete of a video it no longer has (document).
NO_SUCH_VIDEO = "no such video"


def tagged_name(video_name: str, reference: str) -> str:
    """The name a task is created with: the start of the user's name, then the reference (<= 35)."""
    room = MAX_VIDEO_NAME_CHARS - len(reference) - 1
    return f"{video_name[:room].rstrip()} {reference}".strip()


class CDNVideoBaseOperator(VendorJobOperator):
    """Base of the CDNvideo operators: the connection and its cached hook.

    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    vendor = VENDOR

    def __init__(self, *, cdnvideo_conn_id: str = CDNVideoHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cdnvideo_conn_id = cdnvideo_conn_id

    @cached_property
    def hook(self) -> CDNVideoHook:
        return CDNVideoHook(self.cdnvideo_conn_id)


class CDNVideoGenerateOperator(CDNVideoBaseOperator):
    """Make a talking-head video from a script and wait until the vendor has processed it.

    `actor` is the actor's name (with `shot`, `actor_version`, `style`, `size` beside it) or the whole
    `actor` section as a mapping. With no `voice`, one of `locale` is chosen from the live configurations
    (of `voice_gender`, default the actor's). Everything is checked before any call (limits), then
    against the live configurations before the POST. Pushes `job_id` before waiting; returns
    `{"job_id", "locale", "video_name", "status", "attempts", "submitted_at", "processed_at"}`.

    :param script: the text the presenter speaks (3000 characters at most).
    :param video_name: the video's name (35 characters with the reference appended).
    :param actor: the actor's name, or the whole `actor` section as a mapping.
    :param shot: the actor's shot (`waist`, ...).
    :param actor_version: the actor model's version.
    :param style: the actor's style.
    :param size: the video size (`SD`, `HD`, ...).
    :param voice: a voice name; empty = one of `locale` is chosen.
    :param voice_gender: the gender of the chosen voice (default: the actor's).
    :param locale: the language a voice is chosen for.
    :param background: the background's name.
    :param emotion: the presenter's emotion.
    :param cancel_on_kill: cancel the vendor task when this task is killed.
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    operator_extra_links = (CDNVideoTaskLink(),)
    template_fields: Sequence[str] = (
        "script",
        "video_name",
        "actor",
        "shot",
        "actor_version",
        "style",
        "size",
        "voice",
        "voice_gender",
        "locale",
        "background",
        "emotion",
    )

    def __init__(
        self,
        *,
        script: str,
        video_name: str,
        actor: str | Mapping[str, Any],
        shot: str | None = None,
        actor_version: str | None = None,
        style: str | None = None,
        size: str | None = None,
        voice: str | None = None,
        voice_gender: str | None = None,
        locale: str | None = None,
        background: str | None = None,
        emotion: str | None = None,
        cancel_on_kill: bool = True,
        cancel_on_failure: bool = True,
        **kwargs: Any,
    ) -> None:
        if cancel_on_failure:  # a final failure cancels the task nobody will collect (core.abandon)
            kwargs["on_failure_callback"] = with_cancel_on_failure(kwargs.get("on_failure_callback"))
        super().__init__(**kwargs)
        self.script = script
        self.video_name = video_name
        self.actor = actor
        self.shot = shot
        self.actor_version = actor_version
        self.style = style
        self.size = size
        self.voice = voice
        self.voice_gender = voice_gender
        self.locale = locale
        self.background = background
        self.emotion = emotion
        self.cancel_on_kill = cancel_on_kill
        self._job_id: str | None = None

    # -- inputs -----------------------------------------------------------------------------------
    def _actor(self) -> Actor:
        section = dict(self.actor) if isinstance(self.actor, Mapping) else {"name": self.actor}
        return make_actor(
            section.get("name"),
            section.get("shot") or self.shot,
            version=section.get("version") or self.actor_version,
            style=section.get("style") or self.style,
            size=section.get("size") or self.size,
        )

    def _check_offline(self) -> Actor:
        """What needs no call: the document's limits, the actor section, the locale, the gender."""
        checks = Checks()
        actor = checks.run(self._actor)
        with checks.field():
            check_text(self.script, self.video_name)
        if blank_as_none(self.locale):
            checks.run(language, self.locale)
        if blank_as_none(self.voice_gender):
            checks.run(one_of, "voice_gender", self.voice_gender, [g.value for g in Gender])
        if actor is not None and actor.size is not None:
            checks.run(one_of, "size", actor.size, list(VIDEO_SIZES))
        if not blank_as_none(self.voice) and not blank_as_none(self.locale):
            checks.add(InvalidInputError("voice", self.voice, "a voice name, or a locale to choose one for"))
        checks.raise_if_any()
        assert actor is not None
        return actor

    # -- submit once ------------------------------------------------------------------------------
    def _submit(self, context: Any, actor: Actor, name: str) -> str:
        configurations = self.hook.get_configurations()
        request, resolved = build_request(
            configurations,
            script=self.script,
            video_name=name,
            actor=actor,
            voice=blank_as_none(self.voice),
            locale=blank_as_none(self.locale),
            voice_gender=blank_as_none(self.voice_gender),
            background=blank_as_none(self.background),
            emotion=blank_as_none(self.emotion),
        )
        quota = configurations.quota
        if quota is not None and quota.left < 1:
            raise VendorError(VENDOR, f"the account's monthly requests are used up ({quota.limit:g} a month)")
        self.log.info("Generating with %s", resolved.to_dict())
        store = context.get("task_state_store")
        if store is not None:
            store.set(SUBMIT_STARTED_KEY, datetime.now(UTC).isoformat(), retention=STATE_RETENTION)
        return self.hook.generate(request)

    def _find(self, context: Any, name: str) -> str | None:
        store = context.get("task_state_store")
        started = store.get(SUBMIT_STARTED_KEY) if store is not None else None
        if store is not None and not started:
            return None  # no earlier try of this task instance got as far as the POST
        since = (
            datetime.fromisoformat(started) - timedelta(minutes=1)
            if started
            else datetime.now(UTC) - LOOKUP_FALLBACK
        )
        row = self.hook.find_task(name, since)
        return row.id if row else None

    def _reusable(self, job_id: str) -> bool:
        """A canceled task is not reattached to: a retry then pays for a new one, as the user asked."""
        return self.hook.get_status(job_id).status is not TaskStatus.CANCELED

    def execute(self, context: Any) -> Any:
        actor = self._check_offline()  # raises before any vendor call on bad input
        reference = idempotency_reference(context, length=REFERENCE_LENGTH)
        name = tagged_name(self.video_name, reference)
        result = submit_once(
            context,
            state_key=JOB_STATE_KEY,
            reference=reference,
            submit=lambda: self._submit(context, actor, name),
            find_existing=lambda _reference: self._find(context, name),
            is_reusable=self._reusable,
        )
        job_id = self._job_id = result.job_id
        context["ti"].xcom_push(key=JOB_ID_XCOM_KEY, value=job_id)
        self.log.info("CDNvideo task %s (%s), named %r", job_id, result.how, name)
        return self.wait_for(
            context,
            check=lambda: task_outcome(self.hook.get_status(job_id)),
            trigger=lambda: CDNVideoTaskTrigger(
                job_id=job_id,
                conn_id=self.cdnvideo_conn_id,
                cancel_on_kill=self.cancel_on_kill,
                **self.poll_schedule(),
            ),
            ids={"job_id": job_id},
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = self.raise_for_event(event)
        store = context.get("task_state_store")
        reference = idempotency_reference(context, length=REFERENCE_LENGTH)
        return {
            "job_id": event["job_id"],
            "locale": blank_as_none(self.locale),
            "video_name": tagged_name(self.video_name, reference),
            "status": TaskStatus.PROCESSED.value,
            "attempts": event.get("attempts"),
            "submitted_at": store.get(SUBMIT_STARTED_KEY) if store is not None else None,
            "processed_at": datetime.now(UTC).isoformat(),
        }

    def abandoned_job_id(self, context: Any) -> str | None:
        """The task this task instance started (for `core.abandon`)."""
        return recorded_job_id(context, JOB_STATE_KEY, JOB_ID_XCOM_KEY)

    def cancel_job(self, job_id: str) -> None:
        self.hook.cancel(job_id)

    def on_kill(self) -> None:
        """Killed while waiting in the worker (not deferred): stop the vendor from making the video."""
        if self._job_id and self.cancel_on_kill:
            cancel_quietly(self.hook, self._job_id, self.log)


class CDNVideoDownloadOperator(DeliveryLineageMixin, CDNVideoBaseOperator):
    """Save a processed task's video as `<output_dir>/video.mp4`, verified, as soon as it exists.

    The link is asked for and fetched in this same process (it works only from the IP that asked, for
    6 hours) and never stored. Then, optionally, the video is renamed at the vendor (`rename_to`) and
    deleted there once archived (`delete_remote`). Returns `{"locale", "job_id", "files",
    "downloaded_at", "renamed_to", "remote_deleted"}`.

    :param job_id: the processed CDNvideo task.
    :param output_dir: the folder (path or object-storage URI) the video goes to.
    :param locale: the language, for the result.
    :param rename_to: rename the video at the vendor after saving it.
    :param delete_remote: delete the vendor's copy once saved.
    :param lineage_source: the source video the files were made from (templated): the OpenLineage input;
        default: the vendor job.
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).
    """

    template_fields: Sequence[str] = (
        "job_id",
        "output_dir",
        "locale",
        "rename_to",
        "delete_remote",
        "file_stem",
        "lineage_source",
    )
    operator_extra_links = (CDNVideoTaskLink(),)

    def __init__(
        self,
        *,
        job_id: str,
        output_dir: str,
        locale: str | None = None,
        rename_to: str | None = None,
        delete_remote: bool = False,
        file_stem: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_stem = file_stem  # `<file_stem>.mp4` instead of `video.mp4`
        self.job_id = job_id
        self.output_dir = output_dir
        self.locale = locale
        self.rename_to = rename_to
        self.delete_remote = delete_remote

    def _archived_earlier(self, destination: Any) -> StoredFile | None:
        """An earlier try saved the video and deleted it remotely, then died: what it saved is the result."""
        if not (self.delete_remote and destination.exists()):
            return None
        data = destination.read_bytes()
        if not looks_like_mp4(data[:16]):
            return None
        return StoredFile(
            uri=str(destination),
            name=destination.name,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type="video/mp4",
        )

    def execute(self, context: Any) -> dict[str, Any]:
        rename_to = blank_as_none(self.rename_to)
        if rename_to is not None:
            check_video_name(rename_to, "rename_to")
        destination = as_storage_path(self.output_dir) / f"{self.file_stem or 'video'}.mp4"
        try:
            url = self.hook.get_video_url(self.job_id)
        except VendorError as error:
            stored = self._archived_earlier(destination) if error.message == NO_SUCH_VIDEO else None
            if stored is None:
                raise
            self.log.info(
                "Task %s was archived to %s and deleted remotely by an earlier try", self.job_id, destination
            )
            return self._result(stored, None, True)
        stored = stream_to_storage(self.hook.api, url, destination, check_head=require_mp4)
        if rename_to is not None:
            self.hook.rename_video(self.job_id, rename_to)
        if self.delete_remote:
            self.hook.delete_video(self.job_id)
            self.log.info("Deleted CDNvideo's copy of task %s (archived at %s)", self.job_id, stored.uri)
        return self._result(stored, rename_to, bool(self.delete_remote))

    def _result(self, stored: StoredFile, renamed_to: str | None, deleted: bool) -> dict[str, Any]:
        result = {
            "locale": blank_as_none(self.locale),
            "job_id": self.job_id,
            "files": [stored.to_dict()],
            "downloaded_at": datetime.now(UTC).isoformat(),
            "renamed_to": renamed_to,
            "remote_deleted": deleted,
        }
        self.remember_delivery(
            self.vendor,
            {"job_id": self.job_id, "locale": result["locale"]},
            result["files"],
            job_url=self.hook.status_url(self.job_id),
        )
        return result


class CDNVideoRenameOperator(CDNVideoBaseOperator):
    """Rename a video at the vendor (35 characters at most). Returns `{"job_id", "video_name"}`.

    :param job_id: the CDNvideo task.
    :param video_name: the new name (35 characters at most).
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).
    """

    template_fields: Sequence[str] = ("job_id", "video_name")
    operator_extra_links = (CDNVideoTaskLink(),)

    def __init__(self, *, job_id: str, video_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.video_name = video_name

    def execute(self, context: Any) -> dict[str, Any]:
        check_video_name(self.video_name)
        self.hook.rename_video(self.job_id, self.video_name)
        return {"job_id": self.job_id, "video_name": self.video_name}


class CDNVideoDeleteVideoOperator(CDNVideoBaseOperator):
    """Delete a video at the vendor (after it has been archived). Returns `{"job_id", "deleted"}`.

    With `missing_ok`, a video the vendor no longer has counts as deleted (a retried delete succeeds).

    :param job_id: the CDNvideo task.
    :param missing_ok: a video the vendor no longer has counts as deleted.
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).
    """

    template_fields: Sequence[str] = ("job_id",)
    operator_extra_links = (CDNVideoTaskLink(),)

    def __init__(self, *, job_id: str, missing_ok: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.missing_ok = missing_ok

    def execute(self, context: Any) -> dict[str, Any]:
        try:
            self.hook.delete_video(self.job_id)
        except VendorError as error:
            if not (self.missing_ok and error.message == NO_SUCH_VIDEO):
                raise
            self.log.info("CDNvideo has no video for task %s any more", self.job_id)
        return {"job_id": self.job_id, "deleted": True}


class CDNVideoCancelTaskOperator(CDNVideoBaseOperator):
    """Cancel a queued or processing task. Returns `{"job_id", "status"}` (the status after the cancel).

    :param job_id: the CDNvideo task to cancel.
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).
    """

    template_fields: Sequence[str] = ("job_id",)
    operator_extra_links = (CDNVideoTaskLink(),)

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def execute(self, context: Any) -> dict[str, Any]:
        self.hook.cancel(self.job_id)
        return {"job_id": self.job_id, "status": self.hook.get_status(self.job_id).status.value}


class CDNVideoListTasksOperator(CDNVideoBaseOperator):
    """The account's videos (newest first by default), as rows without their links (6 h, IP-bound).

    `start` / `end` are ISO 8601 times (templated, e.g. `{{ data_interval_start }}`); `fields` adds any
    of background, shot, script, voice_name, actor_name, model_version, video_name, emotion.

    :param start: the earliest task time (ISO 8601 or datetime; templated).
    :param end: the latest task time.
    :param fields: extra fields per row (see `LIST_FIELDS`).
    :param sort: the vendor's sort key (default newest first).
    :param limit: at most this many rows.
    :param cdnvideo_conn_id: the CDNvideo connection (default `cdnvideo_default`).
    """

    template_fields: Sequence[str] = ("start", "end", "fields", "sort")

    def __init__(
        self,
        *,
        start: str | datetime | None = None,
        end: str | datetime | None = None,
        fields: Sequence[str] = (),
        sort: str = "-date",
        limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start = start
        self.end = end
        self.fields = fields
        self.sort = sort
        self.limit = limit

    def execute(self, context: Any) -> list[dict[str, Any]]:
        checks = Checks()
        for name in self.fields:
            checks.run(one_of, "fields", name, list(LIST_FIELDS))
        checks.raise_if_any()
        filters = {
            "start": _as_datetime(self.start),
            "end": _as_datetime(self.end),
            "sort": self.sort,
            "fields": tuple(self.fields),
        }
        rows = []
        for row in self.hook.iter_tasks(**filters):
            rows.append(row.model_dump(mode="json", exclude={"video_url"}, exclude_none=True))
            if self.limit is not None and len(rows) >= self.limit:
                break
        return rows


def _as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
