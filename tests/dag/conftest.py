"""DAG tests run `dag.test()` against the sandbox, on the test session's own migrated SQLite DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from video_localization.sandbox.panjaya import public_key_pem
from video_localization.sandbox.server import RunningSandbox


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the test AIRFLOW_HOME's SQLite DB once per session (about 5 s)."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(), capture_output=True)


@pytest.fixture
def panjaya_env(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningSandbox:
    """Connection to the sandbox, quick polling and a private output folder for one DAG run."""
    pem = public_key_pem()  # the sandbox's callback key, read in-process so no request is counted
    monkeypatch.setenv(
        "AIRFLOW_CONN_PANJAYA_DEFAULT",
        json.dumps(
            {
                "conn_type": "panjaya",
                "host": sandbox.vendor_url("panjaya"),
                "password": "sandbox-key",
                "extra": {"callback_public_key": pem},
            }
        ),
    )
    monkeypatch.setenv("VLOC_OUTPUT_DIR", str(tmp_path / "output"))
    return sandbox
