"""BlendVision operators: upload a source to the library, dub it into one language, download the result.

One dubbing job makes one output language (the document's MaxItems: 1), so a DAG fans out by mapping
`BlendVisionDubbingJobOperator` over its target languages (`.partial(...).expand(target_language=...)`);
each mapped task instance has its own job id. Paid steps run once per task instance: the upload through
the task state store, a dubbing job through its client-chosen id (409 ALREADY_EXISTS -> GET it) plus the
state store. Only ids and URIs go to XCom.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from airflow.sdk.exceptions import AirflowException

from video_localization.blendvision.download import download_library_file
from video_localization.blendvision.errors import BlendVisionError
from video_localization.blendvision.events import raise_for_job_event
from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.job_ids import MAX_GENERATIONS, dubbing_job_id
from video_localization.blendvision.links import JOB_ID_XCOM_KEY, BlendVisionDubbingJobLink
from video_localization.blendvision.models import VENDOR, DubbingJobRequest, DubbingSourceType, DubbingStatus
from video_localization.blendvision.reconcile import find_unconfirmed, guarded_create
from video_localization.blendvision.triggers import BlendVisionDubbingJobTrigger, job_outcome
from video_localization.blendvision.upload import UploadedSource, UploadJournal, upload_source
from video_localization.blendvision.validation import validate_dubbing_request, validate_upload
from video_localization.core.errors import VendorError
from video_localization.core.languages import vendor_languages
from video_localization.core.lineage import DeliveryLineageMixin
from video_localization.core.operators import VendorJobOperator
from video_localization.core.storage import as_storage_path
from video_localization.core.submit_once import SubmitResult, idempotency_reference, submit_once

UPLOAD_STATE_KEY = "blendvision_source_file"
JOB_STATE_KEY = "blendvision_dubbing_job"


def locale_of(lang_code: str | None) -> str | None:
    """The project's tag for a BlendVision language code (the code itself when the table lacks it)."""
    if not lang_code:
        return None
    for language in vendor_languages(VENDOR):
        if language.code == lang_code:
            return language.tag
    return lang_code


class BlendVisionBaseOperator(VendorJobOperator):
    """Base of the BlendVision operators: the connection and its cached hook.

    :param blendvision_conn_id: the BlendVision connection (default `blendvision_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    vendor = VENDOR

    def __init__(
        self, *, blendvision_conn_id: str = BlendVisionHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.blendvision_conn_id = blendvision_conn_id

    @cached_property
    def hook(self) -> BlendVisionHook:
        return BlendVisionHook(self.blendvision_conn_id)


class BlendVisionUploadSourceOperator(BlendVisionBaseOperator):
    """Upload a local or object-storage file into the library (streamed multipart), once per task instance.

    Returns `{"file_id", "name", "file_type", "size_bytes", "sha256", "parts", "reused"}`; pushes
    `file_id` to XCom. A retry after the upload completed reuses the stored file id (no second upload);
    a retry after a crash or a lost answer mid-upload resumes the same library file (`UploadJournal`).

    :param source_path: the file (a local path or an object-storage URI) to upload.
    :param file_type: `video` or `audio`.
    :param file_name: its name in the library (default: the file's).
    :param blendvision_conn_id: the BlendVision connection (default `blendvision_default`).
    """

    template_fields: Sequence[str] = ("source_path", "file_type", "file_name")

    def __init__(
        self, *, source_path: str, file_type: str = "video", file_name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.source_path = source_path
        self.file_type = file_type
        self.file_name = file_name

    def execute(self, context: Any) -> dict[str, Any]:
        plan = validate_upload(
            source_path=self.source_path, file_type=self.file_type, file_name=self.file_name
        )
        store = context.get("task_state_store") if hasattr(context, "get") else None
        result = submit_once(
            context,
            state_key=UPLOAD_STATE_KEY,
            reference=idempotency_reference(context),
            submit=lambda: json.dumps(upload_source(self.hook, plan, journal=UploadJournal(store)).to_dict()),
        )
        uploaded = json.loads(result.job_id)
        context["ti"].xcom_push(key="file_id", value=uploaded["file_id"])
        self.log.info(
            "Library file %s holds %s (%s)",
            uploaded["file_id"],
            plan.path,
            "reused" if result.reused else "uploaded",
        )
        return {**UploadedSource(**uploaded).to_dict(), "reused": result.reused}


class BlendVisionDubbingJobOperator(BlendVisionBaseOperator):
    """Create one dubbing job (one target language) for a library file, once, and wait for it.

    Returns `{"locale", "lang_code", "job_id", "source_file_id", "output_file_id", "status"}` and
    pushes `job_id` before waiting (`wait_for_completion=False` returns at once, without output and
    status). A FAILED job fails the task with every `error_infos` entry (reason, domain, metadata) in
    its message and in the exception's `details`.

    :param source_file_id: the library file to dub.
    :param source_language: its spoken language (a project tag).
    :param target_language: the one language to dub into.
    :param source_type: `video` or `audio`.
    :param start_time: dub from this second on.
    :param end_time: dub up to this second.
    :param wait_for_completion: False returns right after the job is created.
    :param blendvision_conn_id: the BlendVision connection (default `blendvision_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    operator_extra_links = (BlendVisionDubbingJobLink(),)
    template_fields: Sequence[str] = (
        "source_file_id",
        "source_language",
        "target_language",
        "source_type",
        "start_time",
        "end_time",
    )

    def __init__(
        self,
        *,
        source_file_id: str,
        source_language: str,
        target_language: str,
        source_type: str = "video",
        start_time: Any = None,
        end_time: Any = None,
        wait_for_completion: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_file_id = source_file_id
        self.source_language = source_language
        self.target_language = target_language
        self.source_type = source_type
        self.start_time = start_time
        self.end_time = end_time
        self.wait_for_completion = wait_for_completion

    def _request(self) -> DubbingJobRequest:
        return validate_dubbing_request(
            source_file_id=self.source_file_id,
            source_language=self.source_language,
            target_language=self.target_language,
            source_type=self.source_type,
            start_time=self.start_time,
            end_time=self.end_time,
        )

    def _submit(self, context: Any, request: DubbingJobRequest) -> str | SubmitResult:
        """Create generation 1, 2, ... of this task instance's job until one is not an earlier failure."""
        for generation in range(1, MAX_GENERATIONS + 1):
            job_id = dubbing_job_id(context, request, generation)
            job, created = guarded_create(
                context,
                job_id,
                lambda job_id=job_id: self.hook.ensure_dubbing_job(request.model_copy(update={"id": job_id})),
            )
            if created:
                return job.id
            if job.status is not DubbingStatus.FAILED:
                self.log.info("Dubbing job %s already exists (%s): reattaching", job.id, job.status.value)
                return SubmitResult(job.id, "vendor_lookup")
            self.log.warning(
                "Dubbing job %s failed earlier (%s); making a fresh one", job.id, job.failure_text()
            )
        raise VendorError(
            VENDOR,
            f"{MAX_GENERATIONS} dubbing jobs of this task instance failed; not paying for another",
            code="TOO_MANY_FAILED_JOBS",
        )

    def _reusable(self, job_id: str, request: DubbingJobRequest) -> bool:
        """A stored job is reattached to unless it failed, is gone, or is not this request's."""
        try:
            job = self.hook.get_dubbing_job(job_id)
        except BlendVisionError as error:
            if error.not_found:
                return False
            raise
        return job.status is not DubbingStatus.FAILED and job.matches(request)

    def execute(self, context: Any) -> Any:
        request = self._request()  # raises before any vendor call on bad input
        result = submit_once(
            context,
            state_key=JOB_STATE_KEY,
            reference=dubbing_job_id(context, request),
            submit=lambda: self._submit(context, request),
            find_existing=lambda _reference: find_unconfirmed(context, self.hook, request),
            is_reusable=lambda job_id: self._reusable(job_id, request),
        )
        job_id = result.job_id
        context["ti"].xcom_push(key=JOB_ID_XCOM_KEY, value=job_id)
        self.log.info("BlendVision dubbing job %s (%s, %s)", job_id, request.lang_code, result.how)
        if not self.wait_for_completion:
            return self._result(job_id, request.lang_code, None, None)
        return self.wait_for(
            context,
            check=lambda: job_outcome(self.hook.get_dubbing_job(job_id)),
            trigger=lambda: BlendVisionDubbingJobTrigger(
                job_id=job_id, conn_id=self.blendvision_conn_id, **self.poll_schedule()
            ),
            ids={"job_id": job_id},
        )

    def _result(
        self, job_id: str, lang_code: str | None, output_file_id: str | None, status: str | None
    ) -> dict[str, Any]:
        return {
            "locale": locale_of(lang_code) or self.target_language,
            "lang_code": lang_code,
            "job_id": job_id,
            "source_file_id": self.source_file_id,
            "output_file_id": output_file_id,
            "status": status,
        }

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = raise_for_job_event(event)
        return self._result(
            event["job_id"],
            event.get("lang_code"),
            event.get("output_file_id"),
            event.get("vendor_status") or DubbingStatus.SUCCEEDED.value,
        )


class BlendVisionDownloadOutputOperator(DeliveryLineageMixin, BlendVisionBaseOperator):
    """Save a SUCCEEDED job's dubbed file into `output_dir` (as `video.mp4`), verified, via `:download`.

    Returns the per-language result a DAG's manifest reads: `{"locale", "job_id", "output_file_id",
    "files": [StoredFile.to_dict()], "downloaded_at"}`. The signed link is fetched here and never stored.

    :param job_id: the SUCCEEDED dubbing job.
    :param output_dir: the folder (path or object-storage URI) the file goes to.
    :param locale: the language, for the result (default: the job's).
    :param lineage_source: the source video the files were made from (templated): the OpenLineage input;
        default: the vendor job.
    :param blendvision_conn_id: the BlendVision connection (default `blendvision_default`).
    """

    template_fields: Sequence[str] = ("job_id", "output_dir", "locale", "file_stem", "lineage_source")
    operator_extra_links = (BlendVisionDubbingJobLink(),)

    def __init__(
        self,
        *,
        job_id: str,
        output_dir: str,
        locale: str | None = None,
        file_stem: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.output_dir = output_dir
        self.locale = locale
        self.file_stem = file_stem  # `<file_stem>.mp4` instead of `video.mp4`

    def execute(self, context: Any) -> dict[str, Any]:
        job = self.hook.get_dubbing_job(self.job_id)
        if job.status is not DubbingStatus.SUCCEEDED or not job.output_file_id:
            detail = f": {job.failure_text()}" if job.status is DubbingStatus.FAILED else ""
            raise AirflowException(
                f"dubbing job {self.job_id} is {job.status.value}{detail}: only a SUCCEEDED job with an "
                "output file can be downloaded"
            )
        stem = self.file_stem or ("audio" if job.source_type == DubbingSourceType.AUDIO else "video")
        stored, link = download_library_file(
            self.hook, job.output_file_id, as_storage_path(self.output_dir), stem
        )
        self.log.info("Saved %s (vendor file %s, %s)", stored.uri, job.output_file_id, link.download_filename)
        result = {
            "locale": self.locale or locale_of(job.lang_code),
            "job_id": job.id,
            "output_file_id": job.output_file_id,
            "files": [stored.to_dict()],
            "downloaded_at": datetime.now(UTC).isoformat(),
        }
        self.remember_delivery(
            self.vendor,
            {"job_id": job.id, "output_file_id": job.output_file_id, "locale": result["locale"]},
            result["files"],
            job_url=self.hook.dubbing_job_url(job.id),
        )
        return result
