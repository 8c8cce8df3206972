"""The Panjaya Dubbing Studio emulator speaks the documented wire format and reaches every documented state.

Plain httpx against the session sandbox: auth, every endpoint, every asset error code through its real
cause, version state machine, signed expiring links, signed callbacks and billable-object counters.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox_clock import StandingClock
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.panjaya import SANDBOX_API_KEYS, sandbox_signing_key, wire
from video_localization_dev.sandbox.panjaya.store import PanjayaStore
from video_localization_dev.sandbox.server import RunningSandbox, free_port

AUTH = {"Authorization": "Bearer panjaya-sandbox-key"}
ASSET_KEYS = {
    "id",
    "name",
    "status",
    "locale",
    "speakers_count",
    "start_time",
    "end_time",
    "lips_model",
    "voice_anonymization",
    "created_at",
    "error",
    "dubbings",
}
VERSION_KEYS = {
    "id",
    "asset_id",
    "dubbing_id",
    "locale",
    "status",
    "progress",
    "studio_url",
    "result_url",
    "error",
    "created_at",
    "updated_at",
}
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
SRT_TIMING = re.compile(r"^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$")
SAMPLE_SECONDS = 8.0


# -- helpers ---------------------------------------------------------------------------------------------
# One TLS context for every client: httpx builds a fresh one per client otherwise (~0.25 s each).
TLS = ssl.create_default_context()
plain = httpx.Client(timeout=10, verify=TLS)  # signed links, sandbox controls: no API key


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.vendor_url("panjaya"), headers=AUTH, timeout=10, verify=TLS) as client:
        yield client


def created(sandbox: RunningSandbox) -> dict[str, int]:
    return plain.get(f"{sandbox.url}/_sandbox/counters").json()["created"]


def media_url(sandbox: RunningSandbox, name: str = "sample.mp4") -> str:
    return f"{sandbox.url}/_sandbox/media/{name}"


def sample_bytes(name: str = "sample.mp4") -> bytes:
    return (media_dir() / name).read_bytes()


def asset_body(sandbox: RunningSandbox, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "media_url": media_url(sandbox),
        "locale": "en-US",
        "target_languages": [{"locale": "es-ES"}],
    }
    body.update(overrides)
    return body


def wait_for(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout} s; last value: {value!r}")
        time.sleep(0.01)


def create(api: httpx.Client, sandbox: RunningSandbox, **overrides: Any) -> dict[str, Any]:
    response = api.post("/v1/assets/", json=asset_body(sandbox, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def upload(api: httpx.Client, params: dict[str, Any], video: bytes, **extra_files: Any) -> httpx.Response:
    files = {"video": ("clip.mp4", video, "video/mp4"), **extra_files}
    return api.post("/v1/assets/upload", data={"request": json.dumps(params)}, files=files)


def settled_asset(api: httpx.Client, asset_id: str) -> dict[str, Any]:
    return wait_for(lambda: api.get(f"/v1/assets/{asset_id}").json(), lambda a: a["status"] != "Processing")


def version_ids(asset: dict[str, Any]) -> dict[str, str]:
    return {d["locale"]: d["versions"][0]["id"] for d in asset["dubbings"]}


def version_in(api: httpx.Client, version_id: str, *statuses: str) -> dict[str, Any]:
    return wait_for(lambda: api.get(f"/v1/versions/{version_id}").json(), lambda v: v["status"] in statuses)


def ready_to_edit(api: httpx.Client, sandbox: RunningSandbox, **overrides: Any) -> tuple[dict, str]:
    """An asset that is Ready, and the id of its first version once ReadyToEdit."""
    asset = settled_asset(api, create(api, sandbox, **overrides)["id"])
    assert asset["status"] == "Ready", asset
    version_id = asset["dubbings"][0]["versions"][0]["id"]
    version_in(api, version_id, "ReadyToEdit")
    return asset, version_id


def completed(api: httpx.Client, sandbox: RunningSandbox) -> dict[str, Any]:
    _, version_id = ready_to_edit(api, sandbox)
    assert api.post(f"/v1/versions/{version_id}/generate").status_code == 200
    return version_in(api, version_id, "Completed")


def assert_error(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]
    return body["detail"]


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """Strict reading of SRT: numbered cues from 1, a timing line, text, blank line between cues."""
    cues = []
    blocks = text.strip("\n").split("\n\n")
    for number, block in enumerate(blocks, start=1):
        lines = block.split("\n")
        assert lines[0] == str(number), block
        match = SRT_TIMING.match(lines[1])
        assert match, lines[1]
        parts = [int(g) for g in match.groups()]
        start = parts[0] * 3600 + parts[1] * 60 + parts[2] + parts[3] / 1000
        end = parts[4] * 3600 + parts[5] * 60 + parts[6] + parts[7] / 1000
        assert start <= end
        assert len(lines) >= 3 and lines[2]
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


def signed_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


# -- callback receiver -----------------------------------------------------------------------------------
class Receiver:
    """A tiny HTTP server that records every callback's raw body and headers."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append((self.rfile.read(length), {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/panjaya"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in list(self.received)]

    def wait_events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        return wait_for(self.events, lambda events: len(events) >= count, timeout)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


# -- auth ------------------------------------------------------------------------------------------------
AUTHED_ENDPOINTS = [
    ("GET", "/v1/assets/"),
    ("POST", "/v1/assets/"),
    ("POST", "/v1/assets/upload"),
    ("GET", "/v1/assets/some-id"),
    ("POST", "/v1/assets/some-id/languages"),
    ("GET", "/v1/versions/some-id"),
    ("PATCH", "/v1/versions/some-id/revise"),
    ("POST", "/v1/versions/some-id/generate"),
    ("POST", "/v1/versions/some-id/studio_url"),
    ("GET", "/v1/versions/some-id/srt"),
]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer panjaya-wrong-key"},
        {"Authorization": "Bearer sandbox-key"},
        {"Authorization": "Basic panjaya-sandbox-key"},
        {"Authorization": "panjaya-sandbox-key"},
    ],
    ids=["missing", "wrong-key", "no-prefix", "wrong-scheme", "no-scheme"],
)
def test_every_endpoint_refuses_a_bad_api_key(sandbox: RunningSandbox, headers: dict[str, str]) -> None:
    for method, path in AUTHED_ENDPOINTS:
        response = plain.request(method, sandbox.vendor_url("panjaya") + path, headers=headers, json={})
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert created(sandbox) == {}


def test_the_sandbox_key_is_accepted(api: httpx.Client) -> None:
    assert set(SANDBOX_API_KEYS) == {"sandbox-key"}
    assert api.get("/v1/assets/").status_code == 200
    lower_scheme = api.get("/v1/assets/", headers={"Authorization": "bearer panjaya-sandbox-key"})
    assert lower_scheme.status_code == 200


# -- listing ---------------------------------------------------------------------------------------------
def test_list_assets_is_paginated_newest_first(api: httpx.Client, sandbox: RunningSandbox) -> None:
    assert api.get("/v1/assets/").json() == {"items": [], "page": 1, "page_size": 20, "total": 0}
    ids = [create(api, sandbox, name=f"clip {n}")["id"] for n in range(3)]
    first = api.get("/v1/assets/", params={"page": 1, "page_size": 2}).json()
    assert first["page"] == 1 and first["page_size"] == 2 and first["total"] == 3
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    second = api.get("/v1/assets/", params={"page": 2, "page_size": 2}).json()
    assert [item["id"] for item in second["items"]] == [ids[0]]
    assert api.get("/v1/assets/", params={"page": 3, "page_size": 2}).json()["items"] == []
    summary = second["items"][0]
    assert set(summary) == {"id", "name", "status", "locale", "created_at", "dubbings"}
    assert summary["name"] == "clip 0" and summary["locale"] == "en-US"
    assert ISO_Z.match(summary["created_at"])
    settled_asset(api, ids[0])
    summary = api.get("/v1/assets/", params={"page": 2, "page_size": 2}).json()["items"][0]
    assert summary["status"] == "Ready"
    assert [set(d) for d in summary["dubbings"]] == [{"id", "locale"}]
    assert summary["dubbings"][0]["locale"] == "es-ES"


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page": -1}, {"page_size": 0}, {"page_size": 101}, {"page": "abc"}, {"page_size": "x"}],
)
def test_list_assets_rejects_bad_pagination(api: httpx.Client, params: dict[str, Any]) -> None:
    assert_error(api.get("/v1/assets/", params=params), 400)


def test_page_size_bounds_are_accepted(api: httpx.Client) -> None:
    assert api.get("/v1/assets/", params={"page_size": 1}).status_code == 200
    assert api.get("/v1/assets/", params={"page_size": 100}).json()["page_size"] == 100


# -- creating assets -------------------------------------------------------------------------------------
def test_create_asset_answers_201_with_the_asset_and_counts_it(
    api: httpx.Client, sandbox: RunningSandbox
) -> None:
    asset = create(api, sandbox, target_languages=[{"locale": "es-ES"}, {"locale": "fr-FR", "srt": None}])
    assert set(asset) == ASSET_KEYS
    assert asset["status"] == "Processing" and asset["error"] is None and asset["dubbings"] == []
    assert asset["name"] == "sample.mp4" and asset["locale"] == "en-US"
    assert asset["lips_model"] == "real_face" and asset["voice_anonymization"] == 0.0
    assert asset["start_time"] == 0.0 and asset["end_time"] is None and asset["speakers_count"] is None
    assert ISO_Z.match(asset["created_at"])
    assert created(sandbox) == {"panjaya:asset": 1}

    ready = settled_asset(api, asset["id"])
    assert ready["status"] == "Ready" and ready["error"] is None
    assert sorted(d["locale"] for d in ready["dubbings"]) == ["es-ES", "fr-FR"]
    for dubbing in ready["dubbings"]:
        assert [set(v) for v in dubbing["versions"]] == [{"id", "status", "created_at"}]
        assert dubbing["versions"][0]["status"] in ("NotReady", "ReadyToEdit")


def test_create_asset_keeps_the_given_parameters(api: httpx.Client, sandbox: RunningSandbox) -> None:
    asset = create(
        api,
        sandbox,
        name="Launch video",
        speakers_count=2,
        start_time=1,
        end_time=7.5,
        lips_model="real_face_turbo",
        voice_anonymization=0.4,
        background_url=media_url(sandbox, "sample_silent.mp4"),
    )
    assert asset["name"] == "Launch video" and asset["speakers_count"] == 2
    assert asset["start_time"] == 1.0 and asset["end_time"] == 7.5
    assert asset["lips_model"] == "real_face_turbo" and asset["voice_anonymization"] == 0.4
    assert settled_asset(api, asset["id"])["status"] == "Ready"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"media_url": None}, ["media_url"]),
        ({"media_url": "ftp://example.com/a.mp4"}, ["media_url"]),
        ({"media_url": "not a url"}, ["media_url"]),
        ({"locale": None}, ["locale"]),
        ({"locale": "th-TH"}, ["th-TH", "source"]),
        ({"locale": "xx-XX"}, ["xx-XX"]),
        ({"target_languages": []}, ["target_languages"]),
        ({"target_languages": None}, ["target_languages"]),
        ({"target_languages": [{"locale": "he-IL"}]}, ["he-IL", "target"]),
        ({"target_languages": [{"locale": "ur-IN"}]}, ["ur-IN"]),
        ({"target_languages": [{"locale": "es-es"}]}, ["es-es"]),
        ({"target_languages": [{"locale": "en-US"}]}, ["en-US", "source"]),
        ({"target_languages": [{"locale": "es-ES"}, {"locale": "es-ES"}]}, ["twice"]),
        ({"target_languages": [{}]}, ["locale"]),
        ({"speakers_count": 0}, ["speakers_count"]),
        ({"start_time": -1}, ["start_time"]),
        ({"end_time": 0}, ["end_time"]),
        ({"start_time": 5, "end_time": 5}, ["end_time"]),
        ({"lips_model": "cartoon"}, ["lips_model"]),
        ({"voice_anonymization": 1.5}, ["voice_anonymization"]),
        ({"voice_anonymization": -0.1}, ["voice_anonymization"]),
        ({"callback_url": "nowhere"}, ["callback_url"]),
        ({"background_url": "file:///etc/passwd"}, ["background_url"]),
    ],
)
def test_create_asset_rejects_invalid_input_with_400(
    api: httpx.Client, sandbox: RunningSandbox, overrides: dict[str, Any], words: list[str]
) -> None:
    body = asset_body(sandbox, **overrides)
    body = {key: value for key, value in body.items() if value is not None}
    assert_error(api.post("/v1/assets/", json=body), 400, *words)
    assert created(sandbox) == {}


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b"[1, 2]", b'"a string"'], ids=["empty", "broken", "array", "str"]
)
def test_create_asset_rejects_a_body_that_is_not_a_json_object(api: httpx.Client, content: bytes) -> None:
    response = api.post("/v1/assets/", content=content, headers={"Content-Type": "application/json"})
    assert_error(response, 400)


def test_create_asset_beyond_the_account_limit_is_403(
    api: httpx.Client, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "MAX_ASSETS_PER_ACCOUNT", 2)
    create(api, sandbox)
    assert upload(
        api, {"locale": "en-US", "target_languages": [{"locale": "de-DE"}]}, sample_bytes()
    ).is_success
    assert_error(api.post("/v1/assets/", json=asset_body(sandbox)), 403, "2 assets")
    params = {"locale": "en-US", "target_languages": [{"locale": "de-DE"}]}
    assert_error(upload(api, params, sample_bytes()), 403)
    assert created(sandbox) == {"panjaya:asset": 2}


# -- uploading assets ------------------------------------------------------------------------------------
def test_upload_asset_creates_and_processes_the_file(api: httpx.Client, sandbox: RunningSandbox) -> None:
    params = {"locale": "fr-FR", "target_languages": [{"locale": "en-US"}], "media_url": "ignored"}
    background = ("bg.mp4", sample_bytes("sample_silent.mp4"), "audio/mp4")
    response = upload(api, params, sample_bytes(), background=background)
    assert response.status_code == 201, response.text
    asset = response.json()
    assert set(asset) == ASSET_KEYS and asset["status"] == "Processing" and asset["name"] == "clip.mp4"
    assert settled_asset(api, asset["id"])["status"] == "Ready"
    assert created(sandbox) == {"panjaya:asset": 1}


def test_upload_with_a_named_request_and_request_sent_as_a_file_part(api: httpx.Client) -> None:
    params = {"name": "mine", "locale": "en-US", "target_languages": [{"locale": "es-MX"}]}
    files = {
        "request": (None, json.dumps(params), "application/json"),
        "video": ("v.mp4", sample_bytes(), "video/mp4"),
    }
    response = api.post("/v1/assets/upload", files=files)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "mine"


def test_upload_rejects_malformed_requests(api: httpx.Client, sandbox: RunningSandbox) -> None:
    params = {"locale": "en-US", "target_languages": [{"locale": "es-ES"}]}
    video = ("v.mp4", sample_bytes(), "video/mp4")
    assert_error(api.post("/v1/assets/upload", json=params), 400, "multipart")
    assert_error(api.post("/v1/assets/upload", files={"video": video}), 400, "request")
    no_video = api.post("/v1/assets/upload", data={"request": json.dumps(params)}, files={"x": video})
    assert_error(no_video, 400, "video")
    video_as_text = {"request": json.dumps(params), "video": "not a file"}
    assert_error(api.post("/v1/assets/upload", data=video_as_text, files={"x": video}), 400, "video")
    bad_json = api.post("/v1/assets/upload", data={"request": "{oops"}, files={"video": video})
    assert_error(bad_json, 400, "JSON")
    invalid = {"locale": "th-TH", "target_languages": [{"locale": "es-ES"}]}
    assert_error(upload(api, invalid, sample_bytes()), 400, "th-TH")
    background_text = api.post(
        "/v1/assets/upload",
        data={"request": json.dumps(params), "background": "text"},
        files={"video": video},
    )
    assert_error(background_text, 400, "background")
    assert created(sandbox) == {}


# -- asset processing failures, each through its real cause ----------------------------------------------
def _failed(api: httpx.Client, asset_id: str, code: str) -> dict[str, Any]:
    asset = settled_asset(api, asset_id)
    assert asset["status"] == "Failed", asset
    assert set(asset["error"]) == {"code", "message"} and asset["error"]["code"] == code
    assert asset["error"]["message"]
    assert asset["dubbings"] == []
    return asset


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("sample_audio_only.mp4", "unsupported_media"),
        ("sample_no_audio.mp4", "missing_audio_track"),
        ("sample_silent.mp4", "empty_transcript"),
        ("no_such_file.mp4", "invalid_input"),
    ],
)
def test_media_problems_fail_the_asset(
    api: httpx.Client, sandbox: RunningSandbox, name: str, code: str
) -> None:
    _failed(api, create(api, sandbox, media_url=media_url(sandbox, name))["id"], code)
    assert created(sandbox) == {"panjaya:asset": 1}


def test_an_unreachable_media_url_is_invalid_input(api: httpx.Client, sandbox: RunningSandbox) -> None:
    asset = create(api, sandbox, media_url=f"http://127.0.0.1:{free_port()}/video.mp4")
    assert "media_url" in _failed(api, asset["id"], "invalid_input")["error"]["message"]


def test_a_file_that_is_not_mp4_is_unsupported_media(api: httpx.Client) -> None:
    params = {"locale": "en-US", "target_languages": [{"locale": "es-ES"}]}
    response = upload(api, params, b"this is plain text, not a video")
    _failed(api, response.json()["id"], "unsupported_media")


def test_too_many_speakers_for_the_clip_is_invalid_input(api: httpx.Client, sandbox: RunningSandbox) -> None:
    too_many = len(wire.SOURCE_TRANSCRIPT) + 1
    asset = _failed(api, create(api, sandbox, speakers_count=too_many)["id"], "invalid_input")
    assert "speakers_count" in asset["error"]["message"]
    assert settled_asset(api, create(api, sandbox, speakers_count=too_many - 1)["id"])["status"] == "Ready"


def test_a_background_without_audio_is_invalid_input(api: httpx.Client, sandbox: RunningSandbox) -> None:
    by_url = create(api, sandbox, background_url=media_url(sandbox, "sample_no_audio.mp4"))
    assert "background" in _failed(api, by_url["id"], "invalid_input")["error"]["message"]
    missing = create(api, sandbox, background_url=media_url(sandbox, "missing.mp3"))
    assert "background_url" in _failed(api, missing["id"], "invalid_input")["error"]["message"]
    params = {"locale": "en-US", "target_languages": [{"locale": "es-ES"}]}
    empty = upload(api, params, sample_bytes(), background=("bg.wav", b"", "audio/wav"))
    _failed(api, empty.json()["id"], "invalid_input")


@pytest.mark.parametrize(
    "trim", [{"start_time": 8}, {"start_time": 9.5}, {"end_time": 8.5}, {"start_time": 2, "end_time": 20}]
)
def test_trimming_outside_the_video_is_time_out_of_range(
    api: httpx.Client, sandbox: RunningSandbox, trim: dict[str, float]
) -> None:
    _failed(api, create(api, sandbox, **trim)["id"], "time_out_of_range")


def test_a_file_over_the_size_limit_is_video_size_limit_reached(
    api: httpx.Client, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox.sandbox.settings, "max_upload_bytes", len(sample_bytes()) - 1)
    _failed(api, create(api, sandbox)["id"], "video_size_limit_reached")
    params = {"locale": "en-US", "target_languages": [{"locale": "es-ES"}]}
    _failed(api, upload(api, params, sample_bytes()).json()["id"], "video_size_limit_reached")
    # a smaller file still fits
    small = create(api, sandbox, media_url=media_url(sandbox, "sample_silent.mp4"))
    _failed(api, small["id"], "empty_transcript")


def test_the_account_duration_limit_counts_processed_seconds(
    api: httpx.Client, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox.sandbox.settings, "account_duration_limit_seconds", 12.0)
    assert settled_asset(api, create(api, sandbox)["id"])["status"] == "Ready"  # 8 s used
    _failed(api, create(api, sandbox)["id"], "video_duration_limit_reached")  # 16 s > 12 s
    trimmed = create(api, sandbox, start_time=2, end_time=6)  # 8 + 4 = 12 s fits
    assert settled_asset(api, trimmed["id"])["status"] == "Ready"
    _failed(api, create(api, sandbox, end_time=0.5)["id"], "video_duration_limit_reached")


def test_an_asset_stays_processing_for_two_stages(api: httpx.Client, sandbox: RunningSandbox) -> None:
    clock = StandingClock(sandbox)
    asset = create(api, sandbox)
    wait_for(lambda: clock.store(PanjayaStore).assets[asset["id"]].probed_at, bool)  # the media was read
    assert api.get(f"/v1/assets/{asset['id']}").json()["status"] == "Processing"
    clock.panjaya_asset(asset["id"], 1)
    assert api.get(f"/v1/assets/{asset['id']}").json()["status"] == "Processing"
    clock.panjaya_asset(asset["id"], 1)
    ready = api.get(f"/v1/assets/{asset['id']}").json()
    assert ready["status"] == "Ready"
    version_id = ready["dubbings"][0]["versions"][0]["id"]
    version = api.get(f"/v1/versions/{version_id}").json()
    assert version["status"] == "NotReady" and 0 <= version["progress"] <= 99
    clock.panjaya_version(version_id, 1)
    version = api.get(f"/v1/versions/{version_id}").json()
    assert version["status"] == "ReadyToEdit" and version["progress"] == 0


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    assert_error(api.get("/v1/assets/nope"), 404, "nope")
    assert_error(api.post("/v1/assets/nope/languages", json={"target_languages": [{"locale": "de-DE"}]}), 404)
    assert_error(api.get("/v1/versions/nope"), 404, "nope")
    assert_error(api.patch("/v1/versions/nope/revise"), 404)
    assert_error(api.post("/v1/versions/nope/generate"), 404)
    assert_error(api.post("/v1/versions/nope/studio_url", json={}), 404)
    assert_error(api.get("/v1/versions/nope/srt"), 404)
    assert_error(api.get("/v1/no-such-endpoint"), 404)


# -- adding languages ------------------------------------------------------------------------------------
def test_add_languages_to_a_ready_asset(api: httpx.Client, sandbox: RunningSandbox) -> None:
    asset, _ = ready_to_edit(api, sandbox)
    response = api.post(
        f"/v1/assets/{asset['id']}/languages",
        json={"target_languages": [{"locale": "fr-FR"}, {"locale": "ja-JP", "srt": None}]},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert set(updated) == ASSET_KEYS
    ids = version_ids(updated)
    assert sorted(ids) == ["es-ES", "fr-FR", "ja-JP"]
    assert version_in(api, ids["fr-FR"], "ReadyToEdit")["locale"] == "fr-FR"
    assert version_in(api, ids["ja-JP"], "ReadyToEdit")["asset_id"] == asset["id"]
    assert created(sandbox) == {"panjaya:asset": 1}


def test_add_languages_refuses_bad_requests(api: httpx.Client, sandbox: RunningSandbox) -> None:
    clock = StandingClock(sandbox)
    processing = create(api, sandbox)
    path = f"/v1/assets/{processing['id']}/languages"
    assert_error(api.post(path, json={"target_languages": [{"locale": "fr-FR"}]}), 400, "Processing")
    clock.panjaya_asset(processing["id"], 2)
    settled_asset(api, processing["id"])
    assert_error(api.post(path, json={"target_languages": [{"locale": "es-ES"}]}), 400, "es-ES")
    assert_error(api.post(path, json={"target_languages": [{"locale": "en-US"}]}), 400, "source")
    assert_error(api.post(path, json={"target_languages": [{"locale": "he-IL"}]}), 400, "he-IL")
    two = {"target_languages": [{"locale": "it-IT"}, {"locale": "it-IT"}]}
    assert_error(api.post(path, json=two), 400, "twice")
    assert_error(api.post(path, json={"target_languages": []}), 400)
    assert_error(api.post(path, json={}), 400, "target_languages")
    assert_error(api.post(path, content=b"nope", headers={"Content-Type": "application/json"}), 400)
    assert len(api.get(f"/v1/assets/{processing['id']}").json()["dubbings"]) == 1

    failed = create(api, sandbox, media_url=media_url(sandbox, "sample_silent.mp4"))
    clock.panjaya_asset(failed["id"], 2)
    _failed(api, failed["id"], "empty_transcript")
    refused = api.post(
        f"/v1/assets/{failed['id']}/languages", json={"target_languages": [{"locale": "fr-FR"}]}
    )
    assert_error(refused, 400, "Failed")


# -- versions: generate, revise, results -----------------------------------------------------------------
def test_version_shape_and_generation_to_a_real_mp4(api: httpx.Client, sandbox: RunningSandbox) -> None:
    asset, version_id = ready_to_edit(api, sandbox)
    version = api.get(f"/v1/versions/{version_id}").json()
    assert set(version) == VERSION_KEYS
    assert version["status"] == "ReadyToEdit" and version["locale"] == "es-ES"
    assert version["asset_id"] == asset["id"] and version["dubbing_id"] == asset["dubbings"][0]["id"]
    assert version["result_url"] is None and version["error"] is None
    assert version["studio_url"] == f"{sandbox.url}/panjaya/studio/versions/{version_id}"
    assert ISO_Z.match(version["created_at"]) and ISO_Z.match(version["updated_at"])

    generating = api.post(f"/v1/versions/{version_id}/generate")
    assert generating.status_code == 200
    assert set(generating.json()) == VERSION_KEYS and generating.json()["status"] == "Generating"
    assert isinstance(generating.json()["progress"], int)
    assert created(sandbox) == {"panjaya:asset": 1, "panjaya:generation": 1}

    done = version_in(api, version_id, "Completed")
    assert done["progress"] == 100 and done["error"] is None
    query = signed_query(done["result_url"])
    assert done["result_url"].startswith(f"{sandbox.url}/panjaya/results/{version_id}/")
    assert abs(int(query["expires"]) - (time.time() + sandbox.sandbox.settings.link_ttl_seconds)) < 5
    download = plain.get(done["result_url"])
    assert download.status_code == 200 and download.headers["content-type"] == "video/mp4"
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(sample_bytes()).hexdigest()


def test_generate_is_only_allowed_from_ready_to_edit(api: httpx.Client, sandbox: RunningSandbox) -> None:
    clock = StandingClock(sandbox)  # the test acts inside NotReady and Generating
    created_asset = create(api, sandbox)
    clock.panjaya_asset(created_asset["id"], 2)
    asset = settled_asset(api, created_asset["id"])
    version_id = asset["dubbings"][0]["versions"][0]["id"]
    assert_error(api.post(f"/v1/versions/{version_id}/generate"), 400, "NotReady")
    assert_error(api.patch(f"/v1/versions/{version_id}/revise"), 400, "NotReady")
    clock.panjaya_version(version_id, 1)
    assert api.post(f"/v1/versions/{version_id}/generate").json()["status"] == "Generating"
    assert_error(api.post(f"/v1/versions/{version_id}/generate"), 400, "Generating")
    assert_error(api.patch(f"/v1/versions/{version_id}/revise"), 400, "Generating")
    assert 0 <= api.get(f"/v1/versions/{version_id}").json()["progress"] <= 99
    clock.panjaya_version(version_id, 2)
    assert api.get(f"/v1/versions/{version_id}").json()["status"] == "Completed"
    assert_error(api.post(f"/v1/versions/{version_id}/generate"), 400, "Completed")
    assert created(sandbox)["panjaya:generation"] == 1


def test_revise_deletes_the_generated_video(api: httpx.Client, sandbox: RunningSandbox) -> None:
    done = completed(api, sandbox)
    old_link = done["result_url"]
    assert plain.get(old_link).status_code == 200
    response = api.patch(f"/v1/versions/{done['id']}/revise")
    assert response.status_code == 200 and response.json() == {"studio_url": None}
    revised = api.get(f"/v1/versions/{done['id']}").json()
    assert revised["status"] == "ReadyToEdit" and revised["result_url"] is None
    assert_error(plain.get(old_link), 404)
    # a revised version can be generated again: a second paid generation
    assert api.post(f"/v1/versions/{done['id']}/generate").status_code == 200
    again = version_in(api, done["id"], "Completed")
    assert again["result_url"] != old_link and plain.get(again["result_url"]).status_code == 200
    assert created(sandbox)["panjaya:generation"] == 2


def test_revise_from_ready_to_edit_with_a_studio_link(api: httpx.Client, sandbox: RunningSandbox) -> None:
    _, version_id = ready_to_edit(api, sandbox)
    response = api.patch(
        f"/v1/versions/{version_id}/revise", json={"studio_url_request": {"expiration_minutes": 5}}
    )
    assert response.status_code == 200
    studio_url = response.json()["studio_url"]
    assert studio_url.startswith(f"{sandbox.url}/panjaya/studio/versions/{version_id}?")
    assert abs(int(signed_query(studio_url)["expires"]) - (time.time() + 300)) < 5
    page = plain.get(studio_url)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert version_id in page.text and "ReadyToEdit" in page.text
    default = api.patch(f"/v1/versions/{version_id}/revise", json={"studio_url_request": {}})
    assert abs(int(signed_query(default.json()["studio_url"])["expires"]) - (time.time() + 10800)) < 5
    bad = api.patch(
        f"/v1/versions/{version_id}/revise", json={"studio_url_request": {"expiration_minutes": 0}}
    )
    assert_error(bad, 400, "expiration_minutes")
    assert_error(api.patch(f"/v1/versions/{version_id}/revise", json=[1]), 400)


def test_a_failed_generation(api: httpx.Client, sandbox: RunningSandbox) -> None:
    _, version_id = ready_to_edit(api, sandbox)
    control = plain.post(f"{sandbox.vendor_url('panjaya')}/_sandbox/fail-next-generate")
    assert control.status_code == 200 and control.json() == {"failing_generations": 1}
    assert api.post(f"/v1/versions/{version_id}/generate").json()["status"] == "Generating"
    failed = version_in(api, version_id, "Failed", "Completed")
    assert failed["status"] == "Failed" and failed["result_url"] is None
    assert failed["error"]["code"] == "generation_failed" and failed["error"]["message"]
    assert_error(api.post(f"/v1/versions/{version_id}/generate"), 400, "Failed")
    assert api.patch(f"/v1/versions/{version_id}/revise").json() == {"studio_url": None}
    revised = api.get(f"/v1/versions/{version_id}").json()
    assert revised["status"] == "ReadyToEdit" and revised["error"] is None
    api.post(f"/v1/versions/{version_id}/generate")
    assert version_in(api, version_id, "Completed", "Failed")["status"] == "Completed"
    assert created(sandbox)["panjaya:generation"] == 2


# -- studio links ----------------------------------------------------------------------------------------
def test_studio_url_signs_an_expiring_link(api: httpx.Client, sandbox: RunningSandbox) -> None:
    _, version_id = ready_to_edit(api, sandbox)
    default = api.post(f"/v1/versions/{version_id}/studio_url")
    assert default.status_code == 200 and set(default.json()) == {"studio_url"}
    link = default.json()["studio_url"]
    assert link.startswith(f"{sandbox.url}/panjaya/studio/versions/{version_id}?")
    assert abs(int(signed_query(link)["expires"]) - (time.time() + 180 * 60)) < 5
    assert plain.get(link).status_code == 200
    one_minute = api.post(f"/v1/versions/{version_id}/studio_url", json={"expiration_minutes": 1}).json()
    assert abs(int(signed_query(one_minute["studio_url"])["expires"]) - (time.time() + 60)) < 5
    week = api.post(f"/v1/versions/{version_id}/studio_url", json={"expiration_minutes": 10080})
    assert week.status_code == 200
    for minutes in (0, 10081, "soon"):
        bad = api.post(f"/v1/versions/{version_id}/studio_url", json={"expiration_minutes": minutes})
        assert_error(bad, 400, "expiration_minutes")


def test_studio_pages_need_a_valid_signature(api: httpx.Client, sandbox: RunningSandbox) -> None:
    _, version_id = ready_to_edit(api, sandbox)
    version = api.get(f"/v1/versions/{version_id}").json()
    assert_error(plain.get(version["studio_url"]), 403)  # the unsigned link needs a login
    link = api.post(f"/v1/versions/{version_id}/studio_url").json()["studio_url"]
    assert_error(plain.get(link.replace("signature=", "signature=0")), 403)
    path = f"/panjaya/studio/versions/{version_id}"
    expired = sandbox.sandbox.sign_path(path, ttl_seconds=-5)
    assert_error(plain.get(expired), 403, "expired")
    assert_error(plain.get(f"{sandbox.url}{path}?expires=soon&signature=x"), 403)
    other = sandbox.sandbox.sign_path("/panjaya/studio/versions/unknown")
    assert_error(plain.get(other), 404)


def test_result_links_expire(
    api: httpx.Client, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = completed(api, sandbox)
    assert plain.get(done["result_url"]).status_code == 200
    path = urlparse(done["result_url"]).path
    assert_error(plain.get(sandbox.sandbox.sign_path(path, ttl_seconds=-1)), 403, "expired")
    monkeypatch.setattr(sandbox.sandbox.settings, "link_ttl_seconds", 1)
    short = api.get(f"/v1/versions/{done['id']}").json()["result_url"]
    expires = int(signed_query(short)["expires"])
    assert expires <= time.time() + 1
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    assert_error(plain.get(short), 403, "expired")
    assert plain.get(done["result_url"]).status_code == 200  # the earlier, longer link still works


# -- subtitles -------------------------------------------------------------------------------------------
def test_srt_source_and_machine_translated_target(api: httpx.Client, sandbox: RunningSandbox) -> None:
    _, version_id = ready_to_edit(api, sandbox, target_languages=[{"locale": "de-DE"}])
    source = api.get(f"/v1/versions/{version_id}/srt", params={"locality": "source"})
    assert source.status_code == 200 and source.headers["content-type"] == "application/x-subrip"
    source_cues = parse_srt(source.content.decode("utf-8"))
    assert [text for _, _, text in source_cues] == list(wire.SOURCE_TRANSCRIPT)
    assert source_cues[0][0] >= 0 and source_cues[-1][1] <= SAMPLE_SECONDS
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(source_cues))

    default = api.get(f"/v1/versions/{version_id}/srt")
    explicit = api.get(f"/v1/versions/{version_id}/srt", params={"locality": "target"})
    assert default.text == explicit.text
    target_cues = parse_srt(default.text)
    assert [text for _, _, text in target_cues] == [f"[de-DE] {s}" for s in wire.SOURCE_TRANSCRIPT]
    assert [c[:2] for c in target_cues] == [c[:2] for c in source_cues]
    assert_error(api.get(f"/v1/versions/{version_id}/srt", params={"locality": "both"}), 400, "locality")


def test_srt_follows_the_trim(api: httpx.Client, sandbox: RunningSandbox) -> None:
    _, version_id = ready_to_edit(api, sandbox, start_time=2, end_time=6)
    cues = parse_srt(api.get(f"/v1/versions/{version_id}/srt", params={"locality": "source"}).text)
    assert cues[0][0] >= 2 and cues[-1][1] <= 6


def test_srt_is_not_available_while_not_ready(api: httpx.Client, sandbox: RunningSandbox) -> None:
    clock = StandingClock(sandbox)
    created_asset = create(api, sandbox)
    clock.panjaya_asset(created_asset["id"], 2)
    asset = settled_asset(api, created_asset["id"])
    version_id = asset["dubbings"][0]["versions"][0]["id"]
    assert_error(api.get(f"/v1/versions/{version_id}/srt"), 400, "NotReady")


USER_SRT = (
    "1\r\n00:00:00,500 --> 00:00:02,000\r\nHola y bienvenidos.\r\n\r\n"
    "2\r\n00:00:02,500 --> 00:00:07,000\r\nUn clip.\r\nDos líneas.\r\n"
)


def test_user_srt_is_the_target_and_an_invalid_one_fails_the_version(
    api: httpx.Client, sandbox: RunningSandbox
) -> None:
    asset = settled_asset(
        api,
        create(
            api,
            sandbox,
            target_languages=[
                {"locale": "es-ES", "srt": USER_SRT},
                {"locale": "fr-FR", "srt": "this is not subrip"},
                {"locale": "it-IT", "srt": "1\n00:00:05,000 --> 00:00:01,000\nbackwards\n"},
            ],
        )["id"],
    )
    ids = version_ids(asset)
    version_in(api, ids["es-ES"], "ReadyToEdit")
    cues = parse_srt(api.get(f"/v1/versions/{ids['es-ES']}/srt").content.decode("utf-8"))
    assert cues == [(0.5, 2.0, "Hola y bienvenidos."), (2.5, 7.0, "Un clip.\nDos líneas.")]
    for locale in ("fr-FR", "it-IT"):
        failed = version_in(api, ids[locale], "Failed", "ReadyToEdit")
        assert failed["status"] == "Failed" and failed["error"]["code"] == "invalid_srt"
        assert locale in failed["error"]["message"]
    assert api.patch(f"/v1/versions/{ids['fr-FR']}/revise").status_code == 200
    assert api.get(f"/v1/versions/{ids['fr-FR']}").json()["status"] == "ReadyToEdit"


# -- callbacks -------------------------------------------------------------------------------------------
def _verify(body: bytes, headers: dict[str, str], pem: str) -> None:
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(bytes.fromhex(headers["x-signature"]), body, ec.ECDSA(hashes.SHA256()))


def test_public_key_endpoint_publishes_the_deterministic_key(sandbox: RunningSandbox) -> None:
    response = plain.get(f"{sandbox.vendor_url('panjaya')}/_sandbox/public-key")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("-----BEGIN PUBLIC KEY-----")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    seed = hashlib.sha256(b"video-localization panjaya sandbox callback key").digest()
    expected = ec.derive_private_key(int.from_bytes(seed, "big") % order, ec.SECP256R1())
    assert sandbox_signing_key().private_numbers() == expected.private_numbers()
    published = serialization.load_pem_public_key(response.text.encode())
    assert published.public_numbers() == expected.public_key().public_numbers()


def test_callbacks_for_every_version_event_are_signed(
    api: httpx.Client, sandbox: RunningSandbox, receiver: Receiver
) -> None:
    asset = create(
        api,
        sandbox,
        callback_url=receiver.url,
        target_languages=[{"locale": "es-ES"}, {"locale": "fr-FR", "srt": "garbage"}],
    )
    # nobody polls: the sandbox's own ticker moves the state and fires the callbacks
    events = receiver.wait_events(2)
    ids = version_ids(api.get(f"/v1/assets/{asset['id']}").json())
    assert sorted((e["event"], e["locale"], e["version_id"]) for e in events) == [
        ("version_failed", "fr-FR", ids["fr-FR"]),
        ("version_ready", "es-ES", ids["es-ES"]),
    ]
    assert all(
        e["asset_id"] == asset["id"] and set(e) == {"event", "asset_id", "version_id", "locale"}
        for e in events
    )

    api.post(f"/v1/versions/{ids['es-ES']}/generate")
    events = receiver.wait_events(4)[2:]
    assert [e["event"] for e in events] == ["version_generating", "version_generated"]

    plain.post(f"{sandbox.vendor_url('panjaya')}/_sandbox/fail-next-generate")
    api.patch(f"/v1/versions/{ids['es-ES']}/revise")
    receiver.wait_events(5)  # callbacks are separate POSTs: wait so their order is the order of changes
    api.post(f"/v1/versions/{ids['es-ES']}/generate")
    events = receiver.wait_events(7)[4:]
    assert [e["event"] for e in events] == ["version_ready", "version_generating", "version_generate_failed"]
    assert all(e["version_id"] == ids["es-ES"] and e["locale"] == "es-ES" for e in events)

    pem = plain.get(f"{sandbox.vendor_url('panjaya')}/_sandbox/public-key").text
    for body, headers in receiver.received:
        assert headers["content-type"] == "application/json"
        assert headers["x-signature-algorithm"] == "ES256"
        _verify(body, headers, pem)
        with pytest.raises(InvalidSignature):
            _verify(body + b" ", headers, pem)
    time.sleep(0.1)
    assert len(receiver.received) == 7  # each change is announced once
    recorded = wait_for(
        lambda: [
            c for c in plain.get(f"{sandbox.url}/_sandbox/callbacks").json() if c["vendor"] == "panjaya"
        ],
        lambda calls: len(calls) == 7,
    )
    assert all(c["status_code"] == 200 and c["url"] == receiver.url for c in recorded)


def test_asset_failed_callback(api: httpx.Client, sandbox: RunningSandbox, receiver: Receiver) -> None:
    asset = create(
        api, sandbox, callback_url=receiver.url, media_url=media_url(sandbox, "sample_no_audio.mp4")
    )
    (event,) = receiver.wait_events(1)
    assert event == {"event": "asset_failed", "asset_id": asset["id"], "version_id": None, "locale": None}
    body, headers = receiver.received[0]
    _verify(body, headers, plain.get(f"{sandbox.vendor_url('panjaya')}/_sandbox/public-key").text)


def test_added_languages_announce_their_versions(
    api: httpx.Client, sandbox: RunningSandbox, receiver: Receiver
) -> None:
    asset, _ = ready_to_edit(api, sandbox, callback_url=receiver.url)
    receiver.wait_events(1)
    updated = api.post(
        f"/v1/assets/{asset['id']}/languages", json={"target_languages": [{"locale": "pl-PL"}]}
    )
    event = receiver.wait_events(2)[1]
    assert event == {
        "event": "version_ready",
        "asset_id": asset["id"],
        "version_id": version_ids(updated.json())["pl-PL"],
        "locale": "pl-PL",
    }


# -- shared sandbox machinery ----------------------------------------------------------------------------
@pytest.mark.parametrize("status", [429, 500])
def test_injected_faults_use_panjaya_error_shape(
    api: httpx.Client, sandbox: RunningSandbox, status: int
) -> None:
    fault = {"vendor": "panjaya", "status": status, "retry_after": 2, "message": "slow down"}
    assert plain.post(f"{sandbox.url}/_sandbox/faults", json=fault).status_code == 200
    response = api.get("/v1/assets/")
    assert_error(response, status, "slow down")
    assert response.headers["Retry-After"] == "2"
    assert api.get("/v1/assets/").status_code == 200


def test_requests_are_counted_and_reset_forgets_assets(api: httpx.Client, sandbox: RunningSandbox) -> None:
    asset = create(api, sandbox)
    api.get(f"/v1/assets/{asset['id']}")
    requests = plain.get(f"{sandbox.url}/_sandbox/counters").json()["requests"]
    assert requests["panjaya POST /panjaya/v1/assets/"] == 1
    assert requests["panjaya GET /panjaya/v1/assets/{asset_id}"] == 1
    plain.post(f"{sandbox.url}/_sandbox/reset")
    assert_error(api.get(f"/v1/assets/{asset['id']}"), 404)
    assert api.get("/v1/assets/").json()["total"] == 0
