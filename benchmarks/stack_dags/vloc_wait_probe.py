"""Deferred vendor waits on a real stack, each one recording when its task resumed.

Used by `python -m benchmarks stack_wakes` and `tests/integration/test_wake_stack.py` (their stack's
DAGs folder is this folder). Two DAGs, the same but for the Akool connection they use:

- `vloc_wait_probe_callbacks` on `akool_callbacks`, whose `webhook_url` extra points Akool's webhooks at
  the api-server's receiver (`/vloc-callbacks/akool/akool_callbacks`): the waits expect callbacks;
- `vloc_wait_probe_polling` on `akool_polling`, without a webhook: the waits poll only.

Each run translates the sample video into `language` `waits` times (one mapped task instance, one paid
Akool job and one deferred `AkoolTranslationTrigger` each), with the project's default poll schedule.
The resumed task's `execute_complete` notes the time it began (`resumed_at`, epoch seconds) in its
result: the end point of "vendor job completes -> task resumed".
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from video_localization.akool.operators import AkoolTranslateVideoOperator

CONNECTIONS = {"vloc_wait_probe_callbacks": "akool_callbacks", "vloc_wait_probe_polling": "akool_polling"}


class ResumeStampedTranslate(AkoolTranslateVideoOperator):
    """Akool's translate operator, whose result also says when the deferred task resumed."""

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        resumed_at = time.time()  # first thing: the moment the resumed task got to run its code
        return {**super().execute_complete(context, event), "resumed_at": resumed_at}


@task
def targets(waits: int, language: str) -> list[list[str]]:
    """One single-language job per wait."""
    return [[language]] * int(waits)


for dag_id, conn_id in CONNECTIONS.items():
    with DAG(
        dag_id=dag_id,
        schedule=None,
        catchup=False,
        max_active_runs=4,
        params={
            "source_url": Param(type="string", description="http(s) URL of the MP4 Akool fetches"),
            "language": Param("fr-FR", type="string"),
            "waits": Param(1, type="integer", minimum=1, maximum=200),
        },
        tags=["benchmark"],
        # A task process can lose its api-server on 2 cores at load 20-30; a retry reattaches to the job
        # its first try created (never a second one), so the figures stay those of the one wait.
        default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    ) as dag:
        ResumeStampedTranslate.partial(
            task_id="translate",
            akool_conn_id=conn_id,
            source_url="{{ params.source_url }}",
            source_locale="en-US",
            deferrable=True,
        ).expand(target_locales=targets("{{ params.waits }}", "{{ params.language }}"))
    globals()[dag_id] = dag
