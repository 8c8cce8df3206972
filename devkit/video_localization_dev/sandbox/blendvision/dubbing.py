"""Dubbing jobs: create (fully validated), get, and a paginated list.

Validation follows the document: `dubbing_job` with `source_type` (enum), `source_id` (a completed
library file), `source_lang_code` and `outputs[].lang_code` (ISO 639-1 or ISO 639-1+ISO 3166-1),
exactly one output, and an optional `interval_sec` of google.type.Decimal strings that must lie
inside the source media's duration (read from the file's own bytes). Whether a job fails, and why,
is decided by the source media too: not a media file, no video stream for a VIDEO job, no audio
track, or an audio track without speech.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from video_localization_dev.sandbox.blendvision.body import Violations, read_json_object
from video_localization_dev.sandbox.blendvision.constants import (
    CLIENT_JOB_ID_PATTERN,
    DECIMAL_MAX_SCALE,
    DECIMAL_REJECT_EXCESS_SCALE,
    DEFAULT_ITEMS_PER_PAGE,
    DUPLICATE_JOB_REASON,
    DUPLICATE_JOB_STATUS,
    INTERVAL_REQUIRES_BOTH_ENDS,
    MAX_ITEMS_PER_PAGE,
    OUTPUTS_MAX_ITEMS,
    REASON_DUBBING_FAILED,
    REASON_INTERVAL_OUT_OF_RANGE,
    REASON_NO_SPEECH_DETECTED,
    REASON_NOT_FOUND,
    REASON_SOURCE_AUDIO_MISSING,
    REASON_SOURCE_MEDIA_UNSUPPORTED,
    REASON_SOURCE_VIDEO_MISSING,
    REJECT_SAME_SOURCE_AND_TARGET,
    SOURCE_TYPES,
    STATUSES,
    VENDOR,
)
from video_localization_dev.sandbox.blendvision.decimal_string import (
    DecimalString,
    DecimalSyntaxError,
    parse_decimal_string,
)
from video_localization_dev.sandbox.blendvision.iso_codes import lang_code_problem
from video_localization_dev.sandbox.blendvision.library import file_not_found, file_not_uploaded
from video_localization_dev.sandbox.blendvision.rpc_errors import FieldViolation, GrpcCode, RpcError
from video_localization_dev.sandbox.blendvision.store import BlendVisionStore, JobFailure, LibraryFile
from video_localization_dev.sandbox.media import MediaInfo

# Fields of a DubbingJob; the output-only ones are accepted on create and ignored (AIP-203).
_JOB_FIELDS = (
    "id",
    "source_type",
    "source_id",
    "source_lang_code",
    "interval_sec",
    "outputs",
    "status",
    "error_infos",
    "created_at",
)
_DUPLICATE_CODE = GrpcCode.ALREADY_EXISTS if DUPLICATE_JOB_STATUS == 409 else GrpcCode.INVALID_ARGUMENT


def _decimal_field(interval: dict[str, Any], key: str, v: Violations) -> DecimalString | None:
    path = f"dubbing_job.interval_sec.{key}"
    holder = v.message(interval, key, path, required=INTERVAL_REQUIRES_BOTH_ENDS)
    if holder is None:
        return None
    v.unknown_fields(holder, ("value",), f"{path}.")
    raw = holder.get("value")
    if raw is None or raw == "":
        v.add(f"{path}.value", 'is required (a decimal string such as "2.5")')
        return None
    try:
        parsed = parse_decimal_string(raw)
    except DecimalSyntaxError as exc:
        v.add(f"{path}.value", f"{raw!r} is not a decimal string: {exc}")
        return None
    if parsed.value < 0:
        v.add(f"{path}.value", f"{raw!r} is out of range: seconds must not be negative")
        return None
    if DECIMAL_REJECT_EXCESS_SCALE and parsed.scale_exceeds(DECIMAL_MAX_SCALE):
        v.add(
            f"{path}.value",
            f"{raw!r} has more than {DECIMAL_MAX_SCALE} digits after the decimal point "
            "(the supported precision is milliseconds)",
        )
        return None
    return parsed


def _interval(job: dict[str, Any], v: Violations) -> tuple[DecimalString, DecimalString] | None:
    interval = v.message(job, "interval_sec", "dubbing_job.interval_sec", required=False)
    if interval is None:
        return None
    v.unknown_fields(interval, ("start", "end"), "dubbing_job.interval_sec.")
    start = _decimal_field(interval, "start", v)
    end = _decimal_field(interval, "end", v)
    if start is None or end is None:
        return None  # each missing or bad end has been noted
    if start.value >= end.value:
        v.add(
            "dubbing_job.interval_sec", f"start ({start.normalized}) must be less than end ({end.normalized})"
        )
        return None
    return start, end


def _output_lang(job: dict[str, Any], source_lang: str | None, v: Violations) -> str | None:
    outputs = job.get("outputs")
    if outputs is None:
        v.add("dubbing_job.outputs", "is required")
        return None
    if not isinstance(outputs, list):
        v.add("dubbing_job.outputs", f"must be a list, got {type(outputs).__name__}")
        return None
    if not outputs:
        v.add("dubbing_job.outputs", "must have exactly one item")
        return None
    if len(outputs) > OUTPUTS_MAX_ITEMS:
        v.add(
            "dubbing_job.outputs",
            f"has {len(outputs)} items; the maximum number of items is {OUTPUTS_MAX_ITEMS}",
        )
        return None
    output = outputs[0]
    if not isinstance(output, dict):
        v.add("dubbing_job.outputs[0]", "must be an object")
        return None
    v.unknown_fields(output, ("id", "lang_code"), "dubbing_job.outputs[0].")
    lang = v.string(output, "lang_code", "dubbing_job.outputs[0].lang_code", required=True)
    if lang is None:
        return None
    problem = lang_code_problem(lang)
    if problem:
        v.add("dubbing_job.outputs[0].lang_code", problem)
        return None
    if REJECT_SAME_SOURCE_AND_TARGET and lang == source_lang:
        v.add("dubbing_job.outputs[0].lang_code", "must differ from dubbing_job.source_lang_code")
        return None
    return lang


def failure_for(media: MediaInfo, source_type: str, file: LibraryFile) -> JobFailure | None:
    """Why dubbing this source will fail, read from its media properties, or None if it will not."""
    meta = {"sourceId": file.id, "sourceType": source_type}
    if not media.is_mp4:
        return JobFailure(REASON_SOURCE_MEDIA_UNSUPPORTED, {**meta, "fileName": file.name})
    if source_type == "DUBBING_SOURCE_TYPE_VIDEO" and not media.has_video:
        return JobFailure(REASON_SOURCE_VIDEO_MISSING, meta)
    if not media.has_audio:
        return JobFailure(REASON_SOURCE_AUDIO_MISSING, meta)
    if not media.has_speech:
        return JobFailure(REASON_NO_SPEECH_DETECTED, {**meta, "durationSec": f"{media.duration_seconds:g}"})
    return None


def _job_not_found(job_id: str) -> RpcError:
    return RpcError(
        GrpcCode.NOT_FOUND,
        f"dubbing job {job_id!r} not found",
        REASON_NOT_FOUND,
        metadata={"resource": "dubbing_job", "id": job_id},
    )


class DubbingJobs:
    def __init__(self, store: BlendVisionStore) -> None:
        self.store = store
        self.sandbox = store.sandbox

    def add_routes(self, api: APIRouter) -> None:
        api.add_api_route("/dubbing-jobs", self.create, methods=["POST"])
        api.add_api_route("/dubbing-jobs", self.list_jobs, methods=["GET"])
        api.add_api_route("/dubbing-jobs/{job_id}", self.get, methods=["GET"])

    # -- POST /bv/cms/v1/dubbing-jobs ------------------------------------------------------------------
    async def create(self, request: Request) -> JSONResponse:
        body = await read_json_object(request)
        v = Violations()
        v.unknown_fields(body, ("dubbing_job",), "")
        job = v.message(body, "dubbing_job", "dubbing_job", required=True)
        if job is None:
            v.raise_if_any("request")
            raise AssertionError("unreachable")
        v.unknown_fields(job, _JOB_FIELDS, "dubbing_job.")
        job_id = v.string(job, "id", "dubbing_job.id", required=False)
        if job_id is not None and not CLIENT_JOB_ID_PATTERN.fullmatch(job_id):
            v.add("dubbing_job.id", f"{job_id!r} must match {CLIENT_JOB_ID_PATTERN.pattern}")
        source_type = v.enum(job, "source_type", "dubbing_job.source_type", SOURCE_TYPES)
        source_id = v.string(job, "source_id", "dubbing_job.source_id", required=True)
        source_lang = v.string(job, "source_lang_code", "dubbing_job.source_lang_code", required=True)
        if source_lang is not None and (problem := lang_code_problem(source_lang)):
            v.add("dubbing_job.source_lang_code", problem)
        interval = _interval(job, v)
        lang = _output_lang(job, source_lang, v)
        v.raise_if_any("dubbing_job")
        assert source_type and source_id and source_lang and lang

        with self.sandbox.lock:
            if job_id is not None and job_id in self.store.jobs:
                raise RpcError(
                    _DUPLICATE_CODE,
                    f"dubbing job {job_id!r} already exists",
                    DUPLICATE_JOB_REASON,
                    metadata={"resource": "dubbing_job", "id": job_id},
                )
            source = self.store.files.get(source_id)
            if source is None:
                raise file_not_found(source_id)
            if not source.completed:
                raise file_not_uploaded(source)
            media = source.probe()
            if interval is not None:
                self._check_within(interval[1], media)
            created = self.store.new_job(
                id=job_id or str(uuid.uuid4()),
                source_type=source_type,
                source_id=source_id,
                source_lang_code=source_lang,
                interval=(interval[0].normalized, interval[1].normalized) if interval else None,
                lang_code=lang,
                failure=failure_for(media, source_type, source) or self._injected(lang, source),
                source_file=source,
            )
        self.sandbox.record_created(VENDOR, "dubbing_job")
        return JSONResponse({"dubbing_job": self.store.job_wire(created)})

    def _injected(self, lang: str, source: LibraryFile) -> JobFailure | None:
        """An injected vendor-side failure (`Sandbox.take_job_fault`), as a FAILED job's error info."""
        if not self.sandbox.take_job_fault(VENDOR, lang):
            return None
        return JobFailure(REASON_DUBBING_FAILED, {"sourceId": source.id, "langCode": lang})

    @staticmethod
    def _check_within(end: DecimalString, media: MediaInfo) -> None:
        """The interval must end inside the media (unknown for unreadable files: those fail later)."""
        if not media.is_mp4 or media.duration_seconds <= 0:
            return
        duration = Decimal(str(media.duration_seconds))
        if end.value > duration:
            raise RpcError(
                GrpcCode.INVALID_ARGUMENT,
                f"dubbing_job.interval_sec.end ({end.normalized}) is beyond the source duration "
                f"of {duration} seconds",
                REASON_INTERVAL_OUT_OF_RANGE,
                metadata={"sourceDurationSec": str(duration)},
                violations=[
                    FieldViolation("dubbing_job.interval_sec.end.value", f"must be at most {duration}")
                ],
            )

    # -- GET /bv/cms/v1/dubbing-jobs/{id} --------------------------------------------------------------
    async def get(self, job_id: str) -> JSONResponse:
        with self.sandbox.lock:
            job = self.store.jobs.get(job_id)
        if job is None:
            raise _job_not_found(job_id)
        return JSONResponse({"dubbing_job": self.store.job_wire(job)})

    # -- GET /bv/cms/v1/dubbing-jobs -------------------------------------------------------------------
    async def list_jobs(self, request: Request) -> JSONResponse:
        query = request.query_params
        v = Violations()
        page = v.integer(dict(query), "current_page", "current_page", required=False) or 1
        per_page = v.integer(dict(query), "items_per_page", "items_per_page", required=False) or (
            DEFAULT_ITEMS_PER_PAGE
        )
        if page < 1:
            v.add("current_page", "must be at least 1")
        if not 1 <= per_page <= MAX_ITEMS_PER_PAGE:
            v.add("items_per_page", f"must be between 1 and {MAX_ITEMS_PER_PAGE}")
        status = query.get("filter.status") or None
        if status is not None and status not in STATUSES:
            v.add("filter.status", f"{status!r} is not one of {', '.join(STATUSES)}")
        source_id = query.get("filter.source_id") or None
        v.raise_if_any("list request")

        with self.sandbox.lock:
            jobs = sorted(self.store.jobs.values(), key=lambda j: j.seq, reverse=True)
        items = [self.store.job_wire(job) for job in jobs]
        if status is not None:
            items = [item for item in items if item["status"] == status]
        if source_id is not None:
            items = [item for item in items if item["source_id"] == source_id]
        start = (page - 1) * per_page
        return JSONResponse(
            {
                "dubbing_jobs": items[start : start + per_page],
                "page": {"items_per_page": per_page, "current_page": page, "total_items": len(items)},
            }
        )
