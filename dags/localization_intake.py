"""localization_intake: job requests dropped in an inbox become `localize_video` runs, each exactly once.

claim (read every new JSON/YAML request, validate it with `localize_video`'s own form schema and plan,
move a bad one to `failed/` with the reason, rename a good one into `processing/` under a run id derived
from its content) -> trigger (one `localize_video` run per claimed request, mapped; that run id, so a
second trigger is refused by Airflow and skipped) -> finish (`done/` with the run id once the run
exists, else `failed/`).

Every 10 minutes by default (`[video_localization] intake_schedule`, a cron expression or preset);
the inbox is the first of `[video_localization] inbox_roots` (default: the `intake_inbox` setting);
a manual run may choose another configured inbox with its `inbox` param, and no other folder.
Wiring only: the logic lives in `video_localization.pipelines.intake`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowFailException

from video_localization.core.errors import InvalidInputError
from video_localization.core.trust import check_inbox
from video_localization.notifications import RunFailureNotifier
from video_localization.pipelines import intake
from video_localization.pipelines.intake_trigger import ClaimedRequestTriggerOperator

TRIGGER_TASK_ID = "trigger_localize_video"


def _run_exists(context: Any):
    ti = context["ti"]
    return lambda run_id: ti.get_dr_count(dag_id=intake.TARGET_DAG_ID, run_ids=[run_id]) > 0


def _inbox(params: Any) -> str:
    """The run's inbox, one of the configured `inbox_roots` (the form's enum says so too)."""
    try:
        return check_inbox("inbox", params["inbox"])
    except InvalidInputError as error:
        raise AirflowFailException(f"Invalid request: {error}") from error


@dag(
    dag_id="localization_intake",
    schedule=intake.schedule(),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,  # one intake at a time; the run ids and the atomic claim cover the rest
    params=intake.params(),
    tags=["video-localization", "intake"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20)},
    on_failure_callback=RunFailureNotifier(),
)
def localization_intake() -> None:
    @task
    def claim(**context: Any) -> list[dict[str, Any]]:
        """Validate and claim every new request (bad ones to `failed/`); answer what to trigger."""
        params = context["params"]
        outcome = intake.claim_requests(
            _inbox(params), float(params["settle_seconds"]), run_exists=_run_exists(context)
        )
        for item in outcome["refused"]:
            print(f"refused {item['request']}: {item['reason']}")
        for item in outcome["already_triggered"]:
            print(f"{item['request']}: run {item['run_id']} already exists, moved to done/")
        print(f"{len(outcome['claimed'])} request(s) to trigger")
        return outcome["claimed"]

    claimed = claim()

    @task
    def to_trigger(claimed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return intake.trigger_kwargs(claimed)

    trigger = ClaimedRequestTriggerOperator.partial(
        task_id=TRIGGER_TASK_ID,
        trigger_dag_id=intake.TARGET_DAG_ID,
        skip_when_already_exists=True,  # the run id exists: this request was triggered before
        map_index_template="{{ task.trigger_run_id }}",
    ).expand_kwargs(to_trigger(claimed))

    @task(trigger_rule="all_done")
    def finish(claimed: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
        """`done/` with the run id for every request whose run exists, `failed/` for the others."""
        pushed = context["ti"].xcom_pull(task_ids=TRIGGER_TASK_ID, key="trigger_run_id") or []
        if isinstance(pushed, str):
            pushed = [pushed]
        outcome = intake.finish(
            _inbox(context["params"]),
            claimed or [],
            run_exists=_run_exists(context),
            triggered_now={run_id for run_id in pushed if run_id},
        )
        for item in outcome["done"]:
            print(f"{item['request']} -> {item['run_id']} ({item['status']})")
        if outcome["failed"]:
            names = ", ".join(item["request"] for item in outcome["failed"])
            raise AirflowFailException(f"could not trigger {names}; moved to failed/ with the reason")
        return outcome

    finish(claimed) << trigger


localization_intake()
