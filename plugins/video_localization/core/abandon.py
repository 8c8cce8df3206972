"""Cancel what nobody will collect: a vendor job whose task failed for good keeps working and billing.

When a task's wait times out on its last try (`VendorWaitTimeout`, or Airflow's deferral timeout), or
the task fails with no retries left for any other reason, nothing will ever download that job's
result, yet the vendor keeps working on it (and billing for it; dbt Cloud's apache/airflow#61467 is
the same trap). Airflow calls `on_failure_callback` exactly then (a try that will be retried gets
`on_retry_callback` instead, and its retry reattaches to the job), so operators whose vendor can cancel
add `CancelOnFinalFailure` to their failure callbacks. It cancels the job this task instance created,
as recorded in its durable state store (or pushed to XCom before waiting), best effort and logged:
a failed cancel never hides the task's own error.

Vendors that can cancel: Rev (`POST /orders/{n}/cancel`, until work begins) and CDNvideo
(`DELETE cancel/{id}`). Panjaya, Akool and BlendVision document no cancel; their operators do not
add the callback, and say so in their docs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)


class CancellableJobOperator(Protocol):
    """What an operator offers for its job to be cancelled on final failure."""

    def abandoned_job_id(self, context: Any) -> str | None:
        """The vendor job this task instance created (from its state store or XCom), if any."""

    def cancel_job(self, job_id: str) -> None:
        """Cancel `job_id` at the vendor (raises the vendor's error when it refuses)."""


def cancel_abandoned(task: Any, context: Any, reason: str) -> bool:
    """Cancel `task`'s job, best effort: True when the vendor accepted the cancel; never raises."""
    try:
        job_id = task.abandoned_job_id(context)
    except Exception as error:  # the failure being handled matters more than this lookup
        log.warning("Could not tell which vendor job %s created (%s); nothing cancelled", task.task_id, error)
        return False
    if not job_id:
        log.info("%s failed (%s) before creating a vendor job: nothing to cancel", task.task_id, reason)
        return False
    try:
        task.cancel_job(job_id)
    except Exception as error:
        log.warning(
            "%s failed (%s); cancelling %s job %s was refused or failed: %s",
            task.task_id,
            reason,
            getattr(task, "vendor", "vendor"),
            job_id,
            error,
        )
        return False
    log.warning(
        "%s failed for good (%s): cancelled %s job %s, which nobody would collect",
        task.task_id,
        reason,
        getattr(task, "vendor", "vendor"),
        job_id,
    )
    return True


class CancelOnFinalFailure:
    """An `on_failure_callback`: cancels the failed task's vendor job (the task is `context["task"]`).

    Stateless (the operator is read from the context), so one instance serves any number of tasks.
    """

    def __call__(self, context: Any) -> None:
        task = context.get("task") if hasattr(context, "get") else None
        if task is None or not hasattr(task, "abandoned_job_id"):
            return
        error = context.get("exception")
        reason = f"{type(error).__name__}: {error}" if error is not None else "failed with no retries left"
        cancel_abandoned(task, context, reason)

    def __eq__(self, other: object) -> bool:  # DAG serialization compares callbacks
        return isinstance(other, CancelOnFinalFailure)

    def __hash__(self) -> int:
        return hash(CancelOnFinalFailure)


Callback = Callable[[Any], None]


def with_cancel_on_failure(callbacks: Callback | Sequence[Callback] | None) -> list[Callback]:
    """`callbacks` (one, several or none) with `CancelOnFinalFailure` first, added once."""
    if callbacks is None:
        existing: list[Callback] = []
    elif callable(callbacks):
        existing = [callbacks]
    else:
        existing = list(callbacks)
    if any(isinstance(callback, CancelOnFinalFailure) for callback in existing):
        return existing
    return [CancelOnFinalFailure(), *existing]


def recorded_job_id(context: Any, state_key: str, xcom_key: str | None = None) -> str | None:
    """The job id a task recorded: its durable state store, else its own XCom (pushed before waiting)."""
    store = context.get("task_state_store") if hasattr(context, "get") else None
    if store is not None:
        value = store.get(state_key)
        if value:
            return str(value)
    ti = context.get("ti") if hasattr(context, "get") else None
    if xcom_key and ti is not None and hasattr(ti, "xcom_pull"):
        value = ti.xcom_pull(task_ids=ti.task_id, key=xcom_key, map_indexes=ti.map_index)
        if value:
            return str(value)
    return None
