"""The real stack (scheduler, dag-processor, triggerer, api-server on SQLite) and a pre-signed source URL:
its signature reaches the vendor and no log file of any component (scheduler.log included), no task log
and no row of the metadata DB other than the run's own conf and Airflow's audit record of the REST
trigger request (`log.extra` of `trigger_dag_run`: the request body as sent, written by Airflow itself).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from signed_bucket import CREDENTIAL, SIGNATURE, SignedBucket
from video_localization_dev.rest import AirflowRest
from video_localization_dev.stack import ADMIN_USER, Stack

pytestmark = pytest.mark.integration

DAG_ID = "localize_video"


@pytest.fixture(scope="module")
def bucket() -> Iterator[SignedBucket]:
    served = SignedBucket().start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, bucket: SignedBucket) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("airflow-home")
    running = Stack(home=home, output_dir=tmp_path_factory.mktemp("output"), sandbox_step_seconds=0.5)
    # The stack allows its sandbox; this test's bucket is allowed the same way, by configuration.
    running.extra_env["AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS"] = (
        f"127.0.0.1:{running.sandbox_port},{bucket.netloc}"
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _db_hits(database: Path, needle: str) -> list[str]:
    hits = set()
    with sqlite3.connect(database) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite_master
                record = dict(zip(columns, row, strict=True))
                for column, value in record.items():
                    if (table, column) == ("dag_run", "conf"):
                        continue  # the run's input, where the user put it
                    if (table, column) == ("log", "extra") and record.get("event") == "trigger_dag_run":
                        # Airflow's own audit record of the REST request (its body, as the user sent it):
                        # written by the api-server before any of this project's code runs. Known residual.
                        continue
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    if needle in text:
                        hits.add(f"{table}.{column}")
    return sorted(hits)


def test_a_presigned_source_url_stays_out_of_every_log_and_row(stack: Stack, bucket: SignedBucket, tmp_path):
    rest = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
    try:
        rest.wait_for_dag(DAG_ID)
        rest.unpause(DAG_ID)
        conf = {
            "dubbing_vendor": "akool",
            "source": bucket.url(),
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "output_location": str(stack.output_dir / "signed"),
        }
        run = rest.trigger(DAG_ID, conf)
        final = rest.wait_for_run(DAG_ID, run["dag_run_id"], timeout=900)
        assert final["state"] == "success", rest.task_instances(DAG_ID, run["dag_run_id"])
        plan = rest.xcom(DAG_ID, run["dag_run_id"], "plan")
    finally:
        rest.close()
    assert bucket.signed_gets >= 1  # the vendor fetched the signed object
    assert SIGNATURE not in str(plan) and "<redacted>" in plan["source"]
    files = [
        path for path in stack.home.rglob("*") if path.is_file() and not path.name.startswith("airflow.db")
    ]
    logs = [path for path in files if path.suffix == ".log" or "logs" in path.parts]
    assert any(path.name == "scheduler.log" for path in logs), [str(path) for path in logs]
    for secret in (SIGNATURE, CREDENTIAL):
        leaked = [str(path) for path in files if secret in path.read_text(encoding="utf-8", errors="replace")]
        assert leaked == []
        assert _db_hits(stack.home / "airflow.db", secret) == []
