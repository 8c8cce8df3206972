"""localize_video: one source video -> a dubbed video (and captions) per target language, plus a manifest.

The rows are the user's steps, whatever the vendors:

- plan: validate everything and route each language to a vendor that dubs it (no vendor call);
- prepare: once per vendor group (Panjaya asset, Akool translate request, BlendVision upload);
- language (per routed language): review (Panjaya, when asked) -> dub (with fallback to the next
  capable vendor when allowed) -> deliver (`<run>/<locale>/<title>.<locale>.mp4`);
- captions: per language, every requested format (converted here, or a Rev order);
- manifest: manifest.json (schema v2): vendor, status and reason, files, ids, timings per language;
- notify: POST the summary to the user's HTTP connection (when one is named);
- outcome: fails the run when a language was not delivered (not a silent Success).

Wiring only: the logic lives in `video_localization.pipelines` and the vendors' adapters, imported when a
task runs, not when this file is parsed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, TriggerRule, dag, task, task_group

from video_localization.core.config import float_setting
from video_localization.core.dubbing_operators import (
    DeliverLanguageOperator,
    DubLanguageOperator,
    PrepareVendorOperator,
)
from video_localization.core.lazy import ImportOnRunOperator
from video_localization.core.links import attach_manifest_link
from video_localization.notifications import RunFailureNotifier
from video_localization.panjaya.review import PanjayaReviewOperator
from video_localization.pipelines.captions_step import LanguageCaptionsOperator
from video_localization.pipelines.localize_form import params

MANIFESTS = Asset(name="localized_video_manifests", uri="file:///video-localization/manifests")

# How often the triggerer asks the vendor, from quick to slow (seconds); the demo and tests shorten it.
POLL = {
    "deferrable": True,
    "poll_interval": float_setting("poll_interval"),
    "max_poll_interval": float_setting("max_poll_interval"),
}


@dag(
    dag_id="localize_video",
    schedule=None,
    catchup=False,
    params=params(),
    tags=["video-localization", "dubbing"],
    doc_md=__doc__,
    max_active_tasks=16,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True},
    on_failure_callback=RunFailureNotifier(),
)
def localize_video() -> None:
    @task(retries=0)
    def plan(**context: Any) -> dict[str, Any]:
        """Validate the whole request and route its languages before any vendor call; never retried."""
        from airflow.sdk.exceptions import AirflowFailException

        from video_localization.core.errors import InvalidInputError, InvalidInputs
        from video_localization.pipelines import localize

        try:
            planned = localize.build_plan(dict(context["params"]), context["run_id"])
        except (InvalidInputError, InvalidInputs) as error:
            raise AirflowFailException(f"Invalid request: {error}") from error
        print(f"Route: {planned['route_text']}")
        for warning in planned["warnings"]:
            print(f"Warning: {warning}")
        return planned

    planned = plan()

    @task
    def vendor_groups(plan: dict[str, Any]) -> list[dict[str, Any]]:
        from video_localization.pipelines import localize

        return localize.vendor_groups(plan)

    prepared = PrepareVendorOperator.partial(
        task_id="prepare", plan=planned, map_index_template="{{ task.group['vendor'] }}", **POLL
    ).expand(group=vendor_groups(planned))

    @task
    def languages(plan: dict[str, Any], prepared: Any) -> list[dict[str, Any]]:
        from video_localization.pipelines import localize

        return localize.language_jobs(plan, prepared)

    @task_group
    def language(job: Any, locale: str, version_id: str, review: bool) -> Any:
        approval = PanjayaReviewOperator(
            task_id="review",
            version_id=version_id,
            locale=locale,
            enabled=review,
            map_index_template="{{ task.locale }}",
        )
        dubbed = DubLanguageOperator(
            task_id="dub",
            job=job,
            plan=planned,
            trigger_rule="none_failed",  # after an approval, or when no review was asked for
            map_index_template="{{ task.job['label'] }}",
            **POLL,
        )
        delivered = DeliverLanguageOperator(
            task_id="deliver",
            job=job,
            dubbed=dubbed.output,
            plan=planned,
            map_index_template="{{ task.job['label'] }}",
        )
        approval >> dubbed >> delivered
        return delivered.output

    per_language = language.expand_kwargs(languages(planned, prepared.output))

    # After every language is done, whether or not it was delivered. (ALL_DONE_MIN_ONE_SUCCESS would skip
    # them whenever one upstream was skipped, such as captions that nobody asked for.)
    @task(trigger_rule=TriggerRule.ALL_DONE)
    def caption_jobs(plan: dict[str, Any] | None, **context: Any) -> list[dict[str, Any]]:
        from airflow.sdk.exceptions import AirflowSkipException

        from video_localization.pipelines import localize

        if plan is None:
            raise AirflowSkipException("the plan failed: no language to caption")

        delivered = context["ti"].xcom_pull(task_ids="language.deliver")
        return localize.caption_jobs(plan, delivered)

    jobs = caption_jobs(planned)
    per_language >> jobs
    captions = LanguageCaptionsOperator.partial(
        task_id="captions", map_index_template="{{ task.job['locale'] }}", **POLL
    ).expand(job=jobs)

    @task(trigger_rule=TriggerRule.ALL_DONE, outlets=[MANIFESTS])
    def manifest(plan: dict[str, Any] | None, **context: Any) -> dict[str, Any]:
        """Every routed language with its vendor, status and reason (rejected, failed, moved), files."""
        from airflow.sdk.exceptions import AirflowSkipException

        if plan is None:
            raise AirflowSkipException("the plan failed: nothing was routed, no manifest to write")
        from video_localization.core.dubbing_operators import FAILURE_XCOM_KEY
        from video_localization.panjaya.review import DECISION_XCOM_KEY
        from video_localization.pipelines import localize
        from video_localization.pipelines import manifest as manifests

        ti, dag_run = context["ti"], context["dag_run"]
        document = localize.build_manifest(
            plan,
            {
                "dag_id": dag_run.dag_id,
                "run_id": dag_run.run_id,
                "started_at": dag_run.start_date.isoformat() if dag_run.start_date else None,
            },
            delivered=ti.xcom_pull(task_ids="language.deliver"),
            failures=ti.xcom_pull(task_ids="language.dub", key=FAILURE_XCOM_KEY),
            decisions=ti.xcom_pull(task_ids="language.review", key=DECISION_XCOM_KEY),
            captions=ti.xcom_pull(task_ids="captions"),
        )
        stored = localize.write_manifest(plan, document)
        context["outlet_events"][MANIFESTS].extra = {"manifest": stored.uri, "run_id": dag_run.run_id}
        return {
            "manifest": stored.to_dict(),
            "summary": manifests.summary(document, stored.uri),
            "not_delivered": localize.not_delivered(
                document, ti.xcom_pull(task_ids="caption_jobs"), ti.xcom_pull(task_ids="captions")
            ),
        }

    written = attach_manifest_link(manifest(planned))
    captions >> written

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

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def outcome(**context: Any) -> None:
        """Fail the run when a language was not delivered for another reason than a person's rejection
        (or no manifest was written), so a run is never a silent Success. A leaf beside `notify`: the
        summary is posted whatever this answers."""
        from airflow.sdk.exceptions import AirflowFailException

        written = context["ti"].xcom_pull(task_ids="manifest")
        if not written:
            raise AirflowFailException("no manifest was written (did the plan fail?); see the failed tasks")
        if written["not_delivered"]:
            raise AirflowFailException("not delivered: " + "; ".join(written["not_delivered"]))

    written >> outcome()


localize_video()
