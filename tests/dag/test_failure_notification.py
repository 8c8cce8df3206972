"""A run that fails calls the DAG's `RunFailureNotifier` (`dag.test()` runs DAG callbacks inline), which
POSTs the failure to a fake HTTP endpoint on loopback (the connection named by the provider setting)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from airflow.sdk import DagRunState

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def endpoint() -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    received.append({"port": server.server_address[1]})
    yield received
    server.shutdown()
    server.server_close()


def test_a_failed_run_of_localize_video_is_notified(
    airflow_db: None, endpoint: list, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The request is refused by `plan` (no such source file): the run fails and its summary is POSTed."""
    from airflow.dag_processing.dagbag import DagBag

    port = endpoint.pop(0)["port"]
    monkeypatch.setenv(
        "AIRFLOW_CONN_FAILURE_ENDPOINT",
        json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"}),
    )
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__NOTIFY_CONN_ID", "failure_endpoint")
    bag = DagBag(dag_folder=str(DAGS_DIR / "localize_video.py"))
    assert not bag.import_errors, bag.import_errors

    run = bag.get_dag("localize_video").test(
        run_conf={"source": str(tmp_path / "missing.mp4"), "output_location": str(tmp_path / "out")}
    )

    assert run.state == DagRunState.FAILED
    (summary,) = endpoint
    assert summary["event"] == "dag_run_failed"
    assert summary["dag_id"] == "localize_video"
    assert summary["run_id"] == run.run_id
    assert "plan" in summary["failed_tasks"]
    assert summary["link"].endswith(f"/dags/localize_video/runs/{quote(run.run_id, safe='')}")
