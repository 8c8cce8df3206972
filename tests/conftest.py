"""Shared fixtures: one vendor sandbox for the whole test session, reset before each test that uses it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its configuration at import: give the tests their own home and quiet defaults first.
_TEST_HOME = Path(tempfile.mkdtemp(prefix="vloc-airflow-test-"))
os.environ.setdefault("AIRFLOW_HOME", str(_TEST_HOME))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# Triggers run inline in tests (no deferring workload to wait for): no settle delay (core.resume_race).
os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS", "0")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).resolve().parent.parent / "dags"))

from video_localization_dev.media import media_dir  # noqa: E402
from video_localization_dev.sandbox.server import RunningSandbox, running_sandbox  # noqa: E402

os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__DEFAULT_SOURCE", str(media_dir() / "sample.mp4"))


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    with running_sandbox(step_seconds=0.05) as running:
        yield running


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox) -> RunningSandbox:
    """The session's sandbox, with every object, counter and fault forgotten."""
    sandbox_server.sandbox.reset()
    sandbox_server.sandbox.settings.step_seconds = 0.05
    return sandbox_server
