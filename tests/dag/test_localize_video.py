"""`localize_video` end to end through `dag.test()` against the sandbox: routing across vendors, fallback,
comparison, captions, files named for people, manifest v2 (validated against docs/manifest.schema.json),
no double spend."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jsonschema
import pytest

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState
from airflow.sdk.exceptions import ParamValidationError

from video_localization.pipelines.manifest import schema_path
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.state import JobFault

#: A plan checks that every connection it will use exists: the vendors' on the sandbox.
pytestmark = pytest.mark.usefixtures("vendor_connections")


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def read_manifest(output: Path) -> tuple[Path, dict]:
    """The run's folder and its manifest, checked against the committed JSON Schema."""
    [path] = list(output.glob("*/manifest.json"))
    manifest = json.loads(path.read_text())
    schema = json.loads(schema_path().read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    return path.parent, manifest


def _check_files(run_dir: Path, language: dict) -> None:
    for entry in language["files"]:
        assert ":" not in entry["path"]
        data = (run_dir / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def _url(sandbox) -> str:
    return f"{sandbox.url}/_sandbox/media/sample.mp4"


def test_two_languages_end_to_end(localize_dag, panjaya_env, tmp_path):
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "title": "Launch: Q3",
            "source_language": "en-US",
            "target_languages": ["fr-FR", "ja-JP"],
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir, manifest = read_manifest(tmp_path)
    assert run_dir.name.endswith("-Launch-Q3") and manifest["run_folder"] == run_dir.name
    assert [lang["locale"] for lang in manifest["languages"]] == ["fr-FR", "ja-JP"]
    for language in manifest["languages"]:
        locale = language["locale"]
        assert (language["status"], language["vendor"]) == ("delivered", "panjaya")
        assert sorted(entry["path"] for entry in language["files"]) == [
            f"{locale}/Launch-Q3.{locale}.mp4",
            f"{locale}/Launch-Q3.{locale}.srt",
        ]
        _check_files(run_dir, language)
    assert panjaya_env.counters()["created"] == {"panjaya:asset": 1, "panjaya:generation": 2}


def test_auto_routes_languages_no_single_vendor_covers_across_vendors(localize_dag, vendors_env, tmp_path):
    """fil-PH only Panjaya dubs, fr-CA only BlendVision: one run, two vendors, one manifest."""
    run = localize_dag.test(
        run_conf={
            "source": _url(vendors_env),
            "source_language": "en-US",
            "target_languages": ["fil-PH", "fr-CA"],
            "dubbing_vendor": "auto",
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir, manifest = read_manifest(tmp_path)
    vendors = {lang["locale"]: lang["vendor"] for lang in manifest["languages"]}
    assert vendors == {"fil-PH": "panjaya", "fr-CA": "blendvision"}
    for language in manifest["languages"]:
        _check_files(run_dir, language)
    created = vendors_env.counters()["created"]
    assert created == {
        "panjaya:asset": 1,
        "panjaya:generation": 1,
        "blendvision:file": 1,
        "blendvision:dubbing_job": 1,
    }
    prepared = {ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "prepare"}
    assert prepared == {"panjaya", "blendvision"}


def test_fallback_moves_a_failed_language_once_paying_each_vendor_once(localize_dag, vendors_env, tmp_path):
    """Panjaya fails fr-FR on its side (injected): fr-FR moves to Akool; one paid job at each vendor."""
    vendors_env.sandbox.add_job_fault(JobFault("panjaya", "fr-FR"))
    run = localize_dag.test(
        run_conf={
            "source": _url(vendors_env),
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "fallback": True,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir, manifest = read_manifest(tmp_path)
    [language] = manifest["languages"]
    assert (language["status"], language["vendor"]) == ("delivered", "akool")
    [attempt] = language["attempts"]
    assert (attempt["vendor"], attempt["status"]) == ("panjaya", "moved")
    assert "generation_failed" in attempt["reason"] and "moved to akool" in language["reason"]
    _check_files(run_dir, language)
    assert vendors_env.counters()["created"] == {
        "panjaya:asset": 1,
        "panjaya:generation": 1,
        "akool:translation": 1,
    }


def test_without_fallback_a_failed_language_fails_the_run_with_its_reason(
    localize_dag, vendors_env, tmp_path
):
    vendors_env.sandbox.add_job_fault(JobFault("blendvision", "ja-JP"))
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["ja-JP", "es-ES"],
            "dubbing_vendor": "blendvision",
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.FAILED  # not a silent Success
    _, manifest = read_manifest(tmp_path)
    status = {lang["locale"]: (lang["status"], lang["reason"]) for lang in manifest["languages"]}
    assert status["es-ES"][0] == "delivered"
    assert status["ja-JP"][0] == "failed" and "DUBBING_FAILED" in status["ja-JP"][1]
    assert vendors_env.counters()["created"] == {"blendvision:file": 1, "blendvision:dubbing_job": 2}


def test_compare_dubs_each_language_at_both_vendors(localize_dag, vendors_env, tmp_path):
    run = localize_dag.test(
        run_conf={
            "source": _url(vendors_env),
            "source_language": "en-US",
            "target_languages": ["de-DE"],
            "compare_vendors": ["akool", "blendvision"],
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir, manifest = read_manifest(tmp_path)
    assert sorted((lang["locale"], lang["vendor"]) for lang in manifest["languages"]) == [
        ("de-DE", "akool"),
        ("de-DE", "blendvision"),
    ]
    paths = sorted(entry["path"] for lang in manifest["languages"] for entry in lang["files"])
    assert paths == ["de-DE/sample.de-DE.akool.mp4", "de-DE/sample.de-DE.blendvision.mp4"]
    for language in manifest["languages"]:
        _check_files(run_dir, language)


def test_bad_request_fails_at_plan_before_any_vendor_call(localize_dag, vendors_env, tmp_path):
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
    # After a failed plan, no step works on nothing: no manifest; only `outcome` fails the run with it.
    assert states[("manifest", -1)] == "skipped" and states[("outcome", -1)] == "failed"
    assert vendors_env.counters()["requests_by_vendor"] == {}


def test_form_schema_refuses_a_language_no_vendor_takes(localize_dag, vendors_env, tmp_path):
    with pytest.raises(ParamValidationError, match="tlh-XX"):
        localize_dag.test(run_conf={"target_languages": ["tlh-XX"], "output_location": str(tmp_path)})
    assert vendors_env.counters()["requests_by_vendor"] == {}


def test_manifest_summary_is_posted_to_the_users_http_connection(
    localize_dag, panjaya_env, tmp_path, monkeypatch
):
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
    # A loopback notification target is allowed by configuration only (the plan refuses private hosts).
    allowed = os.environ.get("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", "")
    monkeypatch.setenv(
        "AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", f"{allowed},127.0.0.1:{server.server_port}"
    )
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
    [summary] = received
    assert summary["run_id"] == run.run_id
    assert summary["delivered"] == ["de-DE"] and summary["vendors"] == ["panjaya"]
    assert summary["files"] == 2
    assert summary["manifest"].endswith("/manifest.json")
    assert _states(run)[("notify", -1)] == "success"


@pytest.mark.parametrize("captions_source", ["dubbing", "rev"])
def test_every_language_gets_every_caption_format_beside_its_video(
    captions_source, localize_dag, vendors_env, tmp_path
):
    """One captions task per language (the source's too) makes every format; one SRT per language."""
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["fr-FR", "de-DE"],
            "dubbing_vendor": "panjaya",
            "caption_formats": ["SubRip", "WebVtt", "Ttml", "Scc"],
            "captions_source": captions_source,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir, manifest = read_manifest(tmp_path)
    for language in manifest["languages"]:
        locale = language["locale"]
        captions = sorted(entry["path"] for entry in language["files"] if entry["kind"] == "captions")
        assert captions == sorted(f"{locale}/sample.{locale}.{ext}" for ext in ("srt", "vtt", "ttml", "scc"))
        _check_files(run_dir, language)
    source = sorted(entry["path"] for entry in manifest["source_captions"]["files"])
    assert source == sorted(f"en-US/sample.en-US.{ext}" for ext in ("srt", "vtt", "ttml", "scc"))
    assert len(list(run_dir.rglob("*.srt"))) == 3  # one SRT per language
    labels = [ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "captions"]
    assert sorted(labels) == ["de-DE", "en-US", "fr-FR"]  # one task per language, not per format
    orders = vendors_env.counters()["created"].get("rev:order", 0)
    assert orders == (3 if captions_source == "rev" else 0)


def test_a_vendor_job_that_fails_on_bad_input_is_not_paid_for_again(localize_dag, vendors_env, tmp_path):
    """The source is shorter than end_time: Panjaya fails the asset (bad input): no retry, no fallback.

    The sandbox is slowed so the asset is still Processing at the first check: `prepare` defers and is
    resumed by the trigger's Failed event, the path that once restarted the vendor operator (and paid for a
    new asset) on every resume."""
    vendors_env.sandbox.settings.step_seconds = 0.5
    run = localize_dag.test(
        run_conf={
            "source": _url(vendors_env),  # a URL: the plan cannot measure it
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "dubbing_vendor": "panjaya",
            "fallback": True,
            "start_time": 0,
            "end_time": 100,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.FAILED
    [prepare] = [ti for ti in run.get_task_instances() if ti.task_id == "prepare"]
    assert (prepare.state, prepare.try_number) == ("failed", 1)
    assert vendors_env.counters()["created"] == {"panjaya:asset": 1}
