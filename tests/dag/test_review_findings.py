"""Defects found in review: the plan and intake checks directly, the rest through `dag.test()` on the sandbox.

(One file: a second `test_review_findings.py` under tests/unit would clash with this module name.)
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState

from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.pipelines import intake
from video_localization.pipelines.localize import build_plan
from video_localization_dev.media import media_dir

#: A plan checks that every connection it will use exists: the vendors' on the sandbox.
pytestmark = pytest.mark.usefixtures("vendor_connections")

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


def _manifest(output: Path) -> tuple[Path, dict]:
    [path] = list(output.glob("*/manifest.json"))
    return path.parent, json.loads(path.read_text())


def test_a_language_rejected_in_review_is_not_generated(localize_dag, panjaya_env, tmp_path):
    """Rejecting de-DE must skip its (billed) generation; the manifest says who rejected it and when."""
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
    assert states[("language.dub", 1)] == "skipped", states
    assert states[("language.deliver", 1)] == "skipped", states
    assert panjaya_env.counters()["created"] == {"panjaya:asset": 1, "panjaya:generation": 1}
    _, manifest = _manifest(tmp_path)
    status = {lang["locale"]: (lang["status"], lang["reason"]) for lang in manifest["languages"]}
    assert status["fr-FR"] == ("delivered", None)
    assert status["de-DE"][0] == "rejected" and "rejected in review by reviewer" in status["de-DE"][1]
    assert [entry["path"] for entry in manifest["source_captions"]["files"]] == ["en-US/sample.en-US.srt"]


def test_the_manifest_lists_every_file_of_a_caption_run(localize_dag, panjaya_env, tmp_path):
    """Every file in the run folder is listed once (the source transcript too), with its size."""
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "caption_formats": ["SubRip", "WebVtt"],
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir, manifest = _manifest(tmp_path)
    entries = [entry for lang in manifest["languages"] for entry in lang["files"]]
    entries += manifest["source_captions"]["files"]
    listed = [run_dir / entry["path"] for entry in entries]
    on_disk = {path for path in run_dir.rglob("*") if path.is_file() and path.name != "manifest.json"}
    assert sorted(listed) == sorted(on_disk)  # each once
    for entry in entries:
        assert len((run_dir / entry["path"]).read_bytes()) == entry["bytes"]


# -- plan and intake checks (no Airflow run) ----------------------------------------------------------
@pytest.mark.parametrize("source", ["/no/such/video.mp4", "ftp://example.com/v.mp4"])
def test_akool_plan_with_a_bad_source_names_the_field_instead_of_crashing(source, tmp_path):
    """A missing file or unsupported scheme with Akool gave `TypeError: 'NoneType' ...` from the plan."""
    conf = {
        "dubbing_vendor": "akool",
        "source": source,
        "source_language": "en-US",
        "target_languages": ["fr-FR", "xx-XX"],
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputs) as refused:
        build_plan(conf, "run-1")
    fields = {error.field for error in refused.value.errors}
    assert fields == {"source", "target_languages"}  # the languages are still checked and routed


def test_akool_plan_with_a_local_file_still_checks_the_languages(tmp_path):
    conf = {
        "dubbing_vendor": "akool",
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": ["xx-XX"],
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputError) as refused:
        build_plan(conf, "run-1")
    assert refused.value.field == "target_languages" and "xx-XX" in str(refused.value)
    with pytest.raises(InvalidInputError, match="akool fetches the video itself: needs an http"):
        build_plan({**conf, "target_languages": ["fr-FR"]}, "run-1")


@pytest.mark.parametrize("captions_source", ["dubbing", "rev", None])
def test_intake_takes_the_forms_captions_source_values(captions_source, tmp_path):
    """`captions_source: dubbing` (the form's default) was refused with 'allowed: rev, local'."""
    request = {
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "targets": ["fr-FR"],
        "caption_formats": ["SubRip"],
        "output": str(tmp_path),
    }
    if captions_source:
        request["captions_source"] = captions_source
    conf = intake.request_conf(request)
    plan = intake.validate_request(conf, intake.request_run_id(conf))
    assert plan["caption_formats"] == ["SubRip"]
    assert plan["captions_source"] == (captions_source or "dubbing")


def test_intake_refuses_an_unknown_captions_source_naming_the_forms_values(tmp_path):
    conf = intake.request_conf(
        {"targets": ["fr-FR"], "caption_formats": ["SubRip"], "captions_source": "local", "output": "/o"}
    )
    with pytest.raises((InvalidInputError, InvalidInputs)) as refused:
        intake.validate_request(conf, "r")
    assert "captions_source='local'" in str(refused.value)
    assert "dubbing" in str(refused.value)


@pytest.mark.parametrize(
    ("vendor", "start", "end", "field"),
    [
        ("panjaya", 1, 10000, "end_time"),
        ("panjaya", 9, None, "start_time"),
        ("blendvision", 1, 8.5, "end_time"),
    ],
)
def test_plan_refuses_an_interval_past_the_end_of_a_file_source(vendor, start, end, field, tmp_path):
    """The sample is 8 s long: Panjaya failed the asset with time_out_of_range after the upload."""
    conf = {
        "dubbing_vendor": vendor,
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": ["fr-FR"],
        "start_time": start,
        "end_time": end,
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputError, match=rf"{field}=.*the source video's length"):
        build_plan(conf, "run-1")
    plan = build_plan({**conf, "start_time": 1, "end_time": 8}, "run-1")
    assert plan["options"][vendor]["end_time"] == 8
