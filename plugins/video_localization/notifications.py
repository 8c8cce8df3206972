"""Telling someone that a run failed: an Airflow notifier for the DAGs' `on_failure_callback`.

A failed run has spent money at the vendors and delivered less than asked, and nobody watches the grid at
night. The notifier POSTs a small JSON summary (dag, run, failed tasks, reason, a link to the run) to an
HTTP connection through the http provider's hook, or, with no connection configured, logs the same summary
at ERROR level so the dag-processor's log says it clearly. Ids and links only: no media, no secrets (the
connection's credentials stay in the connection).

Which connection: the notifier's own `http_conn_id` when given, else the run's `notify_conn_id` param (the
one `localize_video` also posts its success summary to), else `[video_localization] notify_conn_id`.

DAG callbacks run in the dag-processor (and inline under `dag.test()`), after the run has ended; a failure
to notify is logged there and never changes the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from airflow.sdk import conf
from airflow.sdk.bases.notifier import BaseNotifier

from video_localization.core.config import setting

FAILED_STATES = ("failed", "upstream_failed")

log = logging.getLogger(__name__)


def run_url(dag_id: str, run_id: str) -> str:
    """The run's page in the Airflow UI (`[api] base_url`)."""
    base_url = conf.get("api", "base_url", fallback="http://localhost:8080/")
    return f"{base_url.rstrip('/')}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def _failed_tasks(dag_id: str, run_id: str, context: Any) -> list[str]:
    """Every failed (or upstream-failed) task of the run, mapped ones as `<task_id>_<map_index>`.

    Asked through the task SDK's comms (the dag-processor answers it); where that channel is not there
    (a bare call, `dag.test()`), the metadata DB where this process may read it, else the task that
    failed last, which Airflow puts in the context.
    """
    try:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, run_ids=[run_id]).get(run_id, {})
        failed = sorted(task for task, state in states.items() if str(state) in FAILED_STATES)
        if failed:
            return failed
    except Exception as error:  # no comms here: fall back on what the context says
        log.debug("No task states for %s / %s (%s); using the metadata DB", dag_id, run_id, error)
    failed = _failed_in_metadata_db(dag_id, run_id)
    if failed:
        return failed
    ti = context.get("ti")
    if ti is None:
        return []
    map_index = getattr(ti, "map_index", -1)
    return [ti.task_id if map_index is None or map_index < 0 else f"{ti.task_id}_{map_index}"]


def _failed_in_metadata_db(dag_id: str, run_id: str) -> list[str]:
    """The run's failed tasks read from the metadata DB, where this process may (`dag.test()` runs DAG
    callbacks in the test's own process, with no comms); empty where it may not (the DB is then refused)."""
    try:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = (
                session.query(TaskInstance.task_id, TaskInstance.map_index)
                .filter(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.run_id == run_id,
                    TaskInstance.state.in_(FAILED_STATES),
                )
                .all()
            )
    except Exception as error:  # no DB access here: the caller falls back on the context's task
        log.debug("No metadata DB for %s / %s (%s)", dag_id, run_id, error)
        return []
    return sorted({task if index is None or index < 0 else f"{task}_{index}" for task, index in rows})


class RunFailureNotifier(BaseNotifier):
    """Posts a JSON summary of a failed DAG run to an HTTP connection, or logs it when none is configured.

    Set it as a DAG's `on_failure_callback`. The summary is
    `{"event": "dag_run_failed", "dag_id", "run_id", "failed_tasks": [...], "reason", "link", "log_link"}`:
    `link` is the run's page in the Airflow UI, `log_link` the log of the task that failed last.

    :param http_conn_id: the HTTP connection to POST to (templated). Default: the run's `notify_conn_id`
        param when the DAG has one, else the `[video_localization] notify_conn_id` setting; empty
        everywhere = log the summary instead.
    :param endpoint: the path under the connection's host to POST to (templated; default: the host itself).
    :param timeout: seconds to wait for the endpoint's answer.
    """

    template_fields: Sequence[str] = ("http_conn_id", "endpoint")

    def __init__(self, *, http_conn_id: str | None = None, endpoint: str = "", timeout: float = 30.0) -> None:
        super().__init__()
        self.http_conn_id = http_conn_id
        self.endpoint = endpoint
        self.timeout = timeout

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """As Airflow's, but also where the context's DAG has no template environment: `dag.test()` hands
        DAG callbacks the scheduler's serialized DAG, and the notification must not fail on that."""
        if jinja_env is None and not hasattr(context.get("dag"), "get_template_env"):
            jinja_env = self.get_template_env()
        super().render_template_fields(context, jinja_env)

    def connection_id(self, context: Any) -> str | None:
        """The connection to POST to (see the class's `http_conn_id`); None means log only."""
        params = context.get("params") or {}
        for candidate in (self.http_conn_id, params.get("notify_conn_id"), setting("notify_conn_id")):
            if isinstance(candidate, str) and candidate.strip():
                return candidate.strip()
        return None

    def summary(self, context: Any) -> dict[str, Any]:
        """What the notification says: ids, states and links, nothing else."""
        dag = context.get("dag")
        dag_id = getattr(dag, "dag_id", None) or context.get("dag_id") or "?"
        run_id = str(context.get("run_id") or getattr(context.get("dag_run"), "run_id", None) or "?")
        ti = context.get("ti")
        return {
            "event": "dag_run_failed",
            "dag_id": dag_id,
            "run_id": run_id,
            "failed_tasks": _failed_tasks(dag_id, run_id, context),
            "reason": str(context.get("reason") or "failed"),
            "link": run_url(dag_id, run_id),
            "log_link": getattr(ti, "log_url", None) if ti is not None else None,
        }

    def notify(self, context: Any) -> None:
        summary = self.summary(context)
        conn_id = self.connection_id(context)
        if conn_id is None:
            self.log.error(
                "Run %s of %s FAILED (%s); failed tasks: %s; %s. No notification sent: set "
                "[video_localization] notify_conn_id (or the run's notify_conn_id) to an HTTP connection "
                "to be told by a POST.",
                summary["run_id"],
                summary["dag_id"],
                summary["reason"],
                ", ".join(summary["failed_tasks"]) or "none recorded",
                summary["link"],
            )
            return
        from airflow.providers.http.hooks.http import HttpHook

        hook = HttpHook(method="POST", http_conn_id=conn_id)
        hook.run(
            self.endpoint or None,
            json=summary,
            headers={"Content-Type": "application/json"},
            extra_options={"timeout": self.timeout},
        )
        self.log.info(
            "Failure of run %s of %s notified to connection %s", summary["run_id"], summary["dag_id"], conn_id
        )
