"""The localization board without a server: manifest reader (v1 and v2), cells from task instances,
file serving (Range, roots, SRT as WebVTT) and the API's refusals (no token, bad token, no permission)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import fsspec
import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.io import attach
from fastapi import HTTPException, Request
from fastapi.testclient import TestClient

from video_localization.board import api, cells, files
from video_localization.board.manifest import ManifestError, read_manifest
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger, parse_status_line, status_line

RUN = "file:///out/manual__1"


def v1_manifest() -> dict[str, Any]:
    """What `localize.build_manifest` writes today (one language delivered, one rejected)."""
    stored = lambda path, size: {  # noqa: E731
        "uri": f"{RUN}/{path}",
        "name": path.rsplit("/", 1)[-1],
        "size_bytes": size,
        "sha256": "ab" * 32,
        "content_type": None,
    }
    return {
        "manifest_version": 1,
        "dag_id": "localize_video",
        "run_id": "manual__1",
        "vendor": "panjaya",
        "source": "https://cdn.example/launch.mp4",
        "source_language": "en-US",
        "asset_id": "asset-1",
        "languages": [
            {
                "locale": "fr-FR",
                "status": "delivered",
                "job_id": "version-fr",
                "files": [stored("fr-FR/video.mp4", 1000), stored("fr-FR/fr-FR.srt", 10)],
            },
            {"locale": "de-DE", "status": "not_delivered", "job_id": None, "files": []},
        ],
        "captions": {
            "source": "dubbing",
            "formats": ["WebVtt", "EbuStl"],
            "files": {
                "fr-FR": [stored("fr-FR/captions/fr-FR.vtt", 20), stored("fr-FR/captions/fr-FR.ebu.stl", 30)],
                "en-US": [stored("en-US/captions/en-US.vtt", 20)],
            },
            "source_transcript": stored("en-US/en-US.source.srt", 12),
        },
    }


def test_v1_manifest_is_read_with_paths_inside_the_run_folder():
    manifest = read_manifest(json.dumps(v1_manifest()), RUN)
    assert manifest.schema_version == 1 and manifest.caption_formats == ["WebVtt", "EbuStl"]
    french = manifest.language("fr-FR")
    assert french is not None and french.status == "delivered"
    assert french.job_ids == {"asset_id": "asset-1", "version_id": "version-fr"}
    assert [(f.kind, f.format, f.path) for f in french.files] == [
        ("video", "mp4", "fr-FR/video.mp4"),
        ("subtitles", "SubRip", "fr-FR/fr-FR.srt"),
        ("captions", "WebVtt", "fr-FR/captions/fr-FR.vtt"),
        ("captions", "EbuStl", "fr-FR/captions/fr-FR.ebu.stl"),
    ]
    assert manifest.language("de-DE").status == "pending"  # v1 does not say why: the tasks will
    assert [f.kind for f in manifest.source_files] == ["captions", "transcript"]


def test_v1_file_outside_the_run_folder_gets_no_path():
    document = v1_manifest()
    document["languages"][0]["files"][0]["uri"] = "file:///elsewhere/video.mp4"
    assert read_manifest(document, RUN).language("fr-FR").files[0].path is None


def test_v2_manifest_is_read_and_unsafe_paths_are_dropped():
    document = {
        "schema_version": 2,
        "dag_id": "localize_video",
        "run_id": "r",
        "title": "Launch video",
        "run_folder": "2026-12-04-launch",
        "source": {"uri": "s3://in/launch.mp4", "language": "en-US"},
        "languages": [
            {
                "locale": "fr-FR",
                "vendor": "akool",
                "status": "moved",
                "reason": "moved to akool by fallback",
                "job_ids": {"video_model_id": "m1"},
                "attempts": [
                    {"vendor": "panjaya", "status": "failed"},
                    {"vendor": "akool", "status": "delivered"},
                ],
                "files": [
                    {
                        "kind": "video",
                        "format": "mp4",
                        "path": "fr-FR/video.mp4",
                        "bytes": 5,
                        "sha256": "c" * 64,
                    },
                    {"kind": "captions", "format": "WebVtt", "path": "../../etc/passwd", "bytes": 1},
                ],
            }
        ],
    }
    manifest = read_manifest(document, "s3://out/2026-12-04-launch")
    french = manifest.language("fr-FR")
    assert manifest.title == "Launch video" and manifest.vendor == "akool"
    assert (french.status, french.reason) == ("moved", "moved to akool by fallback")
    assert [f.path for f in french.files] == ["fr-FR/video.mp4", None]
    assert manifest.caption_formats == ["WebVtt"]
    run = {"dag_run_id": "r", "state": "success", "conf": {}}
    row = cells.build_row(
        "localize_video", run, [], None, manifest, "s3://out/2026-12-04-launch", cells.Lookups()
    )
    french_row = row["languages"][0]
    assert row["title"] == "Launch video"
    assert (french_row["video"]["status"], french_row["video"]["reason"]) == (
        "moved",
        "moved to akool by fallback",
    )
    assert french_row["player"]["video_url"] == "vloc-board/files/localize_video/r/fr-FR/video.mp4"
    assert [attempt["vendor"] for attempt in french_row["attempts"]] == ["panjaya", "akool"]


@pytest.mark.parametrize("raw", ["not json", "[1]", json.dumps({"languages": []})])
def test_unreadable_manifest_names_what_it_got(raw: str):
    with pytest.raises(ManifestError, match="manifest"):
        read_manifest(raw, RUN)


# -- cells from task instances ----------------------------------------------------------------------------
def ti(task_id: str, map_index: int, state: str | None, rendered: str | None = None, **extra: Any) -> dict:
    return {
        "task_id": task_id,
        "map_index": map_index,
        "state": state,
        "try_number": 0 if state is None else 1,
        "rendered_map_index": rendered
        if rendered is not None
        else (str(map_index) if map_index >= 0 else None),
        "rendered_fields": extra.pop("fields", {}),
        **extra,
    }


PLAN = {
    "vendor": "panjaya",
    "target_languages": ["fr-FR", "de-DE", "es-ES", "it-IT"],
    "caption_formats": ["WebVtt"],
    "run_dir": "file:///out/run",
}
RUN_INFO = {"dag_run_id": "run", "state": "running", "conf": {"source": "/media/launch.mp4"}}


def test_cells_from_task_instances_while_a_run_goes_on():
    tis = [
        ti("plan", -1, "success"),
        ti("create_asset", -1, "success"),
        # fr-FR: generated and downloaded
        ti("localize_language.review", 0, "skipped", "fr-FR"),
        ti("localize_language.generate", 0, "success", "fr-FR", fields={"version_id": "v-fr"}),
        ti("localize_language.download", 0, "success", "fr-FR"),
        # de-DE: waiting for a person
        ti("localize_language.review", 1, "deferred", "de-DE"),
        ti("localize_language.generate", 1, None),
        # es-ES: at the vendor
        ti("localize_language.review", 2, "skipped", "es-ES"),
        ti("localize_language.generate", 2, "deferred", "es-ES"),
        # it-IT: failed
        ti("localize_language.review", 3, "skipped", "it-IT"),
        ti("localize_language.generate", 3, "failed", "it-IT"),
        ti("localize_language.download", 3, "upstream_failed"),
        ti("convert_captions", 0, "running", "fr-FR WebVtt"),
    ]
    wanted = cells.wanted_lookups("localize_video", RUN_INFO, tis, None)
    assert cells.Wanted("reason", "localize_language.generate", 3, 1) in wanted
    assert cells.Wanted("status", "localize_language.generate", 2, 1) in wanted
    assert cells.Wanted("xcom", "localize_language.download", 0, 1) in wanted
    lookups = cells.Lookups(
        reasons={("localize_language.generate", 3): "panjaya: version v-it failed: generation_failed"},
        vendor_status={("localize_language.generate", 2): ("Generating", 40.0)},
        results={
            ("localize_language.download", 0): {
                "files": [{"uri": "file:///out/run/fr-FR/video.mp4", "name": "video.mp4", "size_bytes": 9}]
            }
        },
    )
    row = cells.build_row("localize_video", RUN_INFO, tis, PLAN, None, "file:///out/run", lookups)
    by_locale = {lang["locale"]: lang for lang in row["languages"]}
    assert row["title"] == "launch" and row["formats"] == ["WebVtt"]
    french = by_locale["fr-FR"]
    assert french["video"]["status"] == "delivered"
    assert french["video"]["files"][0]["path"] == "fr-FR/video.mp4"
    assert french["player"]["video_url"].endswith("/run/fr-FR/video.mp4")
    assert french["captions"]["WebVtt"]["status"] == "working"
    assert french["job_ids"] == {"version_id": "v-fr"}
    german = by_locale["de-DE"]["video"]
    assert german["status"] == "review"
    assert (
        german["approval_url"]
        == "dags/localize_video/runs/run/tasks/localize_language.review/mapped/1/required_actions"
    )
    spanish = by_locale["es-ES"]["video"]
    assert (spanish["status"], spanish["vendor_status"], spanish["progress"]) == (
        "vendor",
        "Generating",
        40.0,
    )
    italian = by_locale["it-IT"]
    assert italian["video"]["status"] == "failed"
    assert "generation_failed" in italian["video"]["reason"]
    assert italian["captions"]["WebVtt"]["status"] == "skipped"


def test_a_language_rejected_in_review_says_by_whom():
    tis = [
        ti("plan", -1, "success"),
        ti("localize_language.review", 0, "success", "fr-FR"),
        ti("localize_language.generate", 0, "skipped", "fr-FR"),
        ti("localize_language.download", 0, "skipped", "fr-FR"),
    ]
    approvals = [
        {
            "task_instance": {"task_id": "localize_language.review", "map_index": 0},
            "responded_by_user": {"id": "ana", "name": "ana"},
            "responded_at": "2026-12-04T10:15:00Z",
            "chosen_options": ["Reject"],
        }
    ]
    plan = {**PLAN, "target_languages": ["fr-FR"]}
    row = cells.build_row(
        "localize_video", RUN_INFO, tis, plan, None, None, cells.Lookups(approvals=approvals)
    )
    video = row["languages"][0]["video"]
    assert video["status"] == "rejected"
    assert video["reason"] == "Reject by ana at 2026-12-04 10:15 UTC"


def test_languages_before_the_plan_come_from_the_conf_and_wait_for_the_asset():
    run = {**RUN_INFO, "conf": {"target_languages": ["fr-FR"], "dubbing_vendor": "panjaya"}}
    tis = [ti("plan", -1, "success"), ti("create_asset", -1, "deferred")]
    lookups = cells.Lookups(vendor_status={("create_asset", -1): ("Processing", None)})
    row = cells.build_row("localize_video", run, tis, None, None, None, lookups)
    video = row["languages"][0]["video"]
    assert (video["status"], video["step"], video["vendor_status"]) == ("vendor", "preparing", "Processing")


def test_reason_is_the_exception_value_of_the_failed_try():
    events = [
        {"event": "Generation started", "level": "info"},
        {
            "event": "Task failed with exception",
            "level": "error",
            "error_detail": [{"exc_type": "VendorJobFailed", "exc_value": "panjaya: version v failed: boom"}],
        },
    ]
    assert cells.reason_from_log(events) == "panjaya: version v failed: boom"
    assert cells.reason_from_log([{"event": "fine", "level": "info"}]) is None


def test_status_line_round_trip():
    assert parse_status_line(status_line("Generating", 42.5)) == ("Generating", 42.5)
    assert parse_status_line(status_line("In Progress")) == ("In Progress", None)
    assert parse_status_line("something else") is None


# -- files ------------------------------------------------------------------------------------------------
@pytest.fixture
def store() -> Iterator[fsspec.AbstractFileSystem]:
    """An in-memory object store under `memory://` (stands in for s3://)."""
    memory = fsspec.filesystem("memory")
    attach("memory", fs=memory)
    memory.pipe("/board/run/fr-FR/video.mp4", bytes(range(256)) * 40)
    memory.pipe("/board/run/fr-FR/fr-FR.srt", b"1\n00:00:00,000 --> 00:00:01,500\nBonjour\n\n")
    yield memory
    memory.rm("/board", recursive=True)


def test_ranges_are_parsed_like_browsers_send_them():
    assert files.parse_range(None, 100) is None
    assert files.parse_range("bytes=0-", 100) == (0, 99)
    assert files.parse_range("bytes=10-19", 100) == (10, 19)
    assert files.parse_range("bytes=90-500", 100) == (90, 99)
    assert files.parse_range("bytes=-10", 100) == (90, 99)
    with pytest.raises(HTTPException) as past_the_end:
        files.parse_range("bytes=100-", 100)
    assert past_the_end.value.status_code == 416


def test_files_only_inside_a_run_folder_under_a_root(store: fsspec.AbstractFileSystem):
    roots = [ObjectStoragePath("memory://board")]
    found = files.file_in_run("memory://board/run", "fr-FR/video.mp4", roots)
    assert found.is_file()
    for bad in ("../other/x", "fr-FR/../../x", "/etc/passwd", ""):
        with pytest.raises(HTTPException):
            files.file_in_run("memory://board/run", bad, roots)
    with pytest.raises(HTTPException):
        files.file_in_run("memory://elsewhere/run", "fr-FR/video.mp4", roots)
    assert not files.under_roots("memory://boardroom/run", roots)
    assert not files.under_roots("memory://board/../secrets", roots)


def test_file_response_serves_a_range_from_object_storage(store: fsspec.AbstractFileSystem):
    app = api.FastAPI()
    path = ObjectStoragePath("memory://board/run/fr-FR/video.mp4")

    @app.get("/f")
    def serve(request: api.Request):
        return files.file_response(path, request)

    client = TestClient(app)
    whole = client.get("/f")
    assert whole.status_code == 200 and len(whole.content) == 10240
    assert whole.headers["accept-ranges"] == "bytes" and whole.headers["content-type"] == "video/mp4"
    part = client.get("/f", headers={"Range": "bytes=300-303"})
    assert part.status_code == 206
    assert part.headers["content-range"] == "bytes 300-303/10240"
    assert part.content == whole.content[300:304]


def test_srt_becomes_webvtt(store: fsspec.AbstractFileSystem):
    text = files.srt_as_webvtt(ObjectStoragePath("memory://board/run/fr-FR/fr-FR.srt"), "fr-FR").decode()
    assert text.startswith("WEBVTT") and "Bonjour" in text and "00:00:01.500" in text


# -- the API refuses ---------------------------------------------------------------------------------------
@pytest.fixture
def client() -> TestClient:
    return TestClient(api.create_board_app())


def test_api_refuses_without_credentials(client: TestClient):
    assert client.get("/api/runs").status_code == 401
    assert client.get("/files/localize_video/run/fr-FR/video.mp4").status_code == 401


def test_api_refuses_a_user_without_permission_to_read_runs(client: TestClient, monkeypatch):
    async def someone(request: Request) -> str:
        return "someone"

    client.app.dependency_overrides[api._user] = someone
    monkeypatch.setattr(api, "may_read_runs", lambda user, dag_id: False)
    assert client.get("/api/runs").status_code == 403
    assert client.get("/files/localize_video/run/fr-FR/video.mp4").status_code == 403
    assert client.get("/files/another_dag/run/x.mp4").status_code == 404


def test_the_page_module_is_public_and_has_no_data(client: TestClient):
    page = client.get("/static/board.js")
    assert page.status_code == 200
    assert "globalThis.AirflowPlugin = Board" in page.text


class ScriptedTrigger(VendorPollingTrigger):
    """Answers a fixed list of outcomes, one per poll."""

    vendor = "scripted"

    def __init__(self, *, outcomes: list[PollOutcome], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcomes = outcomes

    def job_kwargs(self) -> dict[str, Any]:
        return {}

    async def poll(self) -> PollOutcome:
        return self.outcomes.pop(0)


def test_a_waiting_trigger_logs_each_new_status_once(monkeypatch):
    outcomes = [
        PollOutcome(terminal=False, status="Generating", progress=10),
        PollOutcome(terminal=False, status="Generating", progress=10),
        PollOutcome(terminal=False, status="Generating", progress=60),
        PollOutcome(terminal=True, success=True, status="Completed"),
    ]
    trigger = ScriptedTrigger(
        outcomes=outcomes, conn_id="x", deadline=time.time() + 60, poll_interval=0.01, max_poll_interval=0.01
    )

    logged: list[str] = []
    # The triggerer's logger is structlog's, one per trigger class (the `log` property); a stand-in keeps
    # the lines logged at info.
    stand_in = SimpleNamespace(
        info=lambda message, *args: logged.append(message % args if args else message),
        debug=lambda *args: None,
        warning=lambda *args: None,
    )
    monkeypatch.setattr(ScriptedTrigger, "log", property(lambda self: stand_in))

    async def run() -> list[Any]:
        return [event async for event in trigger.run()]

    events = asyncio.run(run())
    assert len(events) == 1
    statuses = [parsed for parsed in map(parse_status_line, logged) if parsed is not None]
    assert statuses == [("Generating", 10.0), ("Generating", 60.0)]


def test_talking_head_run_from_its_v1_manifest():
    document = {
        "manifest_version": 1,
        "dag_id": "talking_head_video",
        "run_id": "th",
        "vendor": "cdnvideo",
        "languages": [
            {
                "locale": "de-DE",
                "status": "delivered",
                "task_id": "cdn-42",
                "files": [
                    {
                        "uri": "file:///out/th/de-DE/video.mp4",
                        "name": "video.mp4",
                        "size_bytes": 7,
                        "sha256": "d" * 64,
                    }
                ],
            },
            {"locale": "en-US", "status": "skipped", "task_id": None, "files": []},
        ],
    }
    manifest = read_manifest(document, "file:///out/th")
    run = {"dag_run_id": "th", "state": "failed", "conf": {"video_name": "Product update"}}
    tis = [
        ti("plan", -1, "success"),
        ti("per_locale.generate", 0, "success", "de-DE"),
        ti("per_locale.download", 0, "success", "de-DE"),
        ti("per_locale.generate", 1, "failed", "en-US"),
        ti("per_locale.download", 1, "upstream_failed"),
    ]
    lookups = cells.Lookups(
        reasons={("per_locale.generate", 1): "cdnvideo: task cdn-43 failed: voice unavailable"}
    )
    row = cells.build_row("talking_head_video", run, tis, None, manifest, "file:///out/th", lookups)
    assert (row["title"], row["vendor"], row["formats"]) == ("Product update", "cdnvideo", [])
    german, english = row["languages"]
    assert german["video"]["status"] == "delivered" and german["job_ids"] == {"task_id": "cdn-42"}
    assert german["player"]["video_url"] == "vloc-board/files/talking_head_video/th/de-DE/video.mp4"
    assert (english["video"]["status"], english["video"]["reason"]) == (
        "failed",
        "cdnvideo: task cdn-43 failed: voice unavailable",
    )


ROUTED_PLAN = {
    "mode": "auto",
    "target_languages": ["fr-FR", "fil-PH", "fr-CA"],
    "routes": [
        {"locale": "fr-FR", "vendor": "panjaya", "fallbacks": ["akool"]},
        {"locale": "fil-PH", "vendor": "panjaya", "fallbacks": []},
        {"locale": "fr-CA", "vendor": "blendvision", "fallbacks": []},
    ],
    "caption_formats": ["WebVtt"],
    "run_dir": "file:///out/run",
}


def test_cells_of_the_routed_graph_follow_each_languages_vendor():
    """localize_video's routed graph: the same steps for every vendor, one prepare per vendor group, one
    captions task per language."""
    tis = [
        ti("plan", -1, "success"),
        ti("vendor_groups", -1, "success"),
        ti("prepare", 0, "success", "panjaya"),
        ti("prepare", 1, "deferred", "blendvision"),
        ti("languages", -1, "success"),
        ti("language.review", 0, "skipped", "fr-FR"),
        ti("language.dub", 0, "success", "fr-FR panjaya", fields={"job": {"ids": {"version_id": "v-fr"}}}),
        ti("language.deliver", 0, "success", "fr-FR panjaya"),
        ti("language.review", 1, "skipped", "fil-PH"),
        ti("language.dub", 1, "deferred", "fil-PH panjaya"),
        ti("captions", 0, "running", "fr-FR"),
    ]
    wanted = cells.wanted_lookups("localize_video", RUN_INFO, tis, None)
    assert cells.Wanted("xcom", "language.deliver", 0, 1) in wanted
    assert cells.Wanted("status", "language.dub", 1, 1) in wanted
    assert cells.Wanted("xcom", "language.dub", 0, 1, key="studio_url") in wanted
    lookups = cells.Lookups(
        vendor_status={("language.dub", 1): ("Generating", 10.0), ("prepare", 1): ("Processing", None)},
        results={
            ("language.deliver", 0): {
                "files": [{"uri": "file:///out/run/fr-FR/launch.fr-FR.mp4", "name": "launch.fr-FR.mp4"}]
            }
        },
        studio_urls={0: "https://studio.example/v-fr"},
    )
    row = cells.build_row("localize_video", RUN_INFO, tis, ROUTED_PLAN, None, "file:///out/run", lookups)
    assert row["vendor"] == "auto"
    by_locale = {lang["locale"]: lang for lang in row["languages"]}
    french = by_locale["fr-FR"]
    assert (french["vendor"], french["video"]["status"]) == ("panjaya", "delivered")
    assert french["video"]["files"][0]["path"] == "fr-FR/launch.fr-FR.mp4"
    assert french["job_ids"] == {"version_id": "v-fr"}
    assert french["vendor_url"] == "https://studio.example/v-fr"
    assert french["captions"]["WebVtt"]["status"] == "working"
    filipino = by_locale["fil-PH"]["video"]
    assert (filipino["status"], filipino["vendor_status"]) == ("vendor", "Generating")
    canadian = by_locale["fr-CA"]
    assert canadian["vendor"] == "blendvision"
    # Waits on its own vendor group's prepare (BlendVision's upload), not Panjaya's finished one.
    assert (canadian["video"]["status"], canadian["video"]["step"]) == ("vendor", "preparing")
    assert canadian["video"]["vendor_status"] == "Processing"
