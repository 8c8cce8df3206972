"""`localization_intake` through `dag.test()`: requests become `localize_video` runs (queued), once each.

The triggered runs are real rows in the test DB (created by the TriggerDagRunOperator through the
execution API); they are not executed here, so no vendor is called: the sandbox counter stays 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from airflow.sdk import DagRunState

from video_localization.pipelines import intake
from video_localization_dev.media import media_dir

#: A plan checks that every connection it will use exists: the vendors' on the sandbox.
pytestmark = pytest.mark.usefixtures("vendor_connections")

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def intake_dag(airflow_db, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    # The inbox is chosen among the configured ones only: this test's inbox is the configured one.
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__INBOX_ROOTS", str(tmp_path / "inbox"))

    bag = DagBag(dag_folder=str(DAGS_DIR / "localization_intake.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("localization_intake")


def _localize_runs() -> dict[str, dict]:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        runs = session.query(DagRun).filter(DagRun.dag_id == "localize_video").all()
        return {run.run_id: dict(run.conf or {}) for run in runs}


def _intake_runs(runs: dict[str, dict], output: Path) -> set[str]:
    """The intake runs of one test (other tests of the session trigger intake runs of their own)."""
    return {
        run_id
        for run_id, conf in runs.items()
        if run_id.startswith("intake__") and str(conf.get("output_location", "")).startswith(str(output))
    }


def _good(output: Path, *targets: str) -> dict:
    return {
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "targets": list(targets),
        "vendor": "panjaya",
        "output_location": str(output),
    }


def _run(intake_dag, inbox: Path):
    return intake_dag.test(run_conf={"inbox": str(inbox), "settle_seconds": 0})


def _trigger_xcoms(intake_run_id: str) -> dict[str, object]:
    """The trigger task's XComs of one intake run (the first mapped instance), by key."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel).filter(
            XComModel.run_id == intake_run_id,
            XComModel.task_id == "trigger_localize_video",
            XComModel.map_index == 0,
            XComModel.key.in_(["trigger_run_id", "_link_TriggeredRunLink"]),
        )
        return {row.key: _value(row.value) for row in rows}


def _value(raw: object) -> object:
    """An XCom row's value (stored as JSON text or as a decoded JSON value, depending on the backend)."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_good_requests_trigger_once_bad_ones_fail_with_reasons(intake_dag, tmp_path, sandbox):
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    first = _good(output, "fr-FR")
    (inbox / "a-first.json").write_text(json.dumps(first))
    (inbox / "b-second.yaml").write_text(
        f"source: {media_dir() / 'sample.mp4'}\nsource_language: en-US\n"
        f"targets: [de-DE, es-ES]\nvendor: panjaya\noutput_location: {output}\n"
    )
    # The same request as a-first.json, spelled differently: one run for both.
    (inbox / "c-same-as-first.json").write_text(json.dumps(first, indent=4, sort_keys=True))
    (inbox / "d-bad-language.yaml").write_text(
        f"source: {media_dir() / 'sample.mp4'}\nsource_language: en-US\ntargets: [xx-XX]\n"
    )
    (inbox / "e-broken.yaml").write_text("source: [unclosed\n")
    (inbox / "f-unknown-field.json").write_text(json.dumps({**first, "sorce": "typo"}))
    (inbox / "g-missing-file.json").write_text(json.dumps({**first, "source": str(media_dir() / "nope.mp4")}))
    (inbox / "notes.txt").write_text("not a request")

    run = _run(intake_dag, inbox)
    assert run.state == DagRunState.SUCCESS, _states(run)

    runs = _localize_runs()
    first_id = intake.request_run_id(intake.request_conf(first))
    assert first_id in runs
    assert runs[first_id]["target_languages"] == ["fr-FR"]
    assert runs[first_id]["dubbing_vendor"] == "panjaya"
    mine = _intake_runs(runs, output)
    assert len(mine) == 2  # a-first (+ c-same-as-first) and b-second

    done = sorted(
        intake.original_name(p.name)
        for p in (inbox / "done").iterdir()
        if not p.name.endswith(".result.json")
    )
    assert done == [
        "a-first.json",
        "b-second.yaml",
        "c-same-as-first.json",
    ]
    results = {
        json.loads(p.read_text())["request"]: json.loads(p.read_text())
        for p in (inbox / "done").glob("*.result.json")
    }
    assert results["a-first.json"]["run_id"] == results["c-same-as-first.json"]["run_id"] == first_id
    assert {results["a-first.json"]["status"], results["c-same-as-first.json"]["status"]} == {
        "triggered",
        "already_triggered",
    }

    errors = {
        json.loads(p.read_text())["request"]: json.loads(p.read_text())
        for p in (inbox / "failed").glob("*.error.json")
    }
    assert set(errors) == {
        "d-bad-language.yaml",
        "e-broken.yaml",
        "f-unknown-field.json",
        "g-missing-file.json",
    }
    assert "xx-XX" in errors["d-bad-language.yaml"]["reason"]
    assert errors["d-bad-language.yaml"]["errors"][0]["field"] == "target_languages"
    assert "sorce" in errors["f-unknown-field.json"]["reason"]
    assert "no such file" in errors["g-missing-file.json"]["reason"]
    assert not list((inbox / "processing").iterdir())
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["notes.txt"]
    assert sandbox.counters()["requests_by_vendor"] == {}  # validation called no vendor

    # The same request dropped again later: not triggered again, recorded against the existing run.
    (inbox / "again.json").write_text(json.dumps(first))
    rerun = _run(intake_dag, inbox)
    assert rerun.state == DagRunState.SUCCESS, _states(rerun)
    assert _intake_runs(_localize_runs(), output) == mine
    again = [p for p in (inbox / "done").glob("*again.json.result.json")]
    assert json.loads(again[0].read_text()) | {"done_at": None} == {
        "request": "again.json",
        "status": "already_triggered",
        "dag_id": "localize_video",
        "run_id": first_id,
        "done_at": None,
    }


def test_a_retry_after_a_crash_triggers_what_was_claimed_exactly_once(intake_dag, tmp_path):
    """A try that died after claiming (file left in processing/) is finished by the next try or run;
    one that died after triggering is recognized by its run id and not triggered again."""
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    (inbox / "processing").mkdir(parents=True)
    claimed_only = _good(output, "it-IT")
    run_id = intake.request_run_id(intake.request_conf(claimed_only))
    (inbox / "processing" / f"{run_id}__crashed.json").write_text(json.dumps(claimed_only))

    run = _run(intake_dag, inbox)
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert run_id in _localize_runs()
    assert _states(run)[("trigger_localize_video", 0)] == "success"
    # The task runner pushed the run id; the "Triggered DAG" link (computed when the task ended) names it.
    assert _trigger_xcoms(run.run_id) == {
        "trigger_run_id": run_id,
        "_link_TriggeredRunLink": f"/dags/localize_video/runs/{run_id}",
    }

    # Crash after the trigger, before the file moved on: put it back in processing/ and run again.
    done = next((inbox / "done").glob(f"{run_id}__crashed.json"))
    done.rename(inbox / "processing" / done.name)
    before = _localize_runs()
    again = _run(intake_dag, inbox)
    assert again.state == DagRunState.SUCCESS, _states(again)
    assert _localize_runs().keys() == before.keys()
    record = json.loads((inbox / "done" / f"{run_id}__crashed.json.result.json").read_text())
    assert record["status"] == "already_triggered" and record["run_id"] == run_id


def test_the_trigger_itself_refuses_an_existing_run_id(intake_dag, tmp_path, monkeypatch):
    """Even when the claim step does not see the run (a race), Airflow refuses the duplicate: skipped."""
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    request = _good(output, "pt-BR")
    (inbox / "race.json").write_text(json.dumps(request))
    run_id = intake.request_run_id(intake.request_conf(request))
    first = _run(intake_dag, inbox)
    assert first.state == DagRunState.SUCCESS, _states(first)
    assert run_id in _localize_runs()

    (inbox / "race-again.json").write_text(json.dumps(request))
    real_claim = intake.claim_requests
    monkeypatch.setattr(intake, "claim_requests", lambda *a, **k: real_claim(*a, **{**k, "run_exists": None}))
    second = _run(intake_dag, inbox)
    assert second.state == DagRunState.SUCCESS, _states(second)
    assert _states(second)[("trigger_localize_video", 0)] == "skipped"
    assert [r for r in _localize_runs() if r == run_id] == [run_id]
    record = json.loads(next((inbox / "done").glob("*race-again.json.result.json")).read_text())
    assert record["status"] == "already_triggered"
