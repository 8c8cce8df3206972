"""localize_video: one source video -> a dubbed video (and subtitles) per target language, plus a manifest.

plan (validate everything, no vendor call) -> the chosen dubbing vendor's branch:

- panjaya: asset (create or upload, wait for the versions) -> per language [optional human review ->
  generate -> download]
- akool: translate (one job per language, one request) -> per language download
- blendvision: upload the source to the library -> per language [dubbing job -> download]

-> captions per language (the source's too) and format: converted here from the vendor's SRT, or from a
Rev order per language -> manifest.json (every file, checksum, vendor ids, timings) -> notification.

Wiring only: the logic lives in `video_localization.pipelines.localize` and the vendors' operators.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, TriggerRule, dag, task, task_group
from airflow.sdk.exceptions import AirflowFailException

from video_localization.akool.operators import AkoolDownloadTranslationOperator, AkoolTranslateVideoOperator
from video_localization.blendvision.operators import (
    BlendVisionDownloadOutputOperator,
    BlendVisionDubbingJobOperator,
    BlendVisionUploadSourceOperator,
)
from video_localization.core.captions.operators import ConvertCaptionsOperator
from video_localization.core.config import float_setting
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.lazy import ImportOnRunOperator
from video_localization.core.links import attach_manifest_link
from video_localization.notifications import RunFailureNotifier
from video_localization.panjaya.operators import (
    PanjayaAssetFromSourceOperator,
    PanjayaDownloadVersionOperator,
    PanjayaGenerateVersionOperator,
)
from video_localization.panjaya.review import PanjayaReviewOperator
from video_localization.pipelines import localize
from video_localization.rev.operators import RevCaptionOrderOperator, RevDownloadCaptionsOperator

MANIFESTS = Asset(name="localized_video_manifests", uri="file:///video-localization/manifests")

# How often the triggerer asks the vendor, from quick to slow (seconds); the demo and tests shorten it.
POLL = {
    "poll_interval": float_setting("poll_interval"),
    "max_poll_interval": float_setting("max_poll_interval"),
}


@dag(
    dag_id="localize_video",
    schedule=None,
    catchup=False,
    params=localize.params(),
    tags=["video-localization", "dubbing"],
    doc_md=__doc__,
    max_active_tasks=16,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True},
    on_failure_callback=RunFailureNotifier(),
)
def localize_video() -> None:
    @task(retries=0)
    def plan(**context: Any) -> dict[str, Any]:
        """Validate the whole request before any vendor call; a bad request fails here, never retried."""
        try:
            return localize.build_plan(dict(context["params"]), context["run_id"])
        except (InvalidInputError, InvalidInputs) as error:
            raise AirflowFailException(f"Invalid request: {error}") from error

    planned = plan()

    @task.branch
    def dubbing_vendor(plan: dict[str, Any]) -> str:
        return localize.VENDOR_TASKS[plan["vendor"]]["ids"]

    branch = dubbing_vendor(planned)

    # -- Panjaya: one asset, one version per language ---------------------------------------------
    asset = PanjayaAssetFromSourceOperator(
        task_id="create_asset",
        source=planned["source"],
        source_locale=planned["source_language"],
        target_locales=planned["target_languages"],
        speakers_count=planned["speakers_count"],
        start_time=planned["start_time"],
        end_time=planned["end_time"],
        lips_model=planned["lips_model"],
        voice_anonymization=planned["voice_anonymization"],
        deferrable=True,
        **POLL,
    )

    @task
    def language_jobs(plan: dict[str, Any], asset: dict[str, Any]) -> list[dict[str, Any]]:
        return localize.language_jobs(plan, asset)

    @task_group
    def localize_language(locale: str, version_id: str, output_dir: str, review: bool) -> Any:
        approval = PanjayaReviewOperator(
            task_id="review",
            version_id=version_id,
            locale=locale,
            enabled=review,
            map_index_template="{{ task.locale }}",
        )
        generate = PanjayaGenerateVersionOperator(
            task_id="generate",
            version_id=version_id,
            locale=locale,
            deferrable=True,
            trigger_rule="none_failed",  # runs after an approval, or when review was not asked for
            map_index_template="{{ task.locale }}",
            **POLL,
        )
        download = PanjayaDownloadVersionOperator(
            task_id="download",
            version_id=version_id,
            locale=locale,
            output_dir=output_dir,
            map_index_template="{{ task.locale }}",
        )
        approval >> generate >> download
        return download.output

    panjaya_delivered = localize_language.expand_kwargs(language_jobs(planned, asset.output))

    # -- Akool: one request, one job per language -------------------------------------------------
    translate = AkoolTranslateVideoOperator(
        task_id="akool_translate",
        source_url=planned["source"],
        source_locale=planned["source_language"],
        target_locales=planned["target_languages"],
        lipsync=planned["lipsync"],
        face_enhance=planned["face_enhance"],
        deferrable=True,
        **POLL,
    )

    @task
    def akool_jobs(plan: dict[str, Any], translated: dict[str, Any]) -> list[dict[str, Any]]:
        return localize.akool_jobs(plan, translated)

    akool_delivered = AkoolDownloadTranslationOperator.partial(
        task_id="akool_download", map_index_template="{{ task.locale }}"
    ).expand_kwargs(akool_jobs(planned, translate.output))

    # -- BlendVision: upload once, one dubbing job per language -----------------------------------
    upload = BlendVisionUploadSourceOperator(task_id="blendvision_upload", source_path=planned["source"])

    @task
    def blendvision_targets(plan: dict[str, Any]) -> list[str]:
        return plan["target_languages"]  # mapping needs a task's own return value, not a plan key

    dubbed = BlendVisionDubbingJobOperator.partial(
        task_id="blendvision_dub",
        source_file_id=upload.output["file_id"],
        source_language=planned["source_language"],
        start_time=planned["start_time"],
        end_time=planned["end_time"],
        deferrable=True,
        map_index_template="{{ task.target_language }}",
        **POLL,
    ).expand(target_language=blendvision_targets(planned))

    @task
    def blendvision_jobs(plan: dict[str, Any], dubbed: Any) -> list[dict[str, Any]]:
        return localize.blendvision_jobs(plan, dubbed)

    blendvision_delivered = BlendVisionDownloadOutputOperator.partial(
        task_id="blendvision_download", map_index_template="{{ task.locale }}"
    ).expand_kwargs(blendvision_jobs(planned, dubbed.output))

    branch >> [asset, translate, upload]
    upload >> dubbed

    # -- what the chosen branch delivered ---------------------------------------------------------
    # The branches not taken are skipped; what follows runs after the one taken, unless it failed.
    @task(trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    def deliveries(plan: dict[str, Any], **context: Any) -> dict[str, Any]:
        ti = context["ti"]
        tasks = localize.VENDOR_TASKS[plan["vendor"]]
        results = localize.as_result_list(ti.xcom_pull(task_ids=tasks["download"]))
        if not results:
            raise AirflowFailException("no language was delivered; see the failed tasks of this run")
        return {
            "results": results,
            "ids": localize.vendor_ids(plan["vendor"], ti.xcom_pull(task_ids=tasks["ids"])),
        }

    delivered = deliveries(planned)
    [panjaya_delivered, akool_delivered, blendvision_delivered] >> delivered

    # -- captions: per language and format, converted here or ordered from Rev --------------------
    @task
    def local_caption_jobs(plan: dict[str, Any], delivered: dict[str, Any]) -> list[dict[str, Any]]:
        jobs = localize.local_caption_jobs(plan, delivered["results"])
        if jobs:
            localize.fetch_source_transcript(plan, delivered["ids"])
        return jobs

    converted = ConvertCaptionsOperator.partial(
        task_id="convert_captions", map_index_template="{{ task.locale }} {{ task.formats[0] }}"
    ).expand_kwargs(local_caption_jobs(planned, delivered))

    @task
    def rev_caption_jobs(plan: dict[str, Any], delivered: dict[str, Any]) -> list[dict[str, Any]]:
        return localize.rev_caption_jobs(plan, delivered["results"])

    ordered = RevCaptionOrderOperator.partial(
        task_id="rev_caption_order", deferrable=True, map_index_template="{{ task.locale }}", **POLL
    ).expand_kwargs(rev_caption_jobs(planned, delivered))

    @task
    def rev_download_jobs(plan: dict[str, Any], orders: Any) -> list[dict[str, Any]]:
        return localize.rev_download_jobs(plan, orders)

    rev_captions = RevDownloadCaptionsOperator.partial(
        task_id="rev_caption_download", map_index_template="{{ task.locale }} {{ task.formats[0] }}"
    ).expand_kwargs(rev_download_jobs(planned, ordered.output))

    # -- manifest and notification ----------------------------------------------------------------
    @task(trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS, outlets=[MANIFESTS])
    def manifest(plan: dict[str, Any], delivered: dict[str, Any], **context: Any) -> dict[str, Any]:
        """Every target language with its files (a language rejected in review is listed undelivered)."""
        ti, dag_run = context["ti"], context["dag_run"]
        captions = localize.captions_by_locale(
            ti.xcom_pull(task_ids="convert_captions"), ti.xcom_pull(task_ids="rev_caption_download")
        )
        document = localize.build_manifest(
            plan,
            delivered["ids"],
            delivered["results"],
            {
                "dag_id": dag_run.dag_id,
                "run_id": dag_run.run_id,
                "started_at": dag_run.start_date.isoformat() if dag_run.start_date else None,
            },
            captions,
        )
        stored = localize.write_manifest(plan, document)
        context["outlet_events"][MANIFESTS].extra = {"manifest": stored.uri, "run_id": dag_run.run_id}
        return {"manifest": stored.to_dict(), "summary": localize.manifest_summary(document, stored.uri)}

    written = attach_manifest_link(manifest(planned, delivered))
    [converted, rev_captions] >> written

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def notification_wanted(**context: Any) -> bool:
        return bool(context["params"].get("notify_conn_id"))

    notify = ImportOnRunOperator(  # the http provider's HttpOperator, imported when the task runs
        task_id="notify",
        real_operator="airflow.providers.http.operators.http.HttpOperator",
        operator_kwargs={
            "http_conn_id": "{{ params.notify_conn_id }}",
            "endpoint": "",
            "method": "POST",
            "data": "{{ ti.xcom_pull(task_ids='manifest')['summary'] | tojson }}",
            "headers": {"Content-Type": "application/json"},
            "deferrable": False,
        },
        retries=3,
    )
    written >> notification_wanted() >> notify


localize_video()
