"""The CDNvideo talking-head emulator answers like the vendor document: paths, auth, limits, states."""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest

from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.cdnvideo import constants as c
from video_localization_dev.sandbox.media import probe_bytes

ACCOUNT = c.SANDBOX_ACCOUNT
DOC_EXAMPLE = {
    "script": "Hello! This is the text I am speaking.",
    "actor": {"name": "Natalia", "version": "4.0.0", "style": "dressshirt", "shot": "waist", "size": "HD"},
    "voice": "Sara",
    "background": "green_screen",
    "video_name": "Awesome Video!",
}
SAMPLE = (media_dir() / "sample.mp4").read_bytes()
# One keep-alive client for the whole module: new connections per request would dominate the run time.
HTTP = httpx.Client(timeout=10)


@dataclass
class Api:
    """A logged-in client of one account, with the document's paths."""

    base: str
    control: str
    token: str
    account: str = ACCOUNT

    @property
    def headers(self) -> dict[str, str]:
        return {"CDN-AUTH-TOKEN": self.token}

    def url(self, tail: str, account: str | None = None) -> str:
        return f"{self.base}/app/th-api/v1/accounts/{account or self.account}/{tail}"

    def get(self, tail: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
        return HTTP.get(self.url(tail), headers={**self.headers, **(headers or {})}, timeout=10, **kwargs)

    def post(self, tail: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
        return HTTP.post(self.url(tail), headers={**self.headers, **(headers or {})}, timeout=10, **kwargs)

    def patch(self, tail: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
        return HTTP.patch(self.url(tail), headers={**self.headers, **(headers or {})}, timeout=10, **kwargs)

    def delete(self, tail: str) -> httpx.Response:
        return HTTP.delete(self.url(tail), headers=self.headers, timeout=10)

    def generate(self, **changes) -> str:
        response = self.post("generate", json={**DOC_EXAMPLE, **changes})
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def status(self, task_id: str) -> dict:
        response = self.get(f"status/{task_id}")
        assert response.status_code == 200, response.text
        return response.json()["task"]

    def wait(self, task_id: str, until: Callable[[dict], bool], timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            task = self.status(task_id)
            if until(task) or time.monotonic() > deadline:
                return task
            time.sleep(0.02)

    def wait_processed(self, task_id: str) -> dict:
        task = self.wait(task_id, lambda t: t["status"] == "processed")
        assert task["status"] == "processed", task
        return task

    def ctl(self, name: str, body: dict | None = None) -> dict:
        response = HTTP.post(f"{self.control}/{name}", json=body or {}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


def login(
    base: str, username: str = c.SANDBOX_USERNAME, password: str = c.SANDBOX_PASSWORD
) -> httpx.Response:
    return HTTP.post(
        f"{base}/app/oauth/v1/token/", data={"username": username, "password": password}, timeout=10
    )


@pytest.fixture
def api(sandbox) -> Api:
    base = sandbox.vendor_url("cdnvideo")
    response = login(base)
    assert response.status_code == 200, response.text
    return Api(base=base, control=f"{base}/_sandbox", token=response.json()["token"])


def assert_error(response: httpx.Response, status: int, message: str | re.Pattern) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == "ERROR"
    if isinstance(message, re.Pattern):
        assert message.fullmatch(body["message"]), body["message"]
    else:
        assert body["message"] == message


# -- token ------------------------------------------------------------------------------------------


def test_token_endpoint_answers_white_label_shape(sandbox) -> None:
    base = sandbox.vendor_url("cdnvideo")
    response = login(base)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"person_id", "status", "token", "lifetime"}
    assert body["status"] == 200 and isinstance(body["person_id"], int)
    assert re.fullmatch(r"cdn1_[A-Z0-9]{30}", body["token"])
    assert 6 * 3600 * 1000 - 5000 < body["lifetime"] <= 6 * 3600 * 1000
    # A second login while the token lives returns the same token with its remaining lifetime.
    again = login(base).json()
    assert again["token"] == body["token"] and again["lifetime"] <= body["lifetime"]
    # Another account gets its own token.
    other = login(base, c.OTHER_USERNAME, c.OTHER_PASSWORD).json()
    assert other["token"] != body["token"] and other["person_id"] != body["person_id"]


def test_token_endpoint_errors_have_no_body(sandbox) -> None:
    base = sandbox.vendor_url("cdnvideo")
    wrong = login(base, password="nope")
    assert wrong.status_code == 401 and wrong.content == b""
    missing = HTTP.post(f"{base}/app/oauth/v1/token/", data={"username": c.SANDBOX_USERNAME}, timeout=10)
    assert missing.status_code == 400 and missing.content == b""
    as_json = HTTP.post(
        f"{base}/app/oauth/v1/token/",
        json={"username": c.SANDBOX_USERNAME, "password": c.SANDBOX_PASSWORD},
        timeout=10,
    )
    assert as_json.status_code == 400
    multipart = HTTP.post(
        f"{base}/app/oauth/v1/token/",
        files={"username": (None, c.SANDBOX_USERNAME), "password": (None, c.SANDBOX_PASSWORD)},
        timeout=10,
    )
    assert multipart.status_code == 200 and multipart.json()["token"].startswith("cdn1_")


def test_auth_header_is_required_and_checked(api: Api) -> None:
    url = api.url("configurations")
    assert_error(HTTP.get(url, timeout=10), 403, c.MSG_NO_TOKEN)
    assert_error(HTTP.get(url, headers={"CDN-AUTH-TOKEN": "cdn1_FORGED"}, timeout=10), 403, "invalid token")
    # Header names are case-insensitive, as the document's curl uses `cdn-auth-token`.
    assert HTTP.get(url, headers={"cdn-auth-token": api.token}, timeout=10).status_code == 200
    # A token is bound to its account; an unknown account is "invalid account" too.
    for account in (c.OTHER_ACCOUNT, "nosuchaccount"):
        response = HTTP.get(api.url("configurations", account), headers=api.headers, timeout=10)
        assert_error(response, 403, "invalid account")


def test_expired_token_is_refused_and_login_gives_a_new_one(api: Api) -> None:
    assert api.ctl("token-lifetime", {"seconds": 0.3}) == {"seconds": 0.3}
    api.ctl("expire-tokens")
    assert_error(api.get("configurations"), 403, "token expired")
    fresh = login(api.base).json()
    assert fresh["token"] != api.token and fresh["lifetime"] <= 300
    api.token = fresh["token"]
    assert api.get("configurations").status_code == 200
    time.sleep(0.4)
    assert_error(api.get("configurations"), 403, "token expired")
    assert login(api.base).json()["token"] != api.token


def test_default_token_lifetime_runs_out_after_six_hours(api: Api) -> None:
    api.ctl("clock", {"advance_seconds": 6 * 3600 - 60})
    assert api.get("configurations").status_code == 200
    api.ctl("clock", {"advance_seconds": 61})
    assert_error(api.get("configurations"), 403, "token expired")


# -- configurations ---------------------------------------------------------------------------------


def test_configurations_catalogue(api: Api) -> None:
    response = api.get("configurations")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "voices", "models", "backgrounds", "quota", "watermark"]
    assert body["status"] == "ok" and body["watermark"] is False
    assert body["quota"] == {"limit": 1500.0, "left": 1500.0}
    voices = body["voices"]
    assert voices["Alena"] == {
        "language": "ru-RU",
        "gender": "female",
        "name": "alena",
        "provider": "Yandex",
        "emotions": ["neutral", "good"],
    }
    assert voices["Sara"] == {
        "language": "en-EN",
        "gender": "female",
        "name": "en-US-SaraNeural",
        "provider": "Microsoft",
    }
    languages = {voice["language"][:2] for voice in voices.values()}
    assert {"ru", "en", "de", "fr", "es"} <= languages
    assert {voice["gender"] for voice in voices.values()} == {"female", "male"}
    natalia = body["models"]["Natalia"]
    assert {"1.0.0", "4.0.0"} <= set(natalia)
    assert natalia["4.0.0"] == {
        "style": "dressshirt",
        "gender": "female",
        "voices": ["Alena", "Mia", "Sara"],
        "shots": {"waist": {"size": "HD", "out_size": {"width": 512, "height": 720}}},
    }
    for versions in body["models"].values():
        for model in versions.values():
            assert set(model) == {"style", "gender", "voices", "shots"}
            assert all(voice in voices for voice in model["voices"])
            for shot in model["shots"].values():
                assert shot["size"] in {"SD", "HD", "FullHD", "4K"}
                assert set(shot["out_size"]) == {"width", "height"}
    assert body["backgrounds"]["globe"] == {"sizes": ["HD"]}
    assert "green_screen" in body["backgrounds"]


# -- generate: success, schema (422), limits (400), consistency (400) -------------------------------


def test_generate_document_example(api: Api, sandbox) -> None:
    response = api.post("generate", json=DOC_EXAMPLE)
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"status", "id"} and body["status"] == "ok"
    uuid.UUID(body["id"])
    assert sandbox.counters()["created"] == {"cdnvideo:task": 1}
    assert api.get("configurations").json()["quota"] == {"limit": 1500.0, "left": 1499.0}


def test_generate_minimal_request_uses_defaults(api: Api) -> None:
    task_id = api.generate(actor={"name": "Natalia", "shot": "waist"}, background=None, video_name="min")
    [row] = api.get(
        "tasks", params={"fields": "background,emotion,model_version,actor_name,voice_name"}
    ).json()
    assert row["id"] == task_id
    assert row["background"] == "green_screen" and row["emotion"] == "neutral"
    assert row["model_version"] == "4.1.0" and row["actor_name"] == "Natalia" and row["voice_name"] == "Sara"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**DOC_EXAMPLE, "scrip": "x"}, "incorrect parameters' names: scrip"),
        (
            {**DOC_EXAMPLE, "actor": {**DOC_EXAMPLE["actor"], "styel": "x"}},
            "incorrect parameters' names: actor.styel",
        ),
        ({k: v for k, v in DOC_EXAMPLE.items() if k != "voice"}, "missing required parameter: voice"),
        (
            {k: v for k, v in DOC_EXAMPLE.items() if k != "video_name"},
            "missing required parameter: video_name",
        ),
        ({**DOC_EXAMPLE, "actor": {"name": "Natalia"}}, "missing required parameter: actor.shot"),
        ({**DOC_EXAMPLE, "script": 42}, "bad type of parameter: script (expected string)"),
        ({**DOC_EXAMPLE, "actor": "Natalia"}, "bad type of parameter: actor (expected object)"),
        (
            {**DOC_EXAMPLE, "actor": {**DOC_EXAMPLE["actor"], "version": 4}},
            re.compile(r"bad type .*actor\.version.*"),
        ),
    ],
)
def test_generate_wrong_parameters_are_422(api: Api, sandbox, body: dict, message) -> None:
    assert_error(api.post("generate", json=body), 422, message)
    assert sandbox.counters()["created"] == {}


def test_generate_body_must_be_json(api: Api) -> None:
    response = api.post("generate", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid JSON body")
    assert_error(api.post("generate", json=["a", "list"]), 400, "invalid JSON body")


def test_generate_text_limits(api: Api, sandbox) -> None:
    assert_error(
        api.post("generate", json={**DOC_EXAMPLE, "script": "a" * 3001}),
        400,
        "script is too long: 3001 characters, the maximum is 3000",
    )
    assert_error(
        api.post("generate", json={**DOC_EXAMPLE, "video_name": "n" * 36}),
        400,
        "video_name is too long: 36 characters, the maximum is 35",
    )
    assert_error(api.post("generate", json={**DOC_EXAMPLE, "script": "   "}), 400, "script is empty")
    assert api.post("generate", json={**DOC_EXAMPLE, "video_name": "n" * 35}).status_code == 202
    assert sandbox.counters()["created"] == {"cdnvideo:task": 1}


def test_generate_duration_limit_is_estimated_from_the_script(api: Api) -> None:
    # 15 spoken characters a second: 2700 characters are exactly 3 minutes, 2790 are 3 min 6 s.
    assert api.post("generate", json={**DOC_EXAMPLE, "script": "a" * 2700}).status_code == 202
    assert_error(
        api.post("generate", json={**DOC_EXAMPLE, "script": "a" * 2790}),
        400,
        "video is too long: estimated 186.0 seconds, the maximum is 180",
    )
    # SSML tags are not spoken, but pauses count.
    tags = "<speak>" + "<p>" * 40 + "a" * 2600 + "</p>" * 40 + "</speak>"
    assert len(tags) > 2700
    assert api.post("generate", json={**DOC_EXAMPLE, "script": tags}).status_code == 202
    pauses = "<speak>" + "a" * 2600 + '<break time="5s"/><break time="2500ms"/></speak>'
    assert_error(
        api.post("generate", json={**DOC_EXAMPLE, "script": pauses}),
        400,
        "video is too long: estimated 180.8 seconds, the maximum is 180",
    )


def test_inconsistent_configuration_like_the_document(api: Api) -> None:
    response = api.post(
        "generate", json={**DOC_EXAMPLE, "actor": {"name": "Natalia", "style": "hoodie", "shot": "waist"}}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "bad style for Natalia-latest", "status": "ERROR"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"actor": {"name": "Boris", "shot": "waist"}}, "bad name for Boris-latest"),
        (
            {"actor": {"name": "Natalia", "version": "9.9.9", "shot": "waist"}},
            "bad version for Natalia-9.9.9",
        ),
        (
            {"actor": {"name": "Natalia", "version": "latest", "style": "x", "shot": "waist"}},
            "bad style for Natalia-latest",
        ),
        ({"actor": {"name": "Natalia", "version": "4.0.0", "shot": "full"}}, "bad shot for Natalia-4.0.0"),
        (
            {"actor": {"name": "Natalia", "style": "suitjacket", "shot": "full"}},
            "bad shot for Natalia-latest",
        ),
        ({"actor": {"name": "Natalia", "shot": "waist", "size": "4K"}}, "bad size for Natalia-latest"),
        ({"actor": {"name": "Natalia", "version": "1.0.0", "shot": "waist"}}, "bad voice for Natalia-1.0.0"),
        ({"voice": "Nobody"}, "bad voice for Natalia-4.0.0"),
        ({"voice": "Guy"}, "bad voice for Natalia-4.0.0"),
        ({"background": "nowhere"}, "bad background for Natalia-4.0.0"),
        (
            {"actor": {"name": "Anna", "shot": "waist"}, "background": "globe"},
            "bad background for Anna-latest",
        ),
        (
            {"actor": {"name": "Natalia", "shot": "full"}, "background": "globe"},
            "bad background for Natalia-latest",
        ),
        ({"emotion": "good"}, "bad emotion for Natalia-4.0.0"),
        ({"voice": "Alena", "emotion": "evil"}, "bad emotion for Natalia-4.0.0"),
    ],
)
def test_inconsistent_configurations(api: Api, sandbox, changes: dict, message: str) -> None:
    assert_error(api.post("generate", json={**DOC_EXAMPLE, **changes}), 400, message)
    assert sandbox.counters()["created"] == {}


def test_version_resolution(api: Api) -> None:
    latest = api.generate(actor={"name": "Natalia", "version": "latest", "shot": "waist"}, video_name="l")
    old = api.generate(actor={"name": "Natalia", "style": "suitjacket", "shot": "waist"}, voice="Alena")
    emotional = api.generate(voice="Alena", emotion="good", video_name="e")
    four_k = api.generate(actor={"name": "Mikhail", "shot": "closeup"}, voice="Henri", background="studio")
    rows = {
        row["id"]: row
        for row in api.get("tasks", params={"fields": "model_version,emotion,shot,background"}).json()
    }
    assert rows[latest]["model_version"] == "4.1.0"
    assert rows[old]["model_version"] == "1.0.0"
    assert rows[emotional]["emotion"] == "good" and rows[emotional]["model_version"] == "4.0.0"
    assert rows[four_k]["model_version"] == "2.0.0" and rows[four_k]["resolution"] == "4K"


# -- limits: POST rate, monthly quota ---------------------------------------------------------------


def test_eleventh_post_in_a_minute_is_refused(api: Api, sandbox) -> None:
    statuses = [
        api.post("generate", json={**DOC_EXAMPLE, "video_name": f"v{i}"}).status_code for i in range(10)
    ]
    assert statuses == [202] * 10
    eleventh = api.post("generate", json=DOC_EXAMPLE)
    assert_error(eleventh, 503, "too many requests: no more than 10 POST requests a minute")
    assert 1 <= int(eleventh.headers["Retry-After"]) <= 60
    assert sandbox.counters()["created"] == {"cdnvideo:task": 10}
    # GETs are not limited, other accounts have their own window.
    assert api.get("configurations").status_code == 200
    other = Api(api.base, api.control, login(api.base, c.OTHER_USERNAME, c.OTHER_PASSWORD).json()["token"])
    other.account = c.OTHER_ACCOUNT
    assert other.post("generate", json=DOC_EXAMPLE).status_code == 202
    # The window slides: a minute later POSTs are accepted again.
    api.ctl("clock", {"advance_seconds": 61})
    assert api.post("generate", json=DOC_EXAMPLE).status_code == 202


def test_invalid_posts_count_in_the_window(api: Api) -> None:
    for _ in range(10):
        assert api.post("generate", json={"scrip": "x"}).status_code == 422
    assert api.post("generate", json=DOC_EXAMPLE).status_code == 503


def test_window_slides_rather_than_resets(api: Api) -> None:
    for _ in range(5):
        api.generate()
    api.ctl("clock", {"advance_seconds": 30})
    for _ in range(5):
        api.generate()
    api.ctl("clock", {"advance_seconds": 31})  # the first five are now older than a minute
    for _ in range(5):
        api.generate()
    assert api.post("generate", json=DOC_EXAMPLE).status_code == 503


def test_monthly_quota(api: Api, sandbox) -> None:
    assert api.ctl("quota", {"limit": 2}) == {"account": ACCOUNT, "limit": 2, "used": 0}
    api.generate()
    assert api.post("generate", json={**DOC_EXAMPLE, "script": ""}).status_code == 400  # refused: not counted
    api.generate()
    assert api.get("configurations").json()["quota"] == {"limit": 2.0, "left": 0.0}
    assert_error(api.post("generate", json=DOC_EXAMPLE), 403, "monthly request limit exceeded: 2 requests")
    assert sandbox.counters()["created"] == {"cdnvideo:task": 2}
    # The quota is counted per calendar month.
    api.ctl("clock", {"advance_seconds": 32 * 86400})
    api.token = login(api.base).json()["token"]
    assert api.get("configurations").json()["quota"] == {"limit": 2.0, "left": 2.0}
    api.generate()


def test_default_quota_is_1500_and_used_can_be_set(api: Api) -> None:
    assert api.ctl("quota", {"used": 1499}) == {"account": ACCOUNT, "limit": 1500, "used": 1499}
    api.generate()
    assert_error(api.post("generate", json=DOC_EXAMPLE), 403, "monthly request limit exceeded: 1500 requests")


# -- status and cancel -------------------------------------------------------------------------------


def test_status_moves_from_queue_to_processed(api: Api, sandbox) -> None:
    sandbox.sandbox.settings.step_seconds = 0.3
    task_id = api.generate()
    first = api.status(task_id)
    assert first == {"id": task_id, "attempts": 0, "status": "in_queue", "message": c.MSG_IN_QUEUE}
    processing = api.wait(task_id, lambda t: t["status"] != "in_queue")
    assert processing["status"] == "processing" and processing["attempts"] == 1
    done = api.wait(task_id, lambda t: t["status"] == "processed")
    assert done == {"id": task_id, "attempts": 1, "status": "processed", "message": c.MSG_PROCESSED}
    response = api.get(f"status/{task_id}").json()
    assert set(response) == {"status", "task"} and response["status"] == "ok"


def test_status_of_unknown_or_foreign_task(api: Api) -> None:
    assert_error(api.get(f"status/{uuid.uuid4()}"), 400, "no such task")
    other = Api(api.base, api.control, login(api.base, c.OTHER_USERNAME, c.OTHER_PASSWORD).json()["token"])
    other.account = c.OTHER_ACCOUNT
    foreign = other.generate()
    assert_error(api.get(f"status/{foreign}"), 400, "no such task")


def test_cancel_queued_task(api: Api, sandbox) -> None:
    sandbox.sandbox.settings.step_seconds = 1.0
    task_id = api.generate()
    response = api.delete(f"cancel/{task_id}")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert api.status(task_id) == {
        "id": task_id,
        "attempts": 0,
        "status": "CANCELED",
        "message": "canceled by user request",
    }
    assert_error(api.delete(f"cancel/{task_id}"), 400, "wrong task status: CANCELED")
    # Canceled tasks stay canceled, have no video and are not listed.
    sandbox.sandbox.settings.step_seconds = 0.0
    assert api.status(task_id)["status"] == "CANCELED"
    assert_error(api.get(f"video/{task_id}"), 400, "no such video")
    assert api.get("tasks").json() == []


def test_cancel_processing_task_keeps_attempts(api: Api, sandbox) -> None:
    sandbox.sandbox.settings.step_seconds = 0.3
    task_id = api.generate()
    assert api.wait(task_id, lambda t: t["status"] == "processing")["status"] == "processing"
    assert api.delete(f"cancel/{task_id}").json() == {"status": "ok"}
    assert api.status(task_id)["attempts"] == 1


def test_cancel_finished_or_unknown_task(api: Api) -> None:
    task_id = api.generate()
    api.wait_processed(task_id)
    assert_error(api.delete(f"cancel/{task_id}"), 400, "wrong task status: PROCESSED")
    assert_error(api.delete(f"cancel/{uuid.uuid4()}"), 400, "no such task")


def test_bad_ssml_is_retried_then_canceled_by_the_service(api: Api) -> None:
    task_id = api.generate(script="<speak><p>Hello <emphasis>there</p></speak>")
    retrying = api.wait(task_id, lambda t: t["attempts"] >= 2)
    assert retrying["status"] == "processing"
    assert retrying["message"] == "attempt 1 failed: invalid SSML: unexpected </p>; retrying"
    final = api.wait(task_id, lambda t: t["status"].lower() == "canceled")
    assert final == {
        "id": task_id,
        "attempts": 3,
        "status": "canceled",
        "message": "canceled after 3 failed attempts: invalid SSML: unexpected </p>",
    }
    assert_error(api.delete(f"cancel/{task_id}"), 400, "wrong task status: CANCELED")
    assert_error(api.get(f"video/{task_id}"), 400, "no such video")


def test_well_formed_ssml_is_processed(api: Api) -> None:
    task_id = api.generate(script='<speak>Hello <break time="1s"/> <emphasis>world</emphasis></speak>')
    api.wait_processed(task_id)


# -- video link and files -------------------------------------------------------------------------------


def test_video_link_serves_a_real_mp4(api: Api) -> None:
    task_id = api.generate()
    early = api.get(f"video/{task_id}")
    if api.status(task_id)["status"] != "processed":
        assert_error(early, 400, "video is not ready")
    api.wait_processed(task_id)
    response = api.get(f"video/{task_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "url"} and body["status"] == "ok"
    url = body["url"]
    assert re.search(
        rf"/cdnvideo/thaas-video/{ACCOUNT}/{task_id}\.mp4\?expires=\d+&signature=[0-9a-f]+$", url
    )
    expires = int(re.search(r"expires=(\d+)", url).group(1))
    assert 6 * 3600 - 60 < expires - time.time() <= 6 * 3600
    video = HTTP.get(url, timeout=10)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content == SAMPLE
    info = probe_bytes(video.content)
    assert info.is_mp4 and info.has_video and info.has_audio
    # No token is needed for the file itself, but the signature is.
    assert HTTP.get(url.replace("signature=", "signature=0"), timeout=10).status_code == 403
    assert HTTP.get(url.split("?")[0], timeout=10).status_code == 403


def test_video_link_not_ready_and_unknown(api: Api, sandbox) -> None:
    sandbox.sandbox.settings.step_seconds = 1.0
    task_id = api.generate()
    assert_error(api.get(f"video/{task_id}"), 400, "video is not ready")
    assert_error(api.get(f"video/{uuid.uuid4()}"), 400, "no such video")


def test_video_link_expires(api: Api) -> None:
    task_id = api.generate()
    api.wait_processed(task_id)
    assert api.ctl("link-ttl", {"seconds": 2}) == {"seconds": 2}
    url = api.get(f"video/{task_id}").json()["url"]
    assert HTTP.get(url, timeout=10).status_code == 200
    time.sleep(2.1)
    assert HTTP.get(url, timeout=10).status_code == 410
    assert HTTP.get(api.get(f"video/{task_id}").json()["url"], timeout=10).status_code == 200


def test_video_downloads_only_from_the_requesting_ip(api: Api) -> None:
    task_id = api.generate()
    api.wait_processed(task_id)
    url = api.get(f"video/{task_id}").json()["url"]
    # Linux routes all of 127.0.0.0/8 to the loopback interface: 127.0.0.2 is "another machine" that needs
    # no setup, so this runs everywhere CI does (macOS has only 127.0.0.1 unless an alias is added).
    if sys.platform != "linux":
        pytest.skip(f"127.0.0.2 is a loopback address only on Linux (this is {sys.platform})")
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=10) as client:
        elsewhere = client.get(url)
    assert elsewhere.status_code == 403
    assert HTTP.get(url, timeout=10).status_code == 200


def test_videos_are_kept_thirty_days(api: Api) -> None:
    task_id = api.generate()
    api.wait_processed(task_id)
    api.ctl("clock", {"advance_seconds": 29 * 86400})
    api.token = login(api.base).json()["token"]
    assert api.get(f"video/{task_id}").status_code == 200
    api.ctl("clock", {"advance_seconds": 2 * 86400})
    api.token = login(api.base).json()["token"]
    assert_error(api.get(f"video/{task_id}"), 400, "no such video")
    assert api.get("tasks").json() == []
    assert api.status(task_id)["status"] == "processed"


# -- rename and delete -----------------------------------------------------------------------------------


def test_rename_video(api: Api) -> None:
    task_id = api.generate()
    response = api.patch(f"video/{task_id}", json={"video_name": "New name"})
    assert response.status_code == 200 and response.json() == {"status": "ok", "message": "success"}
    [row] = api.get("tasks", params={"fields": "video_name"}).json()
    assert row["video_name"] == "New name"
    assert api.patch(f"video/{task_id}", json={}).json() == {"status": "ok", "message": "success"}
    assert_error(
        api.patch(f"video/{task_id}", json={"video_name": "x" * 36}),
        400,
        "video_name is too long: 36 characters, the maximum is 35",
    )
    assert_error(api.patch(f"video/{task_id}", json={"name": "x"}), 400, "incorrect parameters' names: name")
    assert_error(
        api.patch(f"video/{task_id}", json={"video_name": 5}),
        400,
        "bad type of parameter: video_name (expected string)",
    )
    assert_error(api.patch(f"video/{uuid.uuid4()}", json={"video_name": "x"}), 400, "no such video")
    [row] = api.get("tasks", params={"fields": "video_name"}).json()
    assert row["video_name"] == "New name"


def test_delete_video(api: Api) -> None:
    task_id = api.generate()
    api.wait_processed(task_id)
    url = api.get(f"video/{task_id}").json()["url"]
    response = api.delete(f"video/{task_id}")
    assert response.status_code == 200 and response.json() == {"status": "ok", "message": "success"}
    assert_error(api.get(f"video/{task_id}"), 400, "no such video")
    assert_error(api.delete(f"video/{task_id}"), 400, "no such video")
    assert_error(api.patch(f"video/{task_id}", json={"video_name": "x"}), 400, "no such video")
    assert api.get("tasks").json() == []
    assert HTTP.get(url, timeout=10).status_code == 404
    assert_error(api.delete(f"video/{uuid.uuid4()}"), 400, "no such video")


def test_delete_before_the_video_exists(api: Api, sandbox) -> None:
    sandbox.sandbox.settings.step_seconds = 1.0
    task_id = api.generate()
    assert_error(api.delete(f"video/{task_id}"), 400, "no such video")


# -- list of videos ----------------------------------------------------------------------------------------


def test_list_rows_have_the_documented_fields(api: Api, sandbox) -> None:
    sandbox.sandbox.settings.step_seconds = 1.0
    queued = api.generate(video_name="queued")
    [row] = api.get("tasks").json()
    assert row == {
        "id": queued,
        "video_url": None,
        "duration": None,
        "resolution": "HD",
        "date": row["date"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["date"])
    sandbox.sandbox.settings.step_seconds = 0.0
    everything = ",".join(
        ["background", "shot", "script", "voice_name", "actor_name", "model_version", "video_name", "emotion"]
    )
    [row] = api.get("tasks", params={"fields": everything}).json()
    assert list(row) == ["id", "video_url", "duration", "resolution", "date", *everything.split(",")]
    assert row["duration"] == pytest.approx(len(DOC_EXAMPLE["script"]) / 15, abs=0.01)
    assert row["video_url"].startswith(f"{sandbox.url}/cdnvideo/thaas-video/{ACCOUNT}/{queued}.mp4?")
    assert HTTP.get(row["video_url"], timeout=10).content == SAMPLE
    assert (row["background"], row["shot"], row["script"]) == ("green_screen", "waist", DOC_EXAMPLE["script"])
    assert (row["voice_name"], row["actor_name"], row["model_version"]) == ("Sara", "Natalia", "4.0.0")
    assert (row["video_name"], row["emotion"]) == ("queued", "neutral")


def test_list_filters_sort_and_pages(api: Api) -> None:
    short = api.generate(script="Short one.", video_name="short")
    api.ctl("clock", {"advance_seconds": 3600})
    api.token = login(api.base).json()["token"]
    middle = api.generate(script="A somewhat longer script to speak.", video_name="middle")
    api.ctl("clock", {"advance_seconds": 3600})
    api.token = login(api.base).json()["token"]
    long = api.generate(
        script="The longest script of the three, spoken slowly and clearly.", video_name="long"
    )
    for task_id in (short, middle, long):
        api.wait_processed(task_id)

    def ids(**params) -> list[str]:
        response = api.get("tasks", params=params)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids() == [short, middle, long]
    assert ids(sort="-date") == [long, middle, short]
    assert ids(sort="-duration") == [long, middle, short]
    assert ids(sort="+duration") == [short, middle, long]
    assert ids(sort="video_name") == [long, middle, short]
    assert ids(limit="2", offset="1") == [middle, long]
    assert ids(limit="0") == []
    assert ids(offset="5") == []
    assert ids(id=middle) == [middle]
    assert ids(id=str(uuid.uuid4())) == []
    dates = {row["id"]: row["date"] for row in api.get("tasks").json()}
    # start is inclusive, end exclusive; the document's "+00" form and the example's "Z" form both work.
    start = dates[middle][:16] + ":00+00"
    assert ids(start=start) == [middle, long]
    assert ids(start=dates[middle].replace("Z", "+00")) == [middle, long]
    assert ids(end=dates[middle].replace("Z", "+00:00")) == [short]
    assert ids(start=dates[short], end=dates[long]) == [short, middle]
    # An unencoded '+' arrives as a space: still understood.
    raw = api.url("tasks") + "?start=" + dates[long].replace("Z", "+00")
    assert [row["id"] for row in HTTP.get(raw, headers=api.headers, timeout=10).json()] == [long]
    assert [
        row["id"] for row in HTTP.get(api.url("tasks") + "?sort=+duration", headers=api.headers).json()
    ] == [
        short,
        middle,
        long,
    ]
    encoded = api.url("tasks") + "?sort=" + quote("+video_name")
    assert [row["id"] for row in HTTP.get(encoded, headers=api.headers).json()] == [long, middle, short]


def test_list_with_document_example_query(api: Api) -> None:
    api.wait_processed(api.generate())
    query = (
        "start=2022-06-12T01:42:16Z&end=2099-06-16T10:22:16Z"
        "&limit=2&offset=0&fields=shot,background&sort=-duration"
    )
    response = HTTP.get(api.url("tasks") + "?" + query, headers=api.headers, timeout=10)
    assert response.status_code == 200
    [row] = response.json()
    assert set(row) == {"id", "video_url", "duration", "resolution", "date", "shot", "background"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "yesterday"}, "bad start: yesterday"),
        ({"end": "2022-13-40T00:00:00+00"}, "bad end: 2022-13-40T00:00:00+00"),
        ({"limit": "-1"}, "bad limit: -1"),
        ({"offset": "many"}, "bad offset: many"),
        ({"sort": "-colour"}, "bad sort: -colour"),
        ({"fields": "shot,colour"}, "bad fields: colour"),
    ],
)
def test_list_bad_parameters(api: Api, params: dict, message: str) -> None:
    assert_error(api.get("tasks", params=params), 400, message)


def test_list_is_per_account(api: Api) -> None:
    api.generate()
    other = Api(api.base, api.control, login(api.base, c.OTHER_USERNAME, c.OTHER_PASSWORD).json()["token"])
    other.account = c.OTHER_ACCOUNT
    assert other.get("tasks").json() == []


# -- errors outside the methods, faults, controls, counters -----------------------------------------------


def test_unknown_paths_and_methods_are_404_without_body(api: Api) -> None:
    for response in (
        api.get("nothing"),
        HTTP.put(api.url("generate"), headers=api.headers, timeout=10),
        HTTP.get(api.url("generate"), headers=api.headers, timeout=10),
        HTTP.get(
            f"{api.base}/app/th-api/v2/accounts/{ACCOUNT}/configurations", headers=api.headers, timeout=10
        ),
    ):
        assert response.status_code == 404 and response.content == b""


def test_injected_faults_use_the_vendor_shape(api: Api, sandbox) -> None:
    for status in (500, 403):
        queued = HTTP.post(
            f"{sandbox.url}/_sandbox/faults",
            json={"vendor": "cdnvideo", "status": status, "message": "boom", "path_prefix": "/cdnvideo/app"},
            timeout=10,
        )
        assert queued.status_code == 200
    first = api.get("configurations")
    assert first.status_code == 500 and first.content == b""
    assert_error(api.get("configurations"), 403, "boom")
    assert api.get("configurations").status_code == 200


def test_controls_and_counters(api: Api, sandbox) -> None:
    api.generate()
    counters = sandbox.counters()
    requests = counters["requests"]
    assert requests["cdnvideo POST /cdnvideo/app/oauth/v1/token/"] == 1
    assert requests["cdnvideo POST /cdnvideo/app/th-api/v1/accounts/{account}/generate"] == 1
    before = counters["requests_by_vendor"]["cdnvideo"]
    state = HTTP.get(f"{api.control}/state", timeout=10).json()
    assert state["quota_used"] == {f"{ACCOUNT} {time.strftime('%Y-%m', time.gmtime())}": 1}
    assert state["token_lifetime_seconds"] == 6 * 3600 and state["link_ttl_seconds"] == 6 * 3600
    api.ctl("clock", {"advance_seconds": 10})
    assert sandbox.counters()["requests_by_vendor"]["cdnvideo"] == before
    # The sandbox reset forgets tasks, tokens, quota use and settings.
    api.ctl("token-lifetime", {"seconds": 5})
    HTTP.post(f"{sandbox.url}/_sandbox/reset", timeout=10)
    assert_error(api.get("tasks"), 403, "invalid token")
    state = HTTP.get(f"{api.control}/state", timeout=10).json()
    assert state["tasks"] == {} and state["quota_used"] == {} and state["token_lifetime_seconds"] == 6 * 3600
