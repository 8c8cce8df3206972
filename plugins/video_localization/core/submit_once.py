"""Submit a paid vendor job once per task instance, whatever crashes and retries happen around it.

None of the five vendors takes an idempotency key, so the project gives that guarantee itself, in two
layers:

1. Airflow's durable task state store (`context["task_state_store"]`, AIP-103) keeps the job id across
   tries of the same task instance. A retry that finds one reattaches to it (unless the job failed).
2. Every submit carries a deterministic reference derived from the task instance (dag, run, task, map
   index) in a field the vendor echoes back (a name, a `client_ref`). A crash between the vendor
   accepting the job and the state store recording it is covered by looking the reference up at the
   vendor before submitting again.

XCom cannot do this job: Airflow 3 clears a task's XComs before each new try.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

#: How long a stored job id is kept: far past any vendor job's lifetime, short of forever.
STATE_RETENTION_DAYS = 60


@dataclass(frozen=True)
class SubmitResult:
    job_id: str
    how: Literal["submitted", "state_store", "vendor_lookup"]

    @property
    def reused(self) -> bool:
        return self.how != "submitted"


def idempotency_reference(context: Any, *parts: str, length: int = 20) -> str:
    """A stable, short reference for this task instance (same on every try, different per map index)."""
    ti = context["ti"]
    key = "|".join([ti.dag_id, ti.run_id, ti.task_id, str(ti.map_index), *parts])
    return "vloc-" + hashlib.sha256(key.encode()).hexdigest()[:length]


def submit_once(
    context: Any,
    *,
    state_key: str,
    reference: str,
    submit: Callable[[], str | SubmitResult],
    find_existing: Callable[[str], str | None] | None = None,
    is_reusable: Callable[[str], bool] | None = None,
) -> SubmitResult:
    """Answer the job id of this task instance's job: the stored one, the one found by reference, or new.

    `is_reusable(job_id)` says whether a known job may be reattached to (a failed job is not: a retry
    then pays for a fresh one, which is what the user retried for). `submit` answers the new job's id,
    or a `SubmitResult` whose `how` says it found an existing job instead (e.g. a 409 on a client id):
    the log then says "Reattached", so counting "Submitted" lines counts paid jobs.
    """
    from datetime import timedelta

    store = context.get("task_state_store") if hasattr(context, "get") else None
    usable = is_reusable or (lambda _job_id: True)

    if store is not None:
        stored = store.get(state_key)
        if stored and usable(str(stored)):
            log.info("Reattaching to %s %s recorded by an earlier try", state_key, stored)
            return SubmitResult(str(stored), "state_store")

    if find_existing is not None:
        found = find_existing(reference)
        if found and usable(found):
            log.info(
                "Found %s %s at the vendor by reference %s; not submitting again", state_key, found, reference
            )
            _remember(store, state_key, found, timedelta(days=STATE_RETENTION_DAYS))
            return SubmitResult(found, "vendor_lookup")

    answer = submit()
    result = answer if isinstance(answer, SubmitResult) else SubmitResult(answer, "submitted")
    _remember(store, state_key, result.job_id, timedelta(days=STATE_RETENTION_DAYS))
    if result.reused:
        log.info("Reattached to %s %s (reference %s, %s)", state_key, result.job_id, reference, result.how)
    else:
        log.info("Submitted %s %s (reference %s)", state_key, result.job_id, reference)
    return result


def _remember(store: Any, key: str, value: str, retention: Any) -> None:
    if store is None:
        log.warning("No task state store in this context: a crash could only be recovered by vendor lookup")
        return
    store.set(key, value, retention=retention)
