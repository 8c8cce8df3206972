"""Panjaya behind the `DubbingVendor` protocol: one asset for the group (its versions are the languages),
generation per language (after an optional human review), download per language.

Built on Panjaya's own operators: `PanjayaAssetFromSourceOperator` (submit once, wait for the versions),
`PanjayaGenerateVersionOperator` (a version already generating is reattached to, never generated twice),
`PanjayaDownloadVersionOperator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from video_localization.core.dubbing import DubRequest, StepSpec, failure_code
from video_localization.core.errors import VendorError, VendorJobFailed
from video_localization.core.languages import vendor_languages

VENDOR = "panjaya"

#: Panjaya's documented error codes that say the *input* is wrong (the asset error list of its document,
#: plus the version's invalid user SRT): another vendor would fail the same way, so fallback never moves
#: these. Any other failure (a generation that failed, an unknown code) counts as vendor-side.
#: A guess where the document is silent: it names no code for a failed generation; the sandbox uses
#: `generation_failed`.
INPUT_ERROR_CODES = frozenset(
    {
        "invalid_input",
        "unsupported_media",
        "empty_transcript",
        "missing_audio_track",
        "time_out_of_range",
        "video_size_limit_reached",
        "invalid_srt",
    }
)


class PanjayaAdapter:
    name = VENDOR
    gives_subtitles = True

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
        return None  # lip-synced always; review, interval and SRT subtitles are all Panjaya's

    def plan_options(self, request: DubRequest, targets: list[str]) -> dict[str, Any]:
        from video_localization.panjaya.validation import validate_asset_options

        conf = request.conf
        options = validate_asset_options(
            source_locale=request.source_language,
            target_locales=targets,
            speakers_count=conf.get("speakers_count"),
            start_time=conf.get("start_time"),
            end_time=conf.get("end_time"),
            lips_model=conf.get("lips_model"),
            voice_anonymization=conf.get("voice_anonymization"),
        )
        return {
            "speakers_count": options.speakers_count,
            "start_time": options.start_time,
            "end_time": options.end_time,
            "lips_model": options.lips_model.value if options.lips_model else None,
            "voice_anonymization": options.voice_anonymization,
        }

    def prepare(self, spec: StepSpec) -> Any:
        from video_localization.panjaya.operators import PanjayaAssetFromSourceOperator

        group, options = spec.group, spec.options
        return PanjayaAssetFromSourceOperator(
            task_id="prepare_panjaya",
            source=group["source"],
            source_locale=group["source_language"],
            target_locales=list(group["locales"]),
            asset_name=group.get("title"),
            speakers_count=options.get("speakers_count"),
            start_time=options.get("start_time"),
            end_time=options.get("end_time"),
            lips_model=options.get("lips_model"),
            voice_anonymization=options.get("voice_anonymization"),
            **spec.operator_kwargs,
        )

    def language_ids(self, prepared: Mapping[str, Any], locale: str) -> dict[str, Any]:
        version = (prepared.get("versions") or {}).get(locale)
        if not version:
            raise VendorError(
                VENDOR,
                f"asset {prepared.get('asset_id')} has no version for {locale}: {prepared.get('versions')}",
            )
        return {"asset_id": prepared.get("asset_id"), "version_id": version}

    def dub(self, spec: StepSpec) -> Any:
        from video_localization.panjaya.operators import PanjayaGenerateVersionOperator

        return PanjayaGenerateVersionOperator(
            task_id="dub_panjaya",
            version_id=spec.job["ids"]["version_id"],
            locale=spec.job["locale"],
            **spec.operator_kwargs,
        )

    def deliver(self, spec: StepSpec) -> Any:
        from video_localization.panjaya.operators import PanjayaDownloadVersionOperator

        job = spec.job
        return PanjayaDownloadVersionOperator(
            task_id="deliver_panjaya",
            version_id=job["ids"]["version_id"],
            output_dir=job["output_dir"],
            locale=job["locale"],
            file_stem=job["file_stem"],
            lineage_source=job.get("lineage_source"),  # the run's source (redacted): the OpenLineage input
        )

    def vendor_side(self, failure: VendorError) -> bool:
        if not isinstance(failure, VendorJobFailed) and not failure.code:
            return not failure.status_code or failure.status_code >= 500
        code = failure_code(failure)
        text = f"{code} {failure.message}"
        return not any(input_code in text for input_code in INPUT_ERROR_CODES)


ADAPTER = PanjayaAdapter()
