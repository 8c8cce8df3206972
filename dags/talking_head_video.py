"""talking_head_video: a presenter video per locale from a script (CDNvideo Talking Head), plus a manifest.

plan (validate everything against the limits and the account's configurations snapshot, no vendor call;
choose voices) -> per locale [generate (once, paced under 10 POSTs a minute, checked against the live
configurations first; waits in the triggerer) -> download at once (links last 6 hours), rename, delete
at the vendor if asked] -> manifest.json beside the videos, as localize_video lays them out.

Wiring only: the logic lives in `video_localization.pipelines.talking_head` and the CDNvideo operators.
`[video_localization] cdnvideo_pool` puts the generate tasks in an Airflow pool (default `default_pool`);
the POST pacing itself is done by the hook, across processes, whatever the pool.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, dag, task, task_group
from airflow.sdk.exceptions import AirflowFailException

from video_localization.cdnvideo.operators import CDNVideoDownloadOperator, CDNVideoGenerateOperator
from video_localization.core.config import float_setting, setting
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.links import attach_manifest_link
from video_localization.notifications import RunFailureNotifier
from video_localization.pipelines import talking_head
from video_localization.pipelines.results import as_result_list

MANIFESTS = Asset(name="talking_head_manifests", uri="file:///video-localization/talking-head-manifests")

# How often the triggerer asks the vendor, from quick to slow (seconds); the demo and tests shorten it.
POLL = {
    "poll_interval": float_setting("poll_interval"),
    "max_poll_interval": float_setting("max_poll_interval"),
}
GENERATE_POOL = setting("cdnvideo_pool")


@dag(
    dag_id="talking_head_video",
    schedule=None,
    catchup=False,
    params=talking_head.params(),
    tags=["video-localization", "talking-head"],
    doc_md=__doc__,
    max_active_tasks=16,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True},
    on_failure_callback=RunFailureNotifier(),
)
def talking_head_video() -> None:
    @task(retries=0)
    def plan(**context: Any) -> dict[str, Any]:
        """Validate the whole request before any vendor call; a bad request fails here, never retried."""
        try:
            return talking_head.build_plan(dict(context["params"]), context["run_id"])
        except (InvalidInputError, InvalidInputs) as error:
            raise AirflowFailException(f"Invalid request: {error}") from error

    planned = plan()

    @task_group(group_id=talking_head.GROUP_ID)
    def per_locale(
        locale: str,
        script: str,
        actor: dict[str, Any],
        voice: str,
        background: str | None,
        emotion: str | None,
        video_name: str,
        output_dir: str,
        file_stem: str,
        delete_remote: bool,
    ) -> Any:
        generate = CDNVideoGenerateOperator(
            task_id="generate",
            locale=locale,
            script=script,
            actor=actor,
            voice=voice,
            background=background,
            emotion=emotion,
            video_name=video_name,
            deferrable=True,
            wait_timeout=timedelta(hours=2),
            pool=GENERATE_POOL,
            map_index_template="{{ task.locale }}",
            **POLL,
        )
        download = CDNVideoDownloadOperator(
            task_id="download",
            job_id=generate.output["job_id"],
            locale=locale,
            output_dir=output_dir,
            file_stem=file_stem,
            rename_to=video_name,
            delete_remote=delete_remote,
            map_index_template="{{ task.locale }}",
        )
        generate >> download
        return download.output

    @task
    def locale_jobs(plan: dict[str, Any]) -> list[dict[str, Any]]:
        return plan["jobs"]

    delivered = per_locale.expand_kwargs(locale_jobs(planned))

    @task(trigger_rule="none_failed", outlets=[MANIFESTS])
    def manifest(plan: dict[str, Any], results: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
        dag_run = context["dag_run"]
        generated = context["ti"].xcom_pull(task_ids=talking_head.GENERATE_TASK_ID)
        document = talking_head.build_manifest(
            plan,
            as_result_list(generated),
            as_result_list(results),
            {
                "dag_id": dag_run.dag_id,
                "run_id": dag_run.run_id,
                "started_at": dag_run.start_date.isoformat() if dag_run.start_date else None,
            },
        )
        saved = talking_head.save_manifest(plan, document)
        context["outlet_events"][MANIFESTS].extra = {
            "manifest": saved["manifest"]["uri"],
            "run_id": dag_run.run_id,
        }
        return saved

    attach_manifest_link(manifest(planned, delivered))


talking_head_video()
