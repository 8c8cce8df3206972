"""`talking_head_video` end to end through `dag.test()` on the sandbox: files, manifest, no double spend."""

from __future__ import annotations

import hashlib
import json
import os

import jsonschema
import pytest

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState

from video_localization.pipelines.manifest import schema_path
from video_localization.pipelines.talking_head import sample_scripts

#: A plan checks that every connection it will use exists: the vendors' on the sandbox.
pytestmark = pytest.mark.usefixtures("vendor_connections")


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_three_languages_from_the_sample_scripts(talking_head_dag, cdnvideo_env, tmp_path):
    scripts = sample_scripts()
    assert sorted(scripts) == ["de-DE", "en-US", "fr-FR"]  # the form's defaults: `vloc demo` runs on them
    output = tmp_path / "out"
    run = talking_head_dag.test(
        run_conf={"output_location": str(output), "voices": {"de-DE": "Katja"}, "delete_remote": True}
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    states = _states(run)
    assert {index for (task, index) in states if task == "per_locale.generate"} == {0, 1, 2}
    mapped = {ti.map_index: ti.rendered_map_index for ti in run.get_task_instances() if ti.map_index >= 0}
    assert sorted(mapped.values()) == ["de-DE", "en-US", "fr-FR"]  # map_index_template names each locale

    [manifest_path] = list(output.glob("*/manifest.json"))
    run_dir = manifest_path.parent
    assert run_dir.name.endswith("-Product-update") and ":" not in run_dir.name
    manifest = json.loads(manifest_path.read_text())
    schema = json.loads(schema_path().read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    assert manifest["schema_version"] == 2 and manifest["actor"] == {
        "name": "Natalia",
        "version": "latest",
        "shot": "waist",
    }
    languages = {lang["locale"]: lang for lang in manifest["languages"]}
    assert list(languages) == list(scripts)
    assert {locale: lang["voice"] for locale, lang in languages.items()} == {
        "en-US": "Sara",  # chosen: en-US-SaraNeural, the actor's gender
        "de-DE": "Katja",  # given
        "fr-FR": "Denise",  # chosen
    }
    for locale, language in languages.items():
        assert (language["status"], language["vendor"]) == ("delivered", "cdnvideo")
        assert language["remote_deleted"] is True
        assert language["video_name"] == "Product update"  # renamed from its reference-carrying name
        assert language["script_characters"] == len(scripts[locale])
        assert language["airflow_tasks"]["generate"] == "per_locale.generate"
        assert all(language["timings"][key] for key in ("submitted_at", "completed_at", "delivered_at"))
        assert language["job_ids"]["task_id"]
        [entry] = language["files"]
        assert entry["path"] == f"{locale}/Product-update.{locale}.mp4"
        data = (run_dir / entry["path"]).read_bytes()
        assert data[4:8] == b"ftyp"
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    counters = cdnvideo_env.counters()
    assert counters["created"] == {"cdnvideo:task": 3}
    requests = counters["requests"]
    assert requests["cdnvideo POST /cdnvideo/app/th-api/v1/accounts/{account}/generate"] == 3
    assert requests["cdnvideo DELETE /cdnvideo/app/th-api/v1/accounts/{account}/video/{task_id}"] == 3
    assert requests["cdnvideo PATCH /cdnvideo/app/th-api/v1/accounts/{account}/video/{task_id}"] == 3


def test_a_bad_request_fails_at_plan_before_any_vendor_call(talking_head_dag, cdnvideo_env, tmp_path):
    run = talking_head_dag.test(
        run_conf={
            "scripts": {"en-US": "Hello.", "de-DE": "Hallo."},
            "voices": {"de-DE": "Sara"},  # an English voice for the German script
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.FAILED
    assert _states(run)[("plan", -1)] == "failed"
    assert cdnvideo_env.counters()["requests_by_vendor"] == {}


def test_a_single_locale_run_writes_its_manifest(talking_head_dag, cdnvideo_env, tmp_path):
    """One mapped instance hands the manifest one dict, not a list: it must still list that locale."""
    scripts = sample_scripts()
    run = talking_head_dag.test(
        run_conf={"output_location": str(tmp_path), "scripts": {"fr-FR": scripts["fr-FR"]}}
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    [manifest_path] = list(tmp_path.glob("*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    assert [(lang["locale"], lang["status"]) for lang in manifest["languages"]] == [("fr-FR", "delivered")]
