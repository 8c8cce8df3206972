"""`vendor_housekeeping` through `dag.test()` against the CDNvideo sandbox (tasks made over plain HTTP).

Three talking-head videos at CDNvideo: one archived with a copy that verifies, one whose archived copy
was altered, one never archived. The report lists the unarchived one (its 6-hour link ends within the
horizon), CDNvideo's quota, and, asked to clean up, deletes only the one whose copy verifies.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from airflow.sdk import DagRunState

from video_localization_dev.sandbox.cdnvideo import constants as cdn

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
GENERATE = {
    "script": "Hello! This is the text I am speaking.",
    "actor": {"name": "Natalia", "version": "4.0.0", "style": "dressshirt", "shot": "waist", "size": "HD"},
    "voice": "Sara",
    "background": "green_screen",
}


@pytest.fixture
def housekeeping_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / "vendor_housekeeping.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("vendor_housekeeping")


class Cdn:
    """Plain HTTP against the sandbox's CDNvideo account (what the real hook would have made)."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=10)
        token = self.client.post(
            cdn.TOKEN_PATH, data={"username": cdn.SANDBOX_USERNAME, "password": cdn.SANDBOX_PASSWORD}
        ).json()["token"]
        self.client.headers[cdn.TOKEN_HEADER] = token
        self.api = f"{cdn.API_PREFIX}/{cdn.SANDBOX_ACCOUNT}"

    def processed_video(self, name: str) -> tuple[str, bytes]:
        answer = self.client.post(f"{self.api}/generate", json={**GENERATE, "video_name": name})
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        deadline = time.monotonic() + 15
        while self.client.get(f"{self.api}/status/{job_id}").json()["task"]["status"].lower() != "processed":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        url = self.client.get(f"{self.api}/video/{job_id}").json()["url"]
        return job_id, httpx.get(url, timeout=10).content

    def listed(self) -> set[str]:
        return {row["id"] for row in self.client.get(f"{self.api}/tasks").json()}


def _manifest(output: Path, run: str, job_id: str, data: bytes, stored: bytes | None = None) -> None:
    folder = output / run / "en-US"
    folder.mkdir(parents=True)
    (folder / "video.mp4").write_bytes(stored if stored is not None else data)
    entry = {
        "uri": (folder / "video.mp4").as_uri(),
        "name": "video.mp4",
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    manifest = {
        "manifest_version": 1,
        "dag_id": "talking_head_video",
        "run_id": run,
        "vendor": "cdnvideo",
        "languages": [{"locale": "en-US", "status": "delivered", "task_id": job_id, "files": [entry]}],
    }
    (output / run / "manifest.json").write_text(json.dumps(manifest))


def test_report_quota_and_cleanup_of_verified_copies_only(housekeeping_dag, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_DEFAULT",
        json.dumps(
            {
                "conn_type": "cdnvideo",
                "host": sandbox.vendor_url("cdnvideo"),
                "login": cdn.SANDBOX_USERNAME,
                "password": cdn.SANDBOX_PASSWORD,
                "extra": {"account": cdn.SANDBOX_ACCOUNT, "pacing_dir": str(tmp_path / "pacing")},
            }
        ),
    )
    monkeypatch.delenv("AIRFLOW_CONN_REV_DEFAULT", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_AKOOL_DEFAULT", raising=False)
    vendor = Cdn(sandbox.vendor_url("cdnvideo"))
    archived, archived_data = vendor.processed_video("archived")
    altered, altered_data = vendor.processed_video("altered copy")
    loose, _ = vendor.processed_video("never archived")
    output = tmp_path / "out"
    _manifest(output, "run_a", archived, archived_data)
    _manifest(output, "run_b", altered, altered_data, stored=altered_data[:-10] + b"0123456789")

    run = housekeeping_dag.test(
        run_conf={"output_location": str(output), "horizon_hours": 24, "delete_archived_talking_heads": True}
    )
    assert run.state == DagRunState.SUCCESS, {ti.task_id: ti.state for ti in run.get_task_instances()}

    reports = sorted((output / "housekeeping").glob("*.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text())
    assert [(r["vendor"], r["job_id"]) for r in report["expiring_soon"]] == [("cdnvideo", loose)]
    assert {r["job_id"] for r in report["not_archived"]} == {loose}
    statuses = {v["vendor"]: v["status"] for v in report["vendors"]}
    assert statuses == {"cdnvideo": "ok", "rev": "not_configured", "akool": "not_configured"}
    quota = next(q for q in report["quotas"] if q["vendor"] == "cdnvideo")
    assert quota["limit"] > quota["left"] >= 0 and quota["status"] in ("ok", "low")

    assert report["cleanup"]["deleted"] == [
        {"job_id": archived, "manifest": (output / "run_a" / "manifest.json").as_uri()}
    ]
    assert [k["job_id"] for k in report["cleanup"]["kept"]] == [altered]
    assert vendor.listed() == {altered, loose}  # only the verified copy's remote video is gone

    markdown = reports[0].with_suffix(".md").read_text()
    assert loose in markdown and "## Quota" in markdown and f"deleted `{archived}`" in markdown


@pytest.fixture
def ledger_variables(airflow_db):
    """The metadata DB's callback-ledger Variables, none before the test and none left after it."""
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    from video_localization.callbacks.ledger import VARIABLE_PREFIX

    def keys() -> set[str]:
        with create_session() as session:
            rows = session.query(Variable.key).filter(Variable.key.like(f"{VARIABLE_PREFIX}%")).all()
        return {row.key for row in rows}

    for key in keys():
        Variable.delete(key)
    yield keys
    for key in keys():
        Variable.delete(key)


def test_callback_ledger_entries_older_than_the_setting_are_deleted(
    housekeeping_dag, ledger_variables, tmp_path, monkeypatch
):
    from airflow.models.variable import Variable

    from video_localization.callbacks.ledger import VariableLedger, entry_value, recorded_at, variable_key

    for vendor in ("CDNVIDEO", "REV", "AKOOL"):
        monkeypatch.delenv(f"AIRFLOW_CONN_{vendor}_DEFAULT", raising=False)
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CALLBACK_LEDGER_MAX_AGE_HOURS", "48")
    old = variable_key("akool", "reference-of-a-dead-task", "job0000000000000000000001")
    fresh = variable_key("akool", "reference-of-a-live-task", "job0000000000000000000002")
    legacy = variable_key("akool", "reference-of-a-live-task", "job0000000000000000000003")
    Variable.set(old, entry_value("completed", datetime.now(UTC) - timedelta(hours=49)))
    VariableLedger().record("akool", "reference-of-a-live-task", "job0000000000000000000002", "processing")
    Variable.set(legacy, "processing")  # written before entries carried their time

    output = tmp_path / "out"
    run = housekeeping_dag.test(run_conf={"output_location": str(output)})
    assert run.state == DagRunState.SUCCESS, {ti.task_id: ti.state for ti in run.get_task_instances()}

    assert ledger_variables() == {fresh, legacy}
    stamped = recorded_at(Variable.get(legacy))
    assert stamped is not None and datetime.now(UTC) - stamped < timedelta(hours=1)  # goes 48 h from now
    [report] = sorted((output / "housekeeping").glob("*.json"))
    ledger = json.loads(report.read_text())["callback_ledger"]
    assert ledger == {"max_age_hours": 48.0, "deleted": 1, "kept": 1, "stamped": 1}
    assert "## Callback ledger" in report.with_suffix(".md").read_text()
