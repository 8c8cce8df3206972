"""Defects found in review, confirmed through `dag.test()` against the sandbox."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ["VLOC_POLL_INTERVAL"] = "0.1"
os.environ["VLOC_MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState

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


def _reviewer(decisions: dict[str, str], stop: threading.Event) -> None:
    """Answer each review as a person would through the HITL API (which dag.test() never does)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import handle_event_submit
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.session import create_session

    while not stop.is_set():
        with create_session() as session:
            for row in session.query(HITLDetail).filter(HITLDetail.responded_at.is_(None)):
                locale = next((loc for loc in decisions if loc in (row.subject or "")), None)
                ti = session.get(TaskInstance, row.ti_id)
                if locale is None or ti is None or ti.state not in ("awaiting_input", "deferred"):
                    continue
                row.chosen_options = [decisions[locale]]
                row.responded_at = datetime.now(UTC)
                row.responded_by = {"id": "reviewer", "name": "reviewer"}
                session.add(row)
                handle_event_submit(
                    TriggerEvent(row.as_resume_event_payload()), task_instance=ti, session=session
                )
        time.sleep(0.2)


def test_a_language_rejected_in_review_is_not_generated(localize_dag, panjaya_env, tmp_path):
    """Rejecting de-DE must skip its (billed) generation; the manifest lists it as not delivered."""
    stop = threading.Event()
    reviewer = threading.Thread(
        target=_reviewer, args=({"fr-FR": "Approve", "de-DE": "Reject"}, stop), daemon=True
    )
    reviewer.start()
    try:
        run = localize_dag.test(
            run_conf={
                "source": str(media_dir() / "sample.mp4"),
                "source_language": "en-US",
                "target_languages": ["fr-FR", "de-DE"],
                "review": True,
                "caption_formats": ["SubRip"],
                "output_location": str(tmp_path),
            }
        )
    finally:
        stop.set()
        reviewer.join()
    states = _states(run)
    assert run.state == DagRunState.SUCCESS, states
    assert states[("localize_language.generate", 1)] == "skipped", states
    assert states[("localize_language.download", 1)] == "skipped", states
    assert panjaya_env.counters()["created"] == {"panjaya:asset": 1, "panjaya:generation": 1}
    manifest = json.loads((tmp_path / run.run_id / "manifest.json").read_text())
    status = {lang["locale"]: lang["status"] for lang in manifest["languages"]}
    assert status == {"fr-FR": "delivered", "de-DE": "not_delivered"}
    assert sorted(manifest["captions"]["files"]) == ["en-US", "fr-FR"]
