"""Shared fixtures: one vendor sandbox for the whole test session, reset before each test that uses it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Airflow reads its configuration at import: give the tests their own home and quiet defaults first.
_TEST_HOME = Path(tempfile.mkdtemp(prefix="vloc-airflow-test-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # A pytest-xdist worker inherits the controller's environment, this home included: each worker gets
    # its own, or two workers migrate and write one SQLite DB at once.
    os.environ["AIRFLOW_HOME"] = str(_TEST_HOME)
    os.environ["AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT"] = str(_TEST_HOME / "output")
os.environ.setdefault("AIRFLOW_HOME", str(_TEST_HOME))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# Triggers run inline in tests (no deferring workload to wait for): no settle delay (core.resume_race).
os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS", "0")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).resolve().parent.parent / "dags"))
# Trust boundaries for tests (configuration, as a deployment sets it): outputs and inboxes anywhere under
# the temporary folder (pytest's tmp_path lives there), sources from the sample media folder (default).
os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOTS", str(Path(tempfile.gettempdir()).resolve()))
# The forms' default output location, inside those roots.
os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOT", str(_TEST_HOME / "output"))

from video_localization_dev.media import media_dir  # noqa: E402
from video_localization_dev.sandbox.server import RunningSandbox, running_sandbox  # noqa: E402

os.environ.setdefault("AIRFLOW__VIDEO_LOCALIZATION__DEFAULT_SOURCE", str(media_dir() / "sample.mp4"))


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    with running_sandbox(step_seconds=0.05) as running:
        # The sandbox's own host:port is allowed for user URLs (its sample media), nothing else local.
        os.environ["AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS"] = urlparse(running.url).netloc
        yield running
        os.environ.pop("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", None)


@pytest.fixture
def vendor_connections(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """Every vendor's default connection on the sandbox (a plan checks that they exist)."""
    from video_localization_dev.sandbox.connections import sandbox_connections

    for name, value in sandbox_connections(sandbox.url).items():
        monkeypatch.setenv(name, value)
    return sandbox


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox) -> RunningSandbox:
    """The session's sandbox, with every object, counter and fault forgotten."""
    sandbox_server.sandbox.reset()
    sandbox_server.sandbox.settings.step_seconds = 0.05
    return sandbox_server


@pytest.fixture(autouse=True)
def _callback_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's callback receivers remember what they believed in a folder of its own."""
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CALLBACK_SEEN_DIR", str(tmp_path / "callbacks-seen"))
