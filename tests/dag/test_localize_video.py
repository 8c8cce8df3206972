"""`localize_video` end to end through `dag.test()` against the sandbox: files, manifest, no double spend."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

os.environ["VLOC_POLL_INTERVAL"] = "0.1"
os.environ["VLOC_MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState
from airflow.sdk.exceptions import ParamValidationError

from video_localization.core.paths import media_dir

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def localize_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / "localize_video.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("localize_video")


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_two_languages_end_to_end(localize_dag, panjaya_env, tmp_path):
    output = tmp_path / "out"
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["fr-FR", "ja-JP"],
            "output_location": str(output),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)

    run_dir = output / run.run_id
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [lang["locale"] for lang in manifest["languages"]] == ["fr-FR", "ja-JP"]
    for language in manifest["languages"]:
        assert language["status"] == "delivered"
        names = sorted(Path(entry["uri"].removeprefix("file://")).name for entry in language["files"])
        assert names == sorted(["video.mp4", f"{language['locale']}.srt"])
        for entry in language["files"]:
            data = Path(entry["uri"].removeprefix("file://")).read_bytes()
            assert len(data) == entry["size_bytes"]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert str(run_dir / language["locale"]) in entry["uri"]
    counters = panjaya_env.counters()["created"]
    assert counters == {"panjaya:asset": 1, "panjaya:generation": 2}


def test_bad_request_fails_at_plan_before_any_vendor_call(localize_dag, panjaya_env, tmp_path):
    """What the form's schema cannot judge (end before start, a missing file) fails `plan`, unspent."""
    run = localize_dag.test(
        run_conf={
            "source": str(tmp_path / "no-such-video.mp4"),
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "start_time": 5,
            "end_time": 3,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.FAILED
    states = _states(run)
    assert states[("plan", -1)] == "failed"
    assert states[("create_asset", -1)] == "upstream_failed"
    assert panjaya_env.counters()["requests_by_vendor"] == {}


def test_form_schema_refuses_a_target_only_language_as_source(localize_dag, panjaya_env, tmp_path):
    """th-TH is a Panjaya target only: the trigger form (and REST conf) refuse it before a run exists."""
    with pytest.raises(ParamValidationError, match="th-TH"):
        localize_dag.test(run_conf={"source_language": "th-TH", "output_location": str(tmp_path)})
    assert panjaya_env.counters()["requests_by_vendor"] == {}


def test_manifest_summary_is_posted_to_the_users_http_connection(
    localize_dag, panjaya_env, tmp_path, monkeypatch
):
    """`notify_conn_id` names an ordinary HTTP connection; the summary (ids, counts, no media) is POSTed."""
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_DELIVERY_HOOK",
        json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": server.server_port, "schema": "http"}),
    )
    try:
        run = localize_dag.test(
            run_conf={
                "source": str(media_dir() / "sample.mp4"),
                "source_language": "en-US",
                "target_languages": ["de-DE"],
                "output_location": str(tmp_path),
                "notify_conn_id": "delivery_hook",
            }
        )
    finally:
        server.shutdown()
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert len(received) == 1
    summary = received[0]
    assert summary["run_id"] == run.run_id
    assert summary["delivered"] == ["de-DE"]
    assert summary["files"] == 2
    assert summary["manifest"].endswith(f"{run.run_id}/manifest.json")


def test_without_notify_connection_the_notification_is_skipped(localize_dag, panjaya_env, tmp_path):
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["it-IT"],
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert _states(run)[("notify", -1)] == "skipped"
