"""DAG tests run `dag.test()` against the sandbox, on the test session's own migrated SQLite DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from video_localization.cdnvideo.auth import TOKENS
from video_localization_dev.sandbox.cdnvideo import constants as sandbox_constants
from video_localization_dev.sandbox.connections import sandbox_connections
from video_localization_dev.sandbox.server import RunningSandbox


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the test AIRFLOW_HOME's SQLite DB once per session (about 5 s)."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(), capture_output=True)


DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def talking_head_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / "talking_head_video.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("talking_head_video")


@pytest.fixture
def localize_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / "localize_video.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("localize_video")


@pytest.fixture
def cdnvideo_env(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningSandbox:
    """`cdnvideo_default` on the sandbox account, a private pacing ledger and output folder."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_DEFAULT",
        json.dumps(
            {
                "conn_type": "cdnvideo",
                "host": sandbox.vendor_url("cdnvideo"),
                "login": sandbox_constants.SANDBOX_USERNAME,
                "password": sandbox_constants.SANDBOX_PASSWORD,
                "extra": {
                    "account": sandbox_constants.SANDBOX_ACCOUNT,
                    "pacing_dir": str(tmp_path / "pacing"),
                },
            }
        ),
    )
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT", str(tmp_path / "output"))
    TOKENS.clear()  # the sandbox was reset: tokens of earlier tests are gone
    return sandbox


@pytest.fixture
def vendors_env(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningSandbox:
    """Every vendor connection on the sandbox, and a private output folder for one DAG run."""
    for name, value in sandbox_connections(sandbox.url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT", str(tmp_path / "output"))
    return sandbox


@pytest.fixture
def panjaya_env(vendors_env: RunningSandbox) -> RunningSandbox:
    return vendors_env
