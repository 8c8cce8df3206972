"""localize_video: one source video -> a dubbed video and subtitles per target language, plus a manifest.

plan (validate everything, no vendor call) -> asset (create or upload, wait for the versions) ->
per language [optional human review -> generate -> download] -> manifest.json -> optional notification.

Wiring only: the logic lives in `video_localization.pipelines.localize` and the Panjaya operators.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.providers.http.operators.http import HttpOperator
from airflow.sdk import Asset, dag, task, task_group
from airflow.sdk.exceptions import AirflowFailException

from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.panjaya.operators import (
    PanjayaAssetFromSourceOperator,
    PanjayaDownloadVersionOperator,
    PanjayaGenerateVersionOperator,
)
from video_localization.panjaya.review import PanjayaReviewOperator
from video_localization.pipelines import localize

MANIFESTS = Asset(name="localized_video_manifests", uri="file:///video-localization/manifests")

# How often the triggerer asks the vendor, from quick to slow (seconds); the demo and tests shorten it.
POLL = {
    "poll_interval": float(os.environ.get("VLOC_POLL_INTERVAL", "10")),
    "max_poll_interval": float(os.environ.get("VLOC_MAX_POLL_INTERVAL", "120")),
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

    jobs = language_jobs(planned, asset.output)

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

    delivered = localize_language.expand_kwargs(jobs)

    @task(trigger_rule="none_failed", outlets=[MANIFESTS])
    def manifest(plan: dict[str, Any], asset: dict[str, Any], results: list[dict[str, Any]], **context: Any):
        dag_run = context["dag_run"]
        document = localize.build_manifest(
            plan,
            asset,
            localize.as_result_list(results),
            {
                "dag_id": dag_run.dag_id,
                "run_id": dag_run.run_id,
                "started_at": dag_run.start_date.isoformat() if dag_run.start_date else None,
            },
        )
        stored = localize.write_manifest(plan, document)
        context["outlet_events"][MANIFESTS].extra = {"manifest": stored.uri, "run_id": dag_run.run_id}
        return {"manifest": stored.to_dict(), "summary": localize.manifest_summary(document, stored.uri)}

    written = manifest(planned, asset.output, delivered)

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def notification_wanted(**context: Any) -> bool:
        return bool(context["params"].get("notify_conn_id"))

    notify = HttpOperator(
        task_id="notify",
        http_conn_id="{{ params.notify_conn_id }}",
        endpoint="",
        method="POST",
        data="{{ ti.xcom_pull(task_ids='manifest')['summary'] | tojson }}",
        headers={"Content-Type": "application/json"},
        retries=3,
    )
    written >> notification_wanted() >> notify


localize_video()
