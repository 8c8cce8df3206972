"""BlendVision behind the `DubbingVendor` protocol: one library upload for the group, one dubbing job per
language (the document's `outputs` MaxItems is 1), one download per language.

Built on BlendVision's own operators: `BlendVisionUploadSourceOperator` (uploaded once per task
instance), `BlendVisionDubbingJobOperator` (client-chosen job id: a retry reattaches),
`BlendVisionDownloadOutputOperator`.
BlendVision dubs only files in its library, so an http(s) source is fetched here first and uploaded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from video_localization.blendvision.operators import BlendVisionUploadSourceOperator
from video_localization.core.dubbing import DubRequest, StepSpec
from video_localization.core.errors import InvalidInputError, VendorError
from video_localization.core.languages import vendor_languages

VENDOR = "blendvision"

#: `error_infos[].reason` values of a failed job that say the *input* is wrong (the source's media or the
#: interval): another vendor would most often fail it too, so fallback never moves these. Other reasons
#: count as vendor-side. A guess: the document publishes no list of job failure reasons; these are the
#: ones the sandbox derives from real media properties.
INPUT_FAILURE_REASONS = frozenset(
    {
        "SOURCE_MEDIA_UNSUPPORTED",
        "SOURCE_VIDEO_MISSING",
        "SOURCE_AUDIO_MISSING",
        "NO_SPEECH_DETECTED",
        "INTERVAL_OUT_OF_RANGE",
        "FIELD_VIOLATION",
    }
)
#: The largest http(s) source fetched for an upload (the library's own upload limit is checked after).
FETCH_LIMIT_BYTES = 5 * 1024**3


class FetchAndUploadSourceOperator(BlendVisionUploadSourceOperator):
    """`BlendVisionUploadSourceOperator` that also takes an http(s) URL: fetched to a temporary file
    (streamed, size-limited), uploaded, then removed. A path or storage URI is uploaded as it is."""

    def execute(self, context: Any) -> dict[str, Any]:
        source = str(self.source_path)
        if not source.startswith(("http://", "https://")):
            return super().execute(context)
        with tempfile.TemporaryDirectory(prefix="vloc-blendvision-") as folder:
            name = PurePosixPath(urlparse(source).path).name or "source.mp4"
            local = Path(folder) / name
            _fetch(source, local)
            self.source_path, self.file_name = str(local), self.file_name or name
            try:
                return super().execute(context)
            finally:
                self.source_path = source


def _fetch(url: str, destination: Path) -> None:
    import httpx

    with httpx.stream("GET", url, follow_redirects=True, timeout=60) as response:
        if response.status_code != 200:
            raise InvalidInputError(
                "source", url, "an http(s) URL that answers 200", f"HTTP {response.status_code}"
            )
        size = 0
        with destination.open("wb") as out:
            for chunk in response.iter_bytes(1024 * 1024):
                size += len(chunk)
                if size > FETCH_LIMIT_BYTES:
                    raise InvalidInputError("source", url, f"at most {FETCH_LIMIT_BYTES} bytes", "too large")
                out.write(chunk)


class BlendVisionAdapter:
    name = VENDOR
    gives_subtitles = False

    def refusal(self, request: DubRequest, target: str) -> str | None:
        languages = vendor_languages(VENDOR)
        source = languages.get(request.source_language)
        if source is None or not source.source:
            return f"does not dub from {request.source_language}"
        language = languages.get(target)
        if language is None or not language.target:
            return f"does not dub into {target}"
        if language.tag == source.tag:
            return "same language as the source"
        if request.review:
            return "has no human review"
        if request.lipsync:
            return "does not lip-sync"
        if request.subtitles:
            return "gives no subtitle file to convert captions from"
        return None

    def plan_options(self, request: DubRequest, targets: list[str]) -> dict[str, Any]:
        from video_localization.blendvision.validation import (
            validate_interval,
            validate_source_language,
            validate_targets,
            validate_upload,
        )
        from video_localization.core.validation import Checks, as_field

        checks = Checks()
        if request.source_kind == "path":  # a URL is fetched at prepare and named `source.mp4`
            # The library's checks (size, extension) blame its own fields: the user wrote `source`.
            with checks.field(), as_field("source", request.conf.get("source"), ("source_path", "file_name")):
                validate_upload(source_path=request.source)
        language = checks.run(validate_source_language, request.source_language)
        checks.run(validate_targets, language.tag if language else None, targets)
        checks.run(validate_interval, request.conf.get("start_time"), request.conf.get("end_time"))
        checks.raise_if_any()
        return {"start_time": request.conf.get("start_time"), "end_time": request.conf.get("end_time")}

    def prepare(self, spec: StepSpec) -> Any:
        return FetchAndUploadSourceOperator(task_id="prepare_blendvision", source_path=spec.group["source"])

    def language_ids(self, prepared: Mapping[str, Any], locale: str) -> dict[str, Any]:
        if not prepared.get("file_id"):
            raise VendorError(VENDOR, f"the upload answered no library file id: {dict(prepared)}")
        return {"source_file_id": prepared["file_id"]}

    def dub(self, spec: StepSpec) -> Any:
        from video_localization.blendvision.operators import BlendVisionDubbingJobOperator

        job = spec.job
        return BlendVisionDubbingJobOperator(
            task_id="dub_blendvision",
            source_file_id=job["ids"]["source_file_id"],
            source_language=job["source_language"],
            target_language=job["locale"],
            start_time=spec.options.get("start_time"),
            end_time=spec.options.get("end_time"),
            **spec.operator_kwargs,
        )

    def deliver(self, spec: StepSpec) -> Any:
        from video_localization.blendvision.operators import BlendVisionDownloadOutputOperator

        job = spec.job
        return BlendVisionDownloadOutputOperator(
            task_id="deliver_blendvision",
            job_id=job["ids"]["job_id"],
            output_dir=job["output_dir"],
            locale=job["locale"],
            file_stem=job["file_stem"],
            lineage_source=job.get("lineage_source"),  # the run's source (redacted): the OpenLineage input
        )

    def vendor_side(self, failure: VendorError) -> bool:
        reasons = {str(failure.code or "")}
        for info in failure.details or [] if isinstance(failure.details, list) else []:
            if isinstance(info, Mapping):
                reasons.add(str(info.get("reason") or ""))
        if reasons & INPUT_FAILURE_REASONS:
            return False
        if failure.code is None and failure.status_code is not None:
            return failure.status_code >= 500
        return True


ADAPTER = BlendVisionAdapter()
