"""The distributed topology on this machine: PostgreSQL, Redis, CeleryExecutor, every component a process.

api-server, scheduler, dag-processor, triggerer and two Celery workers run with the commands of
`video_localization_dev.topology` (the same argv docker-compose.yaml gives its services), on a fresh
PostgreSQL database and a Redis key prefix of their own, beside the vendor sandbox (3 s per vendor
stage, so the run spends a while deferred). One `localize_video` run into four languages is triggered
over REST; while its tasks wait in the triggerer, the triggerer is killed with SIGKILL and a new one is
started: the run still succeeds, every file verifies against the manifest, and the sandbox counted one
asset and four generations, i.e. no vendor job was paid twice.

Before that run, on the same stack: every compose health check (`topology.HEALTHCHECKS`) passes when run
here against the live components, and the connection form's Test button (`POST /api/v2/connections/test`,
enabled by `[core] test_connection`) answers success for all five connection types against the sandbox,
and failure for a wrong secret.

Skips (with the reason) when PostgreSQL or Redis is not reachable, except under `CI=true`, where it
fails instead.
"""

# ruff: noqa: F811  (fixtures imported from stack_support are redefined as test arguments)
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from stack_support import postgres_database, redis_broker  # noqa: F401 (module fixtures used below)
from video_localization_dev import topology
from video_localization_dev.demo import verify_manifest
from video_localization_dev.media import media_dir
from video_localization_dev.rest import AirflowRest
from video_localization_dev.sandbox.connections import sandbox_connections
from video_localization_dev.stack import ADMIN_USER, Stack

pytestmark = pytest.mark.integration

DAG_ID = "localize_video"
LANGUAGES = ["fr-FR", "de-DE", "es-ES", "ja-JP"]


@pytest.fixture(scope="module")
def timings() -> dict[str, float]:
    measured: dict[str, float] = {}
    yield measured
    print("\nCelery topology timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in measured.items()))


@pytest.fixture(scope="module")
def celery_stack(tmp_path_factory, postgres_database, redis_broker, timings):
    broker_url, prefix = redis_broker
    stack = Stack(
        home=tmp_path_factory.mktemp("airflow-celery-home"),
        output_dir=tmp_path_factory.mktemp("celery-output"),
        executor="CeleryExecutor",
        database_url=postgres_database,
        broker_url=broker_url,
        broker_key_prefix=prefix,
        sandbox_step_seconds=3.0,
        poll_interval=1.0,
        max_poll_interval=2.0,
    )
    started = time.monotonic()
    try:
        stack.start()
        timings["start (migrate + healthy)"] = time.monotonic() - started
        yield stack
    finally:
        stack.stop()


def test_every_compose_health_check_passes_against_the_live_components(celery_stack: Stack):
    """The checks docker-compose.yaml gives its services, run here with each component's environment."""
    failures = {}
    for name in (topology.SANDBOX, *celery_stack.components):
        deadline = time.monotonic() + 120  # a worker answers pings once it has joined the broker
        while True:
            result = celery_stack.healthcheck(name)
            if result.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(2)
        if result.returncode != 0:
            failures[name] = (topology.healthcheck(name), result.stdout[-2000:], result.stderr[-2000:])
    assert not failures, failures


def test_the_test_button_succeeds_for_all_five_connection_types_against_the_sandbox(celery_stack: Stack):
    """What the connection form's Test button sends: the fields typed in, under an id not yet saved."""
    forms = {
        name.removeprefix("AIRFLOW_CONN_").removesuffix("_DEFAULT").lower(): json.loads(value)
        for name, value in sandbox_connections(celery_stack.sandbox_url).items()
    }
    assert set(forms) == {"panjaya", "akool", "blendvision", "rev", "cdnvideo"}
    with httpx.Client(base_url=celery_stack.api_url, timeout=60) as client:
        token = client.post("/auth/token", json={"username": ADMIN_USER, "password": celery_stack.password})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        answers = {}
        for conn_type, form in forms.items():
            body = {
                **{key: value for key, value in form.items() if key != "extra"},
                "connection_id": f"test_button_{conn_type}",
                "extra": json.dumps(form.get("extra") or {}),
            }
            good = client.post("/api/v2/connections/test", json=body)
            assert good.status_code == 200, (conn_type, good.text)
            wrong = client.post("/api/v2/connections/test", json={**body, "password": "not-the-secret"})
            assert wrong.status_code == 200, (conn_type, wrong.text)
            answers[conn_type] = (good.json(), wrong.json())
    for conn_type, (good, wrong) in answers.items():
        assert good["status"] is True, (conn_type, good)
        assert wrong["status"] is False, (conn_type, wrong)
        assert "not-the-secret" not in wrong["message"], (conn_type, wrong)


def _sandbox_counters(stack: Stack) -> dict:
    return httpx.get(f"{stack.sandbox_url}/_sandbox/counters", timeout=5).json()


def _wait_for_deferred(rest: AirflowRest, run_id: str, timeout: float = 600) -> list[dict]:
    """Until some of the run's dub tasks (`language.dub`) (or, failing that, any task) wait in the triggerer.

    The deadline is generous: at a load average of 22 on 2 cores each Celery task took 15-45 s to start
    and finish, and the four tasks before the dub took 130 s (a 150 s deadline failed twice there)."""
    deadline = time.monotonic() + timeout
    deferred: list[dict] = []
    while time.monotonic() < deadline:
        instances = rest.task_instances(DAG_ID, run_id)
        deferred = [ti for ti in instances if ti["state"] == "deferred"]
        if any(ti["task_id"] == "language.dub" for ti in deferred):
            return deferred
        if rest.dag_run(DAG_ID, run_id)["state"] in ("success", "failed"):
            break
        time.sleep(0.5)
    if deferred:
        return deferred
    pytest.fail(f"no task of run {run_id} was seen deferred: {rest.task_instances(DAG_ID, run_id)}")


def test_four_languages_survive_a_killed_triggerer_without_paying_twice(
    celery_stack: Stack, tmp_path: Path, timings: dict[str, float]
):
    stack = celery_stack
    rest = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
    try:
        rest.wait_for_dag(DAG_ID)
        rest.unpause(DAG_ID)
        health = httpx.get(f"{stack.api_url}/api/v2/monitor/health", timeout=5).json()
        assert health["metadatabase"]["status"] == "healthy"

        triggered = time.monotonic()
        run = rest.trigger(
            DAG_ID,
            {
                "source": str(media_dir() / "sample.mp4"),
                "source_language": "en-US",
                "target_languages": LANGUAGES,
                "output_location": str(tmp_path),
            },
        )
        run_id = run["dag_run_id"]

        deferred = _wait_for_deferred(rest, run_id)
        timings["trigger -> deferred"] = time.monotonic() - triggered
        stack.kill("triggerer")  # SIGKILL: no clean shutdown, its triggers are orphaned in the DB
        killed_states = {
            (ti["task_id"], ti["map_index"]): ti["state"] for ti in rest.task_instances(DAG_ID, run_id)
        }
        for ti in deferred:
            # Still waiting: the work is owned by the database row, not by the dead process.
            assert killed_states[(ti["task_id"], ti["map_index"])] in ("deferred", "scheduled", "queued")
        stack.restart("triggerer")

        final = rest.wait_for_run(DAG_ID, run_id, timeout=900)
        timings["trigger -> success"] = time.monotonic() - triggered
        assert final["state"] == "success", rest.task_instances(DAG_ID, run_id)

        manifest_info = rest.xcom(DAG_ID, run_id, "manifest")
        manifest_path = Path(manifest_info["manifest"]["uri"].removeprefix("file://"))
        manifest = json.loads(manifest_path.read_text())
        assert verify_manifest(manifest, LANGUAGES, run_dir=manifest_path.parent) == []

        created = _sandbox_counters(stack)["created"]
        assert created == {"panjaya:asset": 1, "panjaya:generation": 4}

        # The tasks really ran on the Celery workers (the scheduler runs none with this executor).
        received = {
            worker: stack.log_tail(worker, 100_000).count("received") for worker in ("worker-1", "worker-2")
        }
        print(f"\nCelery tasks received per worker: {received}")
        assert all(count > 0 for count in received.values()), received  # both workers took tasks
    finally:
        rest.close()
