"""Deferred vendor waits on the real stack, woken (or not) by the sandbox's signed callbacks.

What `python -m benchmarks stack_wakes` and `tests/integration/test_wake_stack.py` share: a `Stack`
(the processes `vloc up` starts) whose DAGs folder is `benchmarks/stack_dags` (the `vloc_wait_probe_*`
DAGs), with two Akool connections to the sandbox: `akool_callbacks`, whose `webhook_url` makes the
sandbox post its signed webhooks to the api-server's receiver, and `akool_polling`, without one. And
a small client for what those callers do: trigger probe runs and read their results, hold and end the
sandbox's jobs, read its counters and the webhooks it sent.

The callers decide when each vendor job ends: the sandbox's stages (each `step_seconds` long, computed
when read) are set to an hour, which holds every Akool job queued, and `finish_job` ends one job now (the
sandbox then sends its webhooks) and answers that moment: the vendor's completion instant.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from video_localization_dev.rest import AirflowRest
from video_localization_dev.sandbox.akool.wire import COMPLETED as AKOOL_COMPLETED
from video_localization_dev.sandbox.connections import sandbox_connections
from video_localization_dev.stack import ADMIN_USER, PROJECT_DIR, Stack

PROBE_DAGS = PROJECT_DIR / "benchmarks" / "stack_dags"
CALLBACKS_DAG = "vloc_wait_probe_callbacks"
POLLING_DAG = "vloc_wait_probe_polling"
CALLBACKS_CONN = "akool_callbacks"
POLLING_CONN = "akool_polling"
TASK_ID = "translate"
#: The sandbox route every Akool status call goes to (the counters' key).
AKOOL_STATUS_ROUTE = "akool GET /akool/content/video/infobymodelid"
#: Seconds a REST or sandbox request may take before it fails.
REST_TIMEOUT = 120.0
#: A sandbox stage while jobs are held: an hour.
HOLD_STEP_SECONDS = 3600.0


def webhook_url(stack: Stack, conn_id: str = CALLBACKS_CONN) -> str:
    """The receiver's Akool route on this stack's api-server, for connection `conn_id`."""
    return f"{stack.api_url}/vloc-callbacks/akool/{conn_id}"


def probe_stack(
    home: Path,
    output_dir: Path,
    *,
    wake_channel: str = "file",
    settings: dict[str, str] | None = None,
) -> Stack:
    """A stack (not started) running the probe DAGs, its sandbox holding every job; `settings` are
    `[video_localization]` keys."""
    stack = Stack(home=home, output_dir=output_dir, sandbox_step_seconds=HOLD_STEP_SECONDS)
    akool = json.loads(sandbox_connections(stack.sandbox_url)["AIRFLOW_CONN_AKOOL_DEFAULT"])
    with_webhook = {**akool, "extra": {**akool.get("extra", {}), "webhook_url": webhook_url(stack)}}
    stack.extra_env.update(
        {
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROBE_DAGS),
            f"AIRFLOW_CONN_{CALLBACKS_CONN.upper()}": json.dumps(with_webhook),
            f"AIRFLOW_CONN_{POLLING_CONN.upper()}": json.dumps(akool),
            "AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL": wake_channel,
            # A stack of its own in a shared Redis: its own wake channel name.
            "AIRFLOW__VIDEO_LOCALIZATION__WAKE_PREFIX": f"vloc-probe-{uuid.uuid4().hex[:8]}",
            **{
                f"AIRFLOW__VIDEO_LOCALIZATION__{key.upper()}": value
                for key, value in (settings or {}).items()
            },
        }
    )
    return stack


@dataclass
class ProbeClient:
    """The REST API of a started probe stack, and its sandbox's controls."""

    stack: Stack

    def __post_init__(self) -> None:
        # Generous: on 2 cores at load 20+ the api-server on SQLite has taken over 30 s to answer a read.
        self.rest = AirflowRest(self.stack.api_url, ADMIN_USER, self.stack.password, timeout=REST_TIMEOUT)
        self.http = httpx.Client(base_url=self.stack.sandbox_url, timeout=REST_TIMEOUT)
        for dag_id in (CALLBACKS_DAG, POLLING_DAG):
            self.rest.wait_for_dag(dag_id, timeout=300)
            self.rest.unpause(dag_id)

    def close(self) -> None:
        self.rest.close()
        self.http.close()

    # -- the sandbox --------------------------------------------------------------------------------
    def status_calls(self) -> int:
        """Akool status calls the sandbox has answered so far (operators' and triggers' alike)."""
        counters = self.http.get("/_sandbox/counters").raise_for_status().json()
        return int(counters["requests"].get(AKOOL_STATUS_ROUTE, 0))

    def akool_webhooks(self) -> list[dict[str, Any]]:
        """The webhooks the sandbox has sent (to the receiver), with the status code each got."""
        return self.http.get("/_sandbox/callbacks").raise_for_status().json()

    def hold_jobs(self) -> None:
        """From now on every vendor job stays where it is (for an hour) unless `finish_job` ends it."""
        self.http.post("/_sandbox/step", json={"step_seconds": HOLD_STEP_SECONDS}).raise_for_status()

    def finish_job(self, job_id: str) -> float:
        """End an Akool job now (completed; its webhooks leave at once); answers when (epoch seconds)."""
        answer = self.http.post("/akool/_sandbox/finish", json={"video_model_id": job_id}).raise_for_status()
        data = answer.json()
        if data.get("code") != 1000 or data["data"]["video_status"] != AKOOL_COMPLETED:
            raise RuntimeError(f"the sandbox did not complete Akool job {job_id}: {data}")
        return float(data["data"]["finished_at"])

    # -- the probe runs -----------------------------------------------------------------------------
    def trigger(self, dag_id: str, waits: int, language: str = "fr-FR") -> str:
        conf = {
            "source_url": f"{self.stack.sandbox_url}/_sandbox/media/sample.mp4",
            "language": language,
            "waits": waits,
        }
        return self.rest.trigger(dag_id, conf)["dag_run_id"]

    def translate_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The run's mapped `translate` instances (none before the mapping is known); fails on a failure."""
        instances = [ti for ti in self.rest.task_instances(dag_id, run_id) if ti["task_id"] == TASK_ID]
        if any(ti["state"] in ("failed", "upstream_failed") for ti in instances):
            raise RuntimeError(f"a probe task of {dag_id} run {run_id} failed: {instances}")
        return [ti for ti in instances if ti["map_index"] >= 0]

    def wait_deferred(self, dag_id: str, run_id: str, waits: int, timeout: float) -> list[dict[str, Any]]:
        """Until all `waits` mapped instances are deferred (their jobs created, checked once, held)."""

        def deferred() -> list[dict[str, Any]] | None:
            instances = self.translate_instances(dag_id, run_id)
            done = [ti for ti in instances if ti["state"] == "deferred"]
            return instances if len(done) == waits else None

        return wait_for(f"{waits} deferred waits", deferred, timeout, interval=1)

    def job_ids(self, dag_id: str, run_id: str, map_index: int) -> dict[str, str]:
        """{language: Akool job id} the task pushed before deferring."""
        return self.rest.xcom(dag_id, run_id, TASK_ID, key="video_model_ids", map_index=map_index)

    def result(self, dag_id: str, run_id: str, map_index: int) -> dict[str, Any]:
        return self.rest.xcom(dag_id, run_id, TASK_ID, map_index=map_index)


def wait_for(what: str, condition: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """`condition()`'s first truthy answer, asked every `interval` s; TimeoutError naming `what`.

    A request that timed out is asked again (a loaded api-server is slow, not wrong) until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = condition()
        except httpx.TimeoutException as slow:
            answer, last = None, slow
        else:
            last = None
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s") from last
        time.sleep(interval)
