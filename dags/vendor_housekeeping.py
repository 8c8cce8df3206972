"""vendor_housekeeping: daily, what is about to vanish at the vendors, what quota is left, remote clean-up.

archive_index (the manifests under the output location: which vendor jobs are archived) ->
cdnvideo / rev / akool (each vendor's results, where its API lists them, and CDNvideo's quota; an
unconfigured or failing vendor is reported, not fatal) -> cleanup (when asked: delete at CDNvideo the
talking-head videos whose archived copy verifies); prune_callback_ledger (job ids named by verified
webhooks, older than `callback_ledger_max_age_hours`) -> report (`<output>/housekeeping/<date>_<run>.md`
and `.json`, and a summary in the log).

Daily by default (`[video_localization] housekeeping_schedule`). Wiring only: the logic lives in
`video_localization.pipelines.housekeeping`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import dag, task

from video_localization.notifications import RunFailureNotifier
from video_localization.pipelines import housekeeping


def _now(context: Any) -> datetime:
    return datetime.now(UTC)


@dag(
    dag_id="vendor_housekeeping",
    schedule=housekeeping.schedule(),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    params=housekeeping.params(),
    tags=["video-localization", "housekeeping"],
    doc_md=__doc__,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=2)},
    on_failure_callback=RunFailureNotifier(),
)
def vendor_housekeeping() -> None:
    @task
    def archive_index(**context: Any) -> dict[str, Any]:
        return housekeeping.archive_index(context["params"]["output_location"])

    index = archive_index()

    def vendor_task(vendor: str):
        @task(task_id=vendor)
        def check(index: dict[str, Any], **context: Any) -> dict[str, Any]:
            params = context["params"]
            return housekeeping.check_vendor(
                vendor,
                params[f"{vendor}_conn_id"],
                index,
                _now(context),
                akool_video_ids=params["akool_video_ids"],
            )

        return check(index)

    checked = [vendor_task(vendor) for vendor in ("cdnvideo", "rev", "akool")]

    @task
    def cleanup(index: dict[str, Any], cdnvideo: dict[str, Any], **context: Any) -> dict[str, Any] | None:
        """Only when asked, only videos still at CDNvideo whose archived copy verifies."""
        params = context["params"]
        if not params["delete_archived_talking_heads"] or cdnvideo["status"] != "ok":
            return None
        hook = housekeeping.make_hook("cdnvideo", params["cdnvideo_conn_id"])
        return housekeeping.delete_archived_talking_heads(hook, index, cdnvideo["results"])

    cleaned = cleanup(index, checked[0])

    @task
    def prune_callback_ledger(**context: Any) -> dict[str, Any]:
        """Job ids named by verified webhooks, once no waiting task can need them any more."""
        return housekeeping.prune_callback_ledger(_now(context))

    @task
    def report(
        index: dict[str, Any], vendors: list[dict[str, Any]], cleanup: Any, ledger: Any, **context: Any
    ):
        params = context["params"]
        document = housekeeping.build_report(
            run_id=context["run_id"],
            now=_now(context),
            horizon=timedelta(hours=float(params["horizon_hours"])),
            index=index,
            vendors=list(vendors),
            quotas=housekeeping.quotas(vendors),
            cleanup=cleanup,
            callback_ledger=ledger,
        )
        written = housekeeping.write_report(params["output_location"], document)
        print(f"Housekeeping: {housekeeping.summary_line(document)}")
        print(f"Report: {written['markdown']}")
        return {"report": written, "expiring_soon": len(document["expiring_soon"])}

    report(index, checked, cleaned, prune_callback_ledger())


vendor_housekeeping()
