"""DAG tests run `dag.test()` against the sandbox, on the test session's own migrated SQLite DB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from video_localization_dev.sandbox.connections import sandbox_connections
from video_localization_dev.sandbox.server import RunningSandbox


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the test AIRFLOW_HOME's SQLite DB once per session (about 5 s)."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(), capture_output=True)


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
