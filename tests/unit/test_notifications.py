"""RunFailureNotifier: POSTs a run's failure to a fake HTTP endpoint on loopback, or logs it clearly when
no connection is configured; which connection wins; every DAG has it as its failure callback."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from video_localization import get_provider_info
from video_localization.core.config import SETTINGS
from video_localization.notifications import RunFailureNotifier

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


class Endpoint:
    """A fake notification endpoint on 127.0.0.1: records every POST (path, headers, JSON body)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint.received.append(
                    {"path": self.path, "type": self.headers.get("Content-Type"), "body": json.loads(body)}
                )
                self.send_response(204)
                self.end_headers()
                endpoint.arrived.set()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def connection_json(self) -> str:
        return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": self.port, "schema": "http"})


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    running = Endpoint()
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


class FailedTi:
    """The task instance Airflow puts in a DAG failure callback's context: the one that failed last."""

    task_id = "localize_language.download"
    map_index = 1
    log_url = "http://localhost:8080/dags/localize_video/runs/manual__1/tasks/localize_language.download"


def context(**extra: Any) -> dict[str, Any]:
    from airflow.sdk import DAG

    return {
        "dag": DAG("localize_video", schedule=None),
        "run_id": "manual__1",
        "reason": "task_failure",
        "ti": FailedTi(),
        **extra,
    }


def test_a_failed_run_is_posted_as_json_to_the_configured_connection(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NOTIFY_TEST", endpoint.connection_json())
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__NOTIFY_CONN_ID", "notify_test")

    RunFailureNotifier(endpoint="/hooks/airflow")(context())

    assert endpoint.arrived.wait(30)
    (request,) = endpoint.received
    assert request["path"] == "/hooks/airflow"
    assert request["type"] == "application/json"
    assert request["body"] == {
        "event": "dag_run_failed",
        "dag_id": "localize_video",
        "run_id": "manual__1",
        "failed_tasks": ["localize_language.download_1"],
        "reason": "task_failure",
        "link": "http://localhost:8080/dags/localize_video/runs/manual__1",
        "log_link": FailedTi.log_url,
    }


def test_every_failed_task_of_the_run_is_listed_when_airflow_can_say(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    states = {"manual__1": {"plan": "success", "akool_download_0": "failed", "manifest": "upstream_failed"}}
    monkeypatch.setattr(RuntimeTaskInstance, "get_task_states", staticmethod(lambda **_kw: states))
    monkeypatch.setenv("AIRFLOW_CONN_NOTIFY_TEST", endpoint.connection_json())

    RunFailureNotifier(http_conn_id="notify_test")(context())

    assert endpoint.arrived.wait(30)
    assert endpoint.received[0]["body"]["failed_tasks"] == ["akool_download_0", "manifest"]


def test_the_runs_own_notify_conn_id_wins_over_the_setting(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_RUN_NOTIFY", endpoint.connection_json())
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__NOTIFY_CONN_ID", "no_such_connection")
    notifier = RunFailureNotifier()
    assert notifier.connection_id(context(params={"notify_conn_id": "run_notify"})) == "run_notify"
    assert notifier.connection_id(context(params={})) == "no_such_connection"
    assert RunFailureNotifier(http_conn_id="explicit").connection_id(context()) == "explicit"

    notifier(context(params={"notify_conn_id": "run_notify"}))
    assert endpoint.arrived.wait(30)


def test_without_a_connection_the_failure_is_logged_and_nothing_is_sent(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("AIRFLOW__VIDEO_LOCALIZATION__NOTIFY_CONN_ID", raising=False)
    # Airflow's structlog logger of the notifier, swapped for a standard one pytest can read.
    monkeypatch.setattr(RunFailureNotifier, "log", logging.getLogger("vloc.test.notifier"))
    with caplog.at_level(logging.INFO, logger="vloc.test.notifier"):
        RunFailureNotifier()(context(params={"notify_conn_id": None}))
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "manual__1 of localize_video FAILED (task_failure)" in errors[0]
    assert "localize_language.download_1" in errors[0]
    assert "notify_conn_id" in errors[0]
    assert not endpoint.arrived.wait(0.5)


def test_the_setting_and_the_notifier_are_declared_in_the_provider_info() -> None:
    info = get_provider_info()
    assert "video_localization.notifications.RunFailureNotifier" in info["notifications"]
    option = info["config"]["video_localization"]["options"]["notify_conn_id"]
    assert option["default"] == ""
    assert "notify_conn_id" in {setting.key for setting in SETTINGS}


def test_every_dag_notifies_its_failures() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert not bag.import_errors, bag.import_errors
    assert len(bag.dags) == 4
    for dag in bag.dags.values():
        callbacks = dag.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert any(isinstance(callback, RunFailureNotifier) for callback in callbacks), dag.dag_id
