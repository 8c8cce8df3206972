"""The intake's inbox logic without Airflow: parsing, run ids, atomic claims, overlapping intakes."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.pipelines import intake
from video_localization_dev.media import media_dir

#: A plan checks that every connection it will use exists: the vendors' on the sandbox.
pytestmark = pytest.mark.usefixtures("vendor_connections")


def _request(output: Path, *targets: str, **extra) -> dict:
    return {
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "targets": list(targets),
        "output_location": str(output),
        **extra,
    }


def test_json_and_yaml_of_the_same_request_ask_for_the_same_run():
    as_json = intake.parse_request("a.json", b'{"targets": ["fr-FR", "de-DE"], "source": "/x.mp4"}')
    as_yaml = intake.parse_request("b.yml", b"source: /x.mp4\ntargets:\n  - fr-FR\n  - de-DE\n")
    assert intake.request_conf(as_json) == intake.request_conf(as_yaml)
    assert intake.request_run_id(intake.request_conf(as_json)) == intake.request_run_id(
        intake.request_conf(as_yaml)
    )
    changed = intake.request_conf({**as_json, "targets": ["fr-FR"]})
    assert intake.request_run_id(changed) != intake.request_run_id(intake.request_conf(as_json))
    assert intake.request_run_id(changed).startswith("intake__")


def test_request_words_map_onto_the_dags_params():
    conf = intake.request_conf(
        {"targets": "fr-FR, ja-JP", "vendor": "panjaya", "caption_formats": "SubRip,WebVtt", "output": "/o"}
    )
    assert conf == {
        "target_languages": ["fr-FR", "ja-JP"],
        "dubbing_vendor": "panjaya",
        "caption_formats": ["SubRip", "WebVtt"],
        "output_location": "/o",
    }


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("a.json", b"[1, 2]", "request"),
        ("a.yaml", b"just a string", "request"),
        ("a.json", b"{not json", "request"),
        ("a.yaml", b"\xff\xfe\x00", "request"),
    ],
)
def test_unreadable_requests_name_the_problem(name, data, field):
    with pytest.raises(InvalidInputError) as refused:
        intake.parse_request(name, data)
    assert refused.value.field == field
    assert "JSON or YAML mapping" in str(refused.value)


def test_unknown_and_doubled_fields_are_refused_together():
    with pytest.raises(InvalidInputs) as refused:
        intake.request_conf({"sorce": "x", "targets": ["fr-FR"], "target_languages": ["de-DE"]})
    fields = {error.field for error in refused.value.errors}
    assert fields == {"sorce", "target_languages"}
    assert "source" in refused.value.errors[0].allowed


def test_validation_is_localize_videos_own(tmp_path):
    good = intake.request_conf(_request(tmp_path, "fr-FR"))
    plan = intake.validate_request(good, intake.request_run_id(good))
    assert plan["target_languages"] == ["fr-FR"]
    with pytest.raises((InvalidInputError, InvalidInputs)) as schema:
        intake.validate_request(intake.request_conf(_request(tmp_path, "xx-XX")), "intake__x")
    assert "xx-XX" in str(schema.value)
    with pytest.raises((InvalidInputError, InvalidInputs)) as plan_refusal:
        bad = intake.request_conf(_request(tmp_path, "fr-FR", start_time=5, end_time=2))
        intake.validate_request(bad, "intake__y")
    assert "end_time" in str(plan_refusal.value)


def test_fresh_and_hidden_files_wait(tmp_path):
    inbox = intake.Inbox(tmp_path)
    (tmp_path / ".partial.json").write_text("{}")
    (tmp_path / "readme.md").write_text("x")
    old = tmp_path / "old.json"
    old.write_text("{}")
    os.utime(old, (time.time() - 60, time.time() - 60))
    (tmp_path / "new.yaml").write_text("{}")
    assert [p.name for p in inbox.new_requests(settle_seconds=30)] == ["old.json"]
    assert [p.name for p in inbox.new_requests(settle_seconds=0)] == ["new.yaml", "old.json"]


def test_of_two_racing_claims_exactly_one_wins(tmp_path):
    for attempt in range(20):
        path = tmp_path / f"r{attempt}.json"
        path.write_text("{}")
        inbox = intake.Inbox(tmp_path)
        barrier = threading.Barrier(2)
        won: list[object] = []

        def claim(inbox=inbox, path=path, barrier=barrier, won=won) -> None:
            barrier.wait()
            won.append(inbox.claim(inbox.root / path.name, "intake__abc"))

        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(result is not None for result in won) == 1


def test_overlapping_intakes_trigger_every_request_once(tmp_path):
    """Two intakes over one inbox at the same time, against a registry that refuses existing run ids
    (as Airflow does): each request is triggered once and lands in done/ once."""
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    languages = ["fr-FR", "de-DE", "es-ES", "it-IT", "ja-JP", "ko-KR", "pt-BR", "nl-NL"]
    for index, language in enumerate(languages):
        (inbox / f"req-{index}.json").write_text(json.dumps(_request(output, language)))
    (inbox / "bad.json").write_text(json.dumps(_request(output, "xx-XX")))

    runs: dict[str, dict] = {}
    created: list[str] = []
    lock = threading.Lock()

    def trigger(run_id: str, conf: dict) -> bool:
        with lock:
            if run_id in runs:
                return False  # Airflow: DagRunAlreadyExists -> the trigger task is skipped
            runs[run_id] = conf
            created.append(run_id)
            return True

    def exists(run_id: str) -> bool:
        with lock:
            return run_id in runs

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def one_intake() -> None:
        try:
            barrier.wait()
            claimed = intake.claim_requests(str(inbox), 0, run_exists=exists)["claimed"]
            triggered = {
                kwargs["trigger_run_id"]
                for kwargs in intake.trigger_kwargs(claimed)
                if (conf := _claimed_conf(kwargs["request_path"])) is not None
                and trigger(kwargs["trigger_run_id"], conf)
            }
            intake.finish(str(inbox), claimed, exists, triggered)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=one_intake) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    assert len(created) == len(set(created)) == len(languages)
    assert sorted(conf["target_languages"][0] for conf in runs.values()) == sorted(languages)
    done = [p for p in (inbox / "done").iterdir() if not p.name.endswith(".result.json")]
    assert sorted(intake.original_name(p.name) for p in done) == [f"req-{i}.json" for i in range(8)]
    records = [json.loads(p.read_text()) for p in (inbox / "done").glob("*.result.json")]
    assert sorted(r["run_id"] for r in records) == sorted(created)
    assert [json.loads(p.read_text())["request"] for p in (inbox / "failed").glob("*.error.json")] == [
        "bad.json"
    ]
    assert not list((inbox / "processing").iterdir())
    assert not [p for p in inbox.iterdir() if p.is_file()]


def test_a_trigger_that_never_happened_fails_the_request_with_a_reason(tmp_path):
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "lost.yaml").write_text(json.dumps(_request(output, "fr-FR")))
    claimed = intake.claim_requests(str(inbox), 0)["claimed"]
    outcome = intake.finish(str(inbox), claimed, lambda _run_id: False, set())
    assert outcome["done"] == [] and outcome["failed"][0]["request"] == "lost.yaml"
    record = json.loads(next((inbox / "failed").glob("*lost.yaml.error.json")).read_text())
    assert "could not be created" in record["reason"]
    assert record["request"] == "lost.yaml"


def test_caption_formats_are_checked_per_language_before_any_trigger(tmp_path):
    conf = intake.request_conf(_request(tmp_path, "fr-FR", "ja-JP", caption_formats="SubRip, WebVtt"))
    assert intake.validate_request(conf, "intake__c")["target_languages"] == ["fr-FR", "ja-JP"]
    with pytest.raises(InvalidInputError) as refused:
        intake.validate_request({**conf, "caption_formats": ["Scc"]}, "intake__d")
    assert refused.value.field == "caption_formats"
    assert "ja-JP" in str(refused.value) and "WebVtt" in refused.value.allowed


def _claimed_conf(path: str) -> dict | None:
    """What the intake's trigger task reads from a claimed request file when it runs (None: the other
    intake already moved it on, as the trigger operator then skips)."""
    from video_localization.core.storage import as_storage_path

    try:
        return intake.read_claimed(as_storage_path(path)).conf
    except FileNotFoundError:
        return None
