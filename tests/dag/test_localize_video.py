"""`localize_video` end to end through `dag.test()` against the sandbox: files, manifest, no double spend."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState
from airflow.sdk.exceptions import ParamValidationError

from video_localization_dev.media import media_dir
from vloc_test_support import sample_run_conf

#: A plan checks that every connection it will use exists: the vendors' on the sandbox.
pytestmark = pytest.mark.usefixtures("vendor_connections")


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_two_languages_end_to_end(localize_dag, panjaya_env, tmp_path):
    output = tmp_path / "out"
    run = localize_dag.test(run_conf=sample_run_conf(output, ["fr-FR", "ja-JP"]))
    assert run.state == DagRunState.SUCCESS, _states(run)

    run_dir = output / run.run_id
    assert _states(run)[("manifest", -1)] == "success", _states(run)
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


def test_form_schema_refuses_a_language_no_vendor_takes(localize_dag, panjaya_env, tmp_path):
    """The trigger form (and a REST conf) refuse what no dubbing vendor takes, before a run exists."""
    with pytest.raises(ParamValidationError, match="tlh-XX"):
        localize_dag.test(run_conf={"target_languages": ["tlh-XX"], "output_location": str(tmp_path)})
    assert panjaya_env.counters()["requests_by_vendor"] == {}


def test_a_target_only_language_as_panjaya_source_fails_the_plan(localize_dag, panjaya_env, tmp_path):
    """th-TH is a Panjaya target only (other vendors take it as a source, so the form cannot tell)."""
    run = localize_dag.test(
        run_conf={
            "dubbing_vendor": "panjaya",
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "th-TH",
            "target_languages": ["fr-FR"],
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.FAILED
    assert _states(run)[("plan", -1)] == "failed"
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


def _delivered_files(manifest: dict) -> dict[str, list[str]]:
    return {
        lang["locale"]: sorted(Path(entry["uri"].removeprefix("file://")).name for entry in lang["files"])
        for lang in manifest["languages"]
    }


def test_akool_translates_every_language_in_one_request(localize_dag, vendors_env, tmp_path):
    run = localize_dag.test(
        run_conf={
            "dubbing_vendor": "akool",
            "source": f"{vendors_env.url}/_sandbox/media/sample.mp4",
            "source_language": "en-US",
            "target_languages": ["fr-FR", "ja-JP"],
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    manifest = json.loads((tmp_path / run.run_id / "manifest.json").read_text())
    assert manifest["vendor"] == "akool"
    assert _delivered_files(manifest) == {"fr-FR": ["video.mp4"], "ja-JP": ["video.mp4"]}
    assert set(manifest["vendor_ids"]["video_model_ids"]) == {"fr-FR", "ja-JP"}
    counters = vendors_env.counters()
    assert counters["created"] == {"akool:translation": 2}
    assert counters["requests"].get("akool POST /akool/content/video/createbytranslate") == 1
    states = _states(run)
    assert states[("create_asset", -1)] == "skipped"
    assert states[("blendvision_upload", -1)] == "skipped"


def test_blendvision_uploads_once_and_dubs_one_job_per_language(localize_dag, vendors_env, tmp_path):
    run = localize_dag.test(
        run_conf={
            "dubbing_vendor": "blendvision",
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["ja-JP", "es-ES"],
            "start_time": 1,
            "end_time": 6.5,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    manifest = json.loads((tmp_path / run.run_id / "manifest.json").read_text())
    assert _delivered_files(manifest) == {"es-ES": ["video.mp4"], "ja-JP": ["video.mp4"]}
    assert vendors_env.counters()["created"] == {"blendvision:file": 1, "blendvision:dubbing_job": 2}
    mapped = {ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "blendvision_dub"}
    assert mapped == {"ja-JP", "es-ES"}


@pytest.mark.parametrize(
    ("conf", "field"),
    [
        ({"dubbing_vendor": "akool", "source": "SAMPLE"}, "source"),  # Akool only fetches URLs
        ({"dubbing_vendor": "blendvision", "source": "https://example.com/v.mp4"}, "source"),
        ({"dubbing_vendor": "akool", "source": "URL", "voice_anonymization": 0.5}, "voice_anonymization"),
        ({"dubbing_vendor": "panjaya", "source": "SAMPLE", "lipsync": True}, "lipsync"),
        ({"dubbing_vendor": "akool", "source": "URL", "face_enhance": True}, "face_enhance"),
        ({"dubbing_vendor": "blendvision", "source": "SAMPLE", "start_time": 2}, "end_time"),
    ],
)
def test_options_the_chosen_vendor_cannot_take_are_refused_at_plan(conf, field, vendors_env, tmp_path):
    from video_localization.core.errors import InvalidInputError, InvalidInputs
    from video_localization.pipelines.localize import build_plan

    source = {"SAMPLE": str(media_dir() / "sample.mp4"), "URL": "https://example.com/v.mp4"}
    conf = {
        "source_language": "en-US",
        "target_languages": ["fr-FR"],
        "output_location": str(tmp_path),
        **conf,
        "source": source.get(conf["source"], conf["source"]),
    }
    with pytest.raises((InvalidInputError, InvalidInputs)) as refused:
        build_plan(conf, "run-1")
    assert f"{field}=" in str(refused.value)
    assert vendors_env.counters()["requests_by_vendor"] == {}


def _caption_names(manifest: dict) -> dict[str, list[str]]:
    return {
        locale: sorted(Path(entry["uri"].removeprefix("file://")).name for entry in files)
        for locale, files in manifest["captions"]["files"].items()
    }


@pytest.mark.parametrize("captions_source", ["dubbing", "rev"])
def test_every_language_gets_every_caption_format(captions_source, localize_dag, vendors_env, tmp_path):
    """Source language and each target: SubRip, WebVtt, Ttml and Scc under <locale>/captions/."""
    run = localize_dag.test(
        run_conf={
            "source": str(media_dir() / "sample.mp4"),
            "source_language": "en-US",
            "target_languages": ["fr-FR", "de-DE"],
            "caption_formats": ["SubRip", "WebVtt", "Ttml", "Scc"],
            "captions_source": captions_source,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    run_dir = tmp_path / run.run_id
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for locale in ("en-US", "fr-FR", "de-DE"):
        assert _caption_names(manifest)[locale] == sorted(
            [f"{locale}.srt", f"{locale}.vtt", f"{locale}.ttml", f"{locale}.scc"]
        )
        for entry in manifest["captions"]["files"][locale]:
            path = Path(entry["uri"].removeprefix("file://"))
            assert path.parent == run_dir / locale / "captions"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    labels = {
        ti.rendered_map_index
        for ti in run.get_task_instances()
        if ti.task_id in ("convert_captions", "rev_caption_download")
    }
    assert "fr-FR Scc" in labels and "en-US WebVtt" in labels  # the UI shows language and format
    orders = vendors_env.counters()["created"].get("rev:order", 0)
    assert orders == (3 if captions_source == "rev" else 0)  # one Rev order per language


def test_captions_from_dubbing_are_refused_for_a_vendor_without_subtitles(vendors_env, tmp_path):
    from video_localization.core.errors import InvalidInputError
    from video_localization.pipelines.localize import build_plan

    conf = {
        "dubbing_vendor": "blendvision",
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": ["ja-JP"],
        "caption_formats": ["SubRip"],
        "captions_source": "dubbing",
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputError, match=r"captions_source='dubbing'.*blendvision gives no subtitle"):
        build_plan(conf, "r1")
    with pytest.raises(InvalidInputError, match="Scc"):  # CEA-608 cannot hold Japanese
        build_plan({**conf, "captions_source": "rev", "caption_formats": ["Scc"]}, "r1")
    assert vendors_env.counters()["requests_by_vendor"] == {}


def test_a_presigned_source_url_keeps_its_signature_out_of_the_manifest():
    from video_localization.pipelines.localize import build_manifest

    plan = {
        "vendor": "akool",
        "source": "https://bucket.s3.amazonaws.com/launch.mp4?X-Amz-Signature=secret&X-Amz-Expires=600",
        "source_language": "en-US",
        "target_languages": ["fr-FR"],
        "planned_at": "2026-11-21T00:00:00+00:00",
    }
    manifest = build_manifest(plan, {}, [], {"dag_id": "localize_video", "run_id": "r1"})
    assert manifest["source"] == "https://bucket.s3.amazonaws.com/launch.mp4?<redacted>"
    assert "secret" not in json.dumps(manifest)


def test_a_vendor_job_that_fails_is_not_paid_for_again_by_a_retry(localize_dag, vendors_env, tmp_path):
    """The source is shorter than end_time: Panjaya fails the asset. Retrying would buy a new asset that
    fails the same way, so the task fails once, with the vendor's words, and is not retried."""
    run = localize_dag.test(
        run_conf={
            "source": f"{vendors_env.url}/_sandbox/media/sample.mp4",  # a URL: the plan cannot measure it
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "start_time": 0,
            "end_time": 100,
            "output_location": str(tmp_path),
        }
    )
    assert run.state == DagRunState.FAILED
    [create] = [ti for ti in run.get_task_instances() if ti.task_id == "create_asset"]
    assert (create.state, create.try_number) == ("failed", 1)
    assert vendors_env.counters()["created"] == {"panjaya:asset": 1}
