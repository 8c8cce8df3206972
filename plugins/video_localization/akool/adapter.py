"""Akool behind the `DubbingVendor` protocol: one translate request for the group (one paid job per
language), a wait per language, a download per language.

Built on Akool's own operators: `AkoolTranslateVideoOperator` submits once per language (prepare, without
waiting) and, given the job ids, reattaches to one language's job and waits for it (dub);
`AkoolDownloadTranslationOperator` saves it (deliver). Akool fetches the source itself: http(s) only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from video_localization.core.dubbing import DubRequest, StepSpec, failure_code
from video_localization.core.errors import VendorError
from video_localization.core.languages import vendor_languages

VENDOR = "akool"

#: Akool business codes that say the *input* is wrong (its document's 1003 and 1200-1210 list): a video
#: that cannot be downloaded, has no speech or audio, is too long, too large, badly encoded or too fast.
#: Another vendor would most often fail it too, so fallback never moves these; other codes (and a failed
#: job without a code) count as vendor-side. A guess: Akool publishes no meaning for failed-job codes.
INPUT_ERROR_CODES = frozenset({"1003", "1201", "1203", "1204", "1207", "1209", "1210"})


class AkoolAdapter:
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
        if request.source_kind != "url":
            return "fetches the video itself: needs an http(s) source"
        if request.review:
            return "has no human review"
        if request.interval:
            return "dubs no start_time/end_time interval"
        if request.subtitles:
            return "gives no subtitle file to convert captions from"
        return None

    def plan_options(self, request: DubRequest, targets: list[str]) -> dict[str, Any]:
        from video_localization.akool.validation import validate_translation

        plan = validate_translation(
            source_url=request.source,
            source_locale=request.source_language,
            target_locales=targets,
            lipsync=bool(request.conf.get("lipsync")),
            face_enhance=bool(request.conf.get("face_enhance")),
        )
        return {"lipsync": plan.lipsync, "face_enhance": plan.face_enhance}

    def _translate(self, spec: StepSpec, locales: list[str], **extra: Any) -> Any:
        from video_localization.akool.operators import AkoolTranslateVideoOperator

        group = spec.group or spec.job
        return AkoolTranslateVideoOperator(
            source_url=group["source"],
            source_locale=group["source_language"],
            target_locales=locales,
            lipsync=bool(spec.options.get("lipsync")),
            face_enhance=bool(spec.options.get("face_enhance")),
            **spec.operator_kwargs,
            **extra,
        )

    def prepare(self, spec: StepSpec) -> Any:
        """One request, one paid job per language; returns the job ids without waiting."""
        return self._translate(
            spec, list(spec.group["locales"]), task_id="prepare_akool", wait_for_completion=False
        )

    def language_ids(self, prepared: Mapping[str, Any], locale: str) -> dict[str, Any]:
        job_id = (prepared.get("video_model_ids") or {}).get(locale)
        if not job_id:
            raise VendorError(
                VENDOR, f"no Akool job was created for {locale}: {prepared.get('video_model_ids')}"
            )
        return {"video_model_id": job_id}

    def dub(self, spec: StepSpec) -> Any:
        """Reattach to the language's job (given its id: nothing is created) and wait for it."""
        locale = spec.job["locale"]
        return self._translate(
            spec,
            [locale],
            task_id="dub_akool",
            video_model_ids={locale: spec.job["ids"]["video_model_id"]},
        )

    def deliver(self, spec: StepSpec) -> Any:
        from video_localization.akool.operators import AkoolDownloadTranslationOperator

        job = spec.job
        return AkoolDownloadTranslationOperator(
            task_id="deliver_akool",
            video_model_id=job["ids"]["video_model_id"],
            output_dir=job["output_dir"],
            locale=job["locale"],
            file_stem=job["file_stem"],
            lineage_source=job.get("lineage_source"),  # the run's source (redacted): the OpenLineage input
        )

    def vendor_side(self, failure: VendorError) -> bool:
        code = failure_code(failure)
        if code:
            return code not in INPUT_ERROR_CODES
        return failure.status_code is None or failure.status_code >= 500


ADAPTER = AkoolAdapter()
