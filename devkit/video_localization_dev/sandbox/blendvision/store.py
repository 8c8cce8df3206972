"""The emulator's memory: library files (with their multipart uploads) and dubbing jobs.

Job status is a pure function of time since creation (`Sandbox.stages_elapsed`), advanced lazily on
every read; the dubbed output becomes a new library file the moment a job is first seen SUCCEEDED.
All access goes through `Sandbox.lock`, since uvicorn may serve requests on several threads.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from video_localization_dev.sandbox.blendvision.constants import (
    DEFAULT_PART_SIZE_BYTES,
    ERROR_DOMAIN,
    JOB_STAGES_CREATED,
    JOB_STAGES_PROCESSING,
    MULTIPART_THRESHOLD_BYTES,
    OUTPUT_FILENAME_TEMPLATE,
    STATUS_CREATED,
    STATUS_FAILED,
    STATUS_PROCESSING,
    STATUS_SUCCEEDED,
)
from video_localization_dev.sandbox.media import MediaInfo, probe_bytes
from video_localization_dev.sandbox.state import Sandbox


def rfc3339(moment: datetime) -> str:
    """A protobuf Timestamp in JSON: UTC, `Z`, fractional digits only when non-zero (3 or 6)."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros:
        text += f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return text + "Z"


@dataclass
class UploadPart:
    number: int
    length: int  # the byte count this part has in the server's own layout (`part_size_bytes` each)
    data: bytes | None = None
    etag: str | None = None  # hex MD5 of the data, without quotes


@dataclass
class LibraryFile:
    id: str
    name: str
    type: str
    source: str
    size: int
    created_at: datetime
    upload_id: str | None = None
    parts: dict[int, UploadPart] = field(default_factory=dict)
    data: bytes | None = None  # set once the upload is completed
    media: MediaInfo | None = None  # probed once, on first use

    @property
    def completed(self) -> bool:
        return self.data is not None

    def probe(self) -> MediaInfo:
        """What the completed file holds (duration, tracks, speech), read from its bytes."""
        assert self.data is not None
        if self.media is None:
            self.media = probe_bytes(self.data)
        return self.media

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "source": self.source,
            "size": str(self.size),  # int64 in proto3 JSON is a string
        }


@dataclass
class JobFailure:
    reason: str
    metadata: dict[str, str]

    def wire(self) -> dict[str, Any]:
        return {"reason": self.reason, "domain": ERROR_DOMAIN, "metadata": self.metadata}


@dataclass
class DubbingJob:
    id: str
    source_type: str
    source_id: str
    source_lang_code: str
    interval: tuple[str, str] | None  # normalized decimal strings
    lang_code: str
    created_at: datetime
    started_at: float  # time.monotonic() at creation
    seq: int
    failure: JobFailure | None  # decided from the source media; revealed when processing ends
    source_file: LibraryFile
    output_file_id: str = ""

    def wire(self, status: str) -> dict[str, Any]:
        interval = None
        if self.interval is not None:
            interval = {"start": {"value": self.interval[0]}, "end": {"value": self.interval[1]}}
        return {
            "id": self.id,
            "source_type": self.source_type,
            "source_id": self.source_id,
            "source_lang_code": self.source_lang_code,
            "interval_sec": interval,
            "outputs": [{"id": self.output_file_id, "lang_code": self.lang_code}],
            "status": status,
            "error_infos": [self.failure.wire()] if status == STATUS_FAILED and self.failure else [],
            "created_at": rfc3339(self.created_at),
        }


class BlendVisionStore:
    """Files, uploads and jobs of the one sandbox organization."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.files: dict[str, LibraryFile] = {}
        self.jobs: dict[str, DubbingJob] = {}
        self.uploads: dict[str, str] = {}  # upload id -> file id
        self.part_size_bytes = DEFAULT_PART_SIZE_BYTES
        self.multipart_threshold_bytes = MULTIPART_THRESHOLD_BYTES
        self._seq = itertools.count()

    def reset(self) -> None:
        with self.sandbox.lock:
            self.files.clear()
            self.jobs.clear()
            self.uploads.clear()
            self.part_size_bytes = DEFAULT_PART_SIZE_BYTES
            self.multipart_threshold_bytes = MULTIPART_THRESHOLD_BYTES

    # -- files ------------------------------------------------------------------------------------
    def add_file(self, file: LibraryFile) -> None:
        with self.sandbox.lock:
            self.files[file.id] = file
            if file.upload_id:
                self.uploads[file.upload_id] = file.id

    def new_job(self, **fields: Any) -> DubbingJob:
        with self.sandbox.lock:
            job = DubbingJob(
                created_at=datetime.now(UTC), started_at=time.monotonic(), seq=next(self._seq), **fields
            )
            self.jobs[job.id] = job
            return job

    # -- job state machine --------------------------------------------------------------------------
    def status(self, job: DubbingJob) -> str:
        """The job's status now; creates the output file on the first SUCCEEDED read."""
        stage = self.sandbox.stages_elapsed(job.started_at)
        if stage < JOB_STAGES_CREATED:
            return STATUS_CREATED
        if stage < JOB_STAGES_CREATED + JOB_STAGES_PROCESSING:
            return STATUS_PROCESSING
        if job.failure is not None:
            return STATUS_FAILED
        with self.sandbox.lock:
            if not job.output_file_id:
                job.output_file_id = self._make_output(job).id
        return STATUS_SUCCEEDED

    def _make_output(self, job: DubbingJob) -> LibraryFile:
        source = job.source_file
        path = PurePosixPath(source.name)
        name = OUTPUT_FILENAME_TEMPLATE.format(stem=path.stem or "dubbed", lang_code=job.lang_code)
        output = LibraryFile(
            id=str(uuid.uuid4()),
            name=name,
            type=source.type,
            source=source.source,
            size=source.size,
            created_at=datetime.now(UTC),
            data=source.data,
            media=source.media,
        )
        self.files[output.id] = output
        return output

    def job_wire(self, job: DubbingJob) -> dict[str, Any]:
        status = self.status(job)
        with self.sandbox.lock:
            return job.wire(status)
