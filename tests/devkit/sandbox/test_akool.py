"""The Akool emulator against its document: tokens and both auth headers, the language list, translation jobs
(one and several targets), every business code through its real cause, signed result links, webhooks
(decrypted and verified here with `cryptography`, independently of the emulator) and counters."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sandbox_clock import StandingClock
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.akool.wire import (
    AKOOL_MAX_VIDEO_BYTES,
    PROCESS_STAGES,
    QUEUE_STAGES,
    SANDBOX_API_KEY,
    SANDBOX_BANNED_API_KEY,
    SANDBOX_BANNED_CLIENT_ID,
    SANDBOX_BANNED_CLIENT_SECRET,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_OTHER_API_KEY,
)
from video_localization_dev.sandbox.server import RunningSandbox

# One client for the whole file: creating one per call costs ~50 ms (loading the CA bundle).
HTTP = httpx.Client(timeout=30)
CREATE = "/content/video/createbytranslate"
INFO = "/content/video/infobymodelid"


# -- helpers ---------------------------------------------------------------------------------------------
def base(sandbox: RunningSandbox) -> str:
    return sandbox.vendor_url("akool")


def media(sandbox: RunningSandbox, name: str) -> str:
    return f"{sandbox.url}/_sandbox/media/{name}"


def get_token(
    sandbox: RunningSandbox, client_id: str = SANDBOX_CLIENT_ID, secret: str = SANDBOX_CLIENT_SECRET
):
    return HTTP.post(f"{base(sandbox)}/getToken", json={"clientId": client_id, "clientSecret": secret})


@pytest.fixture
def auth(sandbox: RunningSandbox) -> dict[str, str]:
    answer = get_token(sandbox).json()
    assert answer["code"] == 1000
    return {"Authorization": f"Bearer {answer['token']}"}


def create(sandbox: RunningSandbox, headers: dict[str, str], **body) -> dict:
    payload = {"url": media(sandbox, "sample.mp4"), "source_language": "en", "language": "fr", **body}
    payload = {key: value for key, value in payload.items() if value is not ...}
    response = HTTP.post(f"{base(sandbox)}{CREATE}", json=payload, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def info(sandbox: RunningSandbox, headers: dict[str, str], job_id: str) -> dict:
    response = HTTP.get(f"{base(sandbox)}{INFO}", params={"video_model_id": job_id}, headers=headers)
    assert response.status_code == 200
    return response.json()


def wait_for(sandbox: RunningSandbox, headers: dict[str, str], job_id: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = info(sandbox, headers, job_id)
        if answer["data"]["video_status"] in (3, 4):
            return answer["data"]
        time.sleep(0.03)
    raise AssertionError(f"job {job_id} did not finish")


def created(sandbox: RunningSandbox) -> int:
    return sandbox.counters()["created"].get("akool:translation", 0)


def assert_code(answer: dict, code: int) -> None:
    assert answer["code"] == code, answer
    assert isinstance(answer["msg"], str) and answer["msg"]


def decrypt(
    data_encrypt: str, client_id: str = SANDBOX_CLIENT_ID, secret: str = SANDBOX_CLIENT_SECRET
) -> dict:
    decryptor = Cipher(algorithms.AES(secret.encode()), modes.CBC(client_id.encode())).decryptor()
    padded = decryptor.update(base64.b64decode(data_encrypt)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(padded) + unpadder.finalize())


def expected_signature(client_id: str, timestamp: int, nonce: str, data_encrypt: str) -> str:
    joined = "".join(sorted([client_id, str(timestamp), nonce, data_encrypt]))
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()


class Receiver:
    """A tiny webhook receiver: records each POST; answers 500 to the first `fail_first` of them."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict] = []
        self.fail_first = fail_first
        self.hits = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.hits += 1
                status = 500 if receiver.hits <= receiver.fail_first else 200
                if status == 200:
                    receiver.bodies.append(json.loads(raw))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/akool-webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.bodies) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.bodies

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


# -- tokens and auth -------------------------------------------------------------------------------------
def test_sandbox_credentials_fit_aes() -> None:
    assert len(SANDBOX_CLIENT_ID.encode()) == 16  # the IV
    assert len(SANDBOX_CLIENT_SECRET.encode()) == 24  # AES-192 key, "fixed at 24 characters"
    assert SANDBOX_API_KEY == SANDBOX_CLIENT_SECRET  # Akool: the API Key is the clientSecret


def test_get_token_answers_code_and_token_only(sandbox: RunningSandbox) -> None:
    response = get_token(sandbox)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "token"}
    assert body["code"] == 1000 and len(body["token"]) >= 32
    assert get_token(sandbox).json()["token"] != body["token"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"clientId": SANDBOX_CLIENT_ID}, 1003),
        ({"clientSecret": SANDBOX_CLIENT_SECRET}, 1003),
        ({"clientId": "", "clientSecret": SANDBOX_CLIENT_SECRET}, 1003),
        ({"clientId": SANDBOX_CLIENT_ID, "clientSecret": "wrong-secret"}, 1101),
        ({"clientId": "nobody", "clientSecret": SANDBOX_CLIENT_SECRET}, 1101),
        ({"clientId": SANDBOX_BANNED_CLIENT_ID, "clientSecret": SANDBOX_BANNED_CLIENT_SECRET}, 1200),
    ],
)
def test_get_token_refusals(sandbox: RunningSandbox, payload: dict, code: int) -> None:
    response = HTTP.post(f"{base(sandbox)}/getToken", json=payload)
    assert response.status_code == 200
    assert_code(response.json(), code)
    assert "token" not in response.json()


def test_get_token_with_a_body_that_is_not_json(sandbox: RunningSandbox) -> None:
    response = HTTP.post(
        f"{base(sandbox)}/getToken", content=b"clientId=x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200
    assert_code(response.json(), 1003)


def test_bearer_token_and_x_api_key_both_work(sandbox: RunningSandbox, auth: dict) -> None:
    for headers in (auth, {"x-api-key": SANDBOX_API_KEY}):
        answer = HTTP.get(f"{base(sandbox)}/language/list", headers=headers).json()
        assert answer["code"] == 1000


def test_authorization_wins_over_x_api_key(sandbox: RunningSandbox, auth: dict) -> None:
    url = f"{base(sandbox)}/language/list"
    bad_bearer = {"Authorization": "Bearer not-a-token", "x-api-key": SANDBOX_API_KEY}
    assert_code(HTTP.get(url, headers=bad_bearer).json(), 1101)
    good_bearer = {**auth, "x-api-key": "not-a-key"}
    assert HTTP.get(url, headers=good_bearer).json()["code"] == 1000


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, 1102),
        ({"Authorization": ""}, 1102),
        ({"x-api-key": ""}, 1102),
        ({"Authorization": "Bearer unknown-token"}, 1101),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 1101),
        ({"x-api-key": "unknown-key"}, 1101),
        ({"x-api-key": SANDBOX_BANNED_API_KEY}, 1200),
    ],
)
def test_auth_refusals_are_http_200_with_business_codes(
    sandbox: RunningSandbox, headers: dict, code: int
) -> None:
    for method, path in (("GET", "/language/list"), ("POST", CREATE), ("GET", f"{INFO}?video_model_id=x")):
        response = HTTP.request(method, f"{base(sandbox)}{path}", headers=headers, json={})
        assert response.status_code == 200
        assert_code(response.json(), code)
    assert created(sandbox) == 0


def test_expired_tokens_answer_1101_until_a_new_token_is_taken(sandbox: RunningSandbox, auth: dict) -> None:
    url = f"{base(sandbox)}/language/list"
    assert HTTP.get(url, headers=auth).json()["code"] == 1000
    expired = HTTP.post(f"{base(sandbox)}/_sandbox/expire-tokens").json()
    assert expired["code"] == 1000 and expired["data"]["expired"] >= 1
    assert_code(HTTP.get(url, headers=auth).json(), 1101)
    fresh = {"Authorization": f"Bearer {get_token(sandbox).json()['token']}"}
    assert HTTP.get(url, headers=fresh).json()["code"] == 1000
    # The API key is not a token: expiring tokens does not touch it.
    assert HTTP.get(url, headers={"x-api-key": SANDBOX_API_KEY}).json()["code"] == 1000


# -- language list ---------------------------------------------------------------------------------------
def test_language_list(sandbox: RunningSandbox, auth: dict) -> None:
    answer = HTTP.get(f"{base(sandbox)}/language/list", headers=auth).json()
    assert answer["code"] == 1000 and answer["msg"] == "OK"
    langs = answer["data"]["lang_list"]
    codes = {entry["lang_code"] for entry in langs}
    assert {"en", "fr", "zh", "hi"} <= codes
    assert {"lang_code": "zh", "lang_name": "Chinese (Simplified)"}.items() <= next(
        entry for entry in langs if entry["lang_code"] == "zh"
    ).items()
    icon = HTTP.get(langs[0]["url"])
    assert icon.status_code == 200 and icon.content.startswith(b"\x89PNG")


# -- create and info -------------------------------------------------------------------------------------
def test_single_translation_runs_to_completion(sandbox: RunningSandbox, auth: dict) -> None:
    answer = create(sandbox, auth, merge_interval=2, face_enhance=True)
    assert answer["code"] == 1000 and answer["msg"] == "OK"
    assert "all_results" not in answer
    data = answer["data"]
    assert len(data["_id"]) == 24 and data["video_status"] == 1 and data["video"] == ""
    assert data["language"] == "fr" and data["source_language"] == "en"
    assert data["target_video"] == media(sandbox, "sample.mp4")
    assert data["type"] == 8 and data["sub_type"] == 801 and data["uid"] == 101690
    assert data["video_lock_duration"] == 8.0 and data["deduction_lock_duration"] == 10
    sample = (media_dir() / "sample.mp4").read_bytes()
    assert data["target_video_md5"] == hashlib.md5(sample, usedforsecurity=False).hexdigest()
    assert data["lipsync"] is False and data["face_enhance"] is False  # face_enhance needs lipsync
    assert data["merge_interval"] == 2
    assert created(sandbox) == 1

    done = wait_for(sandbox, auth, data["_id"])
    assert done["video_status"] == 3 and done["progress"] == 100
    assert done["lipsync_video_url"] == ""
    assert "error_code" not in done
    query = parse_qs(urlsplit(done["video"]).query)
    expires = int(query["expires"][0])
    assert abs(expires - (time.time() + 7 * 24 * 3600)) < 60
    download = HTTP.get(done["video"])
    assert download.status_code == 200 and download.headers["content-type"] == "video/mp4"
    assert download.content == sample
    # The link does not change between reads.
    assert info(sandbox, auth, data["_id"])["data"]["video"] == done["video"]


def test_states_move_queueing_processing_completed_with_time(sandbox: RunningSandbox, auth: dict) -> None:
    clock = StandingClock(sandbox)
    job_id = create(sandbox, auth)["data"]["_id"]
    seen = [info(sandbox, auth, job_id)["data"]["video_status"]]
    for stages in (QUEUE_STAGES, PROCESS_STAGES - 1, 1):
        clock.akool_job(job_id, stages)
        seen.append(info(sandbox, auth, job_id)["data"]["video_status"])
    assert seen == [1, 2, 2, 3]  # queued for one stage, processing for two


def test_lipsync_job_gives_a_lipsync_video_url(sandbox: RunningSandbox, auth: dict) -> None:
    data = create(sandbox, auth, lipsync=True, face_enhance=True)["data"]
    assert data["lipsync"] is True and data["lipSyncType"] is True and data["face_enhance"] is True
    done = wait_for(sandbox, auth, data["_id"])
    lipsync = HTTP.get(done["lipsync_video_url"])
    assert lipsync.status_code == 200
    assert lipsync.content == (media_dir() / "sample.mp4").read_bytes()


def test_source_language_may_be_default(sandbox: RunningSandbox, auth: dict) -> None:
    answer = create(sandbox, auth, source_language="DEFAULT", language="hi")
    assert answer["code"] == 1000 and answer["data"]["source_language"] == "DEFAULT"


def test_several_targets_answer_all_results_one_job_each(sandbox: RunningSandbox, auth: dict) -> None:
    answer = create(sandbox, auth, language="fr,de, es")
    assert answer["code"] == 1000
    results = answer["all_results"]
    assert [entry["code"] for entry in results] == [1000, 1000, 1000]
    assert [entry["data"]["language"] for entry in results] == ["fr", "de", "es"]
    ids = [entry["data"]["_id"] for entry in results]
    assert len(set(ids)) == 3
    for entry in results:
        assert {"_id", "language", "video_status", "progress"} <= set(entry["data"])
        assert entry["data"]["video_status"] == 1
    assert answer["data"]["_id"] == ids[0]
    assert created(sandbox) == 3
    for job_id in ids:
        assert wait_for(sandbox, auth, job_id)["video_status"] == 3


def test_x_api_key_creates_and_reads(sandbox: RunningSandbox) -> None:
    headers = {"x-api-key": SANDBOX_API_KEY}
    job_id = create(sandbox, headers)["data"]["_id"]
    assert wait_for(sandbox, headers, job_id)["video_status"] == 3


def test_info_refusals(sandbox: RunningSandbox, auth: dict) -> None:
    job_id = create(sandbox, auth)["data"]["_id"]
    missing = HTTP.get(f"{base(sandbox)}{INFO}", headers=auth).json()
    assert_code(missing, 1003)
    assert_code(HTTP.get(f"{base(sandbox)}{INFO}?video_model_id=", headers=auth).json(), 1003)
    assert_code(info(sandbox, auth, "64dd838cf0b6684651e90217"), 1008)
    other = {"x-api-key": SANDBOX_OTHER_API_KEY}
    assert_code(info(sandbox, other, job_id), 1009)
    assert info(sandbox, auth, job_id)["code"] == 1000


def test_a_job_is_forgotten_on_reset(sandbox: RunningSandbox, auth: dict) -> None:
    job_id = create(sandbox, auth)["data"]["_id"]
    HTTP.post(f"{sandbox.url}/_sandbox/reset")
    assert_code(info(sandbox, auth, job_id), 1008)


# -- every documented code through its cause -------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"url": ...},
        {"url": ""},
        {"url": "ftp://example.invalid/video.mp4"},
        {"url": 42},
        {"language": ...},
        {"language": ""},
        {"language": "xx"},
        {"language": "fr,,de"},
        {"language": "fr,fr"},
        {"language": "en"},  # same as the source
        {"source_language": ...},
        {"source_language": "klingon"},
        {"lipsync": "yes"},
        {"face_enhance": 1},
        {"merge_interval": 0},
        {"merge_interval": "1"},
        {"webhookUrl": "not a url"},
    ],
)
def test_parameter_errors_answer_1003_and_create_nothing(
    sandbox: RunningSandbox, auth: dict, body: dict
) -> None:
    assert_code(create(sandbox, auth, **body), 1003)
    assert created(sandbox) == 0


def test_body_that_is_not_a_json_object_answers_1003(sandbox: RunningSandbox, auth: dict) -> None:
    for content in (b"[1, 2]", b"{not json"):
        response = HTTP.post(
            f"{base(sandbox)}{CREATE}", content=content, headers={**auth, "Content-Type": "application/json"}
        )
        assert_code(response.json(), 1003)


def test_a_url_that_cannot_be_downloaded_answers_1003(sandbox: RunningSandbox, auth: dict) -> None:
    assert_code(create(sandbox, auth, url=media(sandbox, "missing.mp4")), 1003)
    assert_code(create(sandbox, auth, url="http://127.0.0.1:9/video.mp4"), 1003)
    assert created(sandbox) == 0


def test_same_video_lipsynced_into_the_same_language_twice_answers_1202(
    sandbox: RunningSandbox, auth: dict
) -> None:
    assert create(sandbox, auth, lipsync=True)["code"] == 1000
    assert_code(create(sandbox, auth, lipsync=True), 1202)
    # Another language, or no lipsync, or another account is fine.
    assert create(sandbox, auth, lipsync=True, language="de")["code"] == 1000
    assert create(sandbox, auth, lipsync=False)["code"] == 1000
    assert create(sandbox, {"x-api-key": SANDBOX_OTHER_API_KEY}, lipsync=True)["code"] == 1000
    assert created(sandbox) == 4


def test_1202_for_one_of_several_targets_is_reported_in_all_results(
    sandbox: RunningSandbox, auth: dict
) -> None:
    assert create(sandbox, auth, lipsync=True, language="fr")["code"] == 1000
    answer = create(sandbox, auth, lipsync=True, language="fr,de")
    assert answer["code"] == 1000
    by_language = {entry["data"]["language"]: entry for entry in answer["all_results"]}
    assert_code(by_language["fr"], 1202)
    assert "_id" not in by_language["fr"]["data"]
    assert by_language["de"]["code"] == 1000 and by_language["de"]["data"]["_id"] == answer["data"]["_id"]
    assert created(sandbox) == 2
    every = create(sandbox, auth, lipsync=True, language="fr,de")
    assert_code(every, 1202)
    assert [entry["code"] for entry in every["all_results"]] == [1202, 1202]
    assert created(sandbox) == 2


def test_video_without_audio_answers_1203(sandbox: RunningSandbox, auth: dict) -> None:
    assert_code(create(sandbox, auth, url=media(sandbox, "sample_no_audio.mp4")), 1203)
    assert created(sandbox) == 0


def test_lipsync_video_over_60_seconds_answers_1204(sandbox: RunningSandbox, auth: dict) -> None:
    url = media(sandbox, "sample_over_60s.mp4")
    assert_code(create(sandbox, auth, url=url, lipsync=True), 1204)
    assert created(sandbox) == 0
    # Without lipsync the same video is accepted.
    answer = create(sandbox, auth, url=url, lipsync=False)
    assert answer["code"] == 1000 and answer["data"]["video_lock_duration"] == 62.0
    assert answer["data"]["deduction_lock_duration"] == 70


def test_video_over_the_size_limit_answers_1207(sandbox: RunningSandbox, auth: dict) -> None:
    limits = HTTP.get(f"{base(sandbox)}/_sandbox/limits").json()["data"]
    assert limits["max_video_bytes"] == AKOOL_MAX_VIDEO_BYTES == 300 * 1024 * 1024
    size = (media_dir() / "sample.mp4").stat().st_size
    lowered = HTTP.post(f"{base(sandbox)}/_sandbox/limits", json={"max_video_bytes": size - 1}).json()
    assert lowered["data"]["max_video_bytes"] == size - 1
    assert_code(create(sandbox, auth), 1207)
    assert created(sandbox) == 0
    HTTP.post(f"{base(sandbox)}/_sandbox/limits", json={"max_video_bytes": size})
    assert create(sandbox, auth)["code"] == 1000
    HTTP.post(f"{base(sandbox)}/_sandbox/limits", json={"max_video_bytes": None})
    assert (
        HTTP.get(f"{base(sandbox)}/_sandbox/limits").json()["data"]["max_video_bytes"]
        == AKOOL_MAX_VIDEO_BYTES
    )


def test_limits_control_refuses_nonsense_and_resets(sandbox: RunningSandbox) -> None:
    assert_code(HTTP.post(f"{base(sandbox)}/_sandbox/limits", json={"max_video_bytes": -1}).json(), 1003)
    HTTP.post(f"{base(sandbox)}/_sandbox/limits", json={"max_video_bytes": 10})
    HTTP.post(f"{sandbox.url}/_sandbox/reset")
    assert (
        HTTP.get(f"{base(sandbox)}/_sandbox/limits").json()["data"]["max_video_bytes"]
        == AKOOL_MAX_VIDEO_BYTES
    )


@pytest.mark.parametrize("name", ["sample_mpeg4_part2.mp4", "sample_audio_only.mp4", "catalogue.json"])
def test_unsupported_encodings_answer_1209(sandbox: RunningSandbox, auth: dict, name: str) -> None:
    assert_code(create(sandbox, auth, url=media(sandbox, name)), 1209)
    assert created(sandbox) == 0


def test_video_over_30_fps_answers_1210(sandbox: RunningSandbox, auth: dict) -> None:
    assert_code(create(sandbox, auth, url=media(sandbox, "sample_60fps.mp4")), 1210)
    assert created(sandbox) == 0


@pytest.mark.parametrize("code", [1201, 1205])
def test_busy_answers_try_again_later_then_recovers(sandbox: RunningSandbox, auth: dict, code: int) -> None:
    busy = HTTP.post(f"{base(sandbox)}/_sandbox/busy", json={"times": 2, "code": code}).json()
    assert busy == {"code": 1000, "msg": "OK", "data": {"times": 2, "code": code}}
    # An invalid request is refused for its own cause and does not use up the busy answers.
    assert_code(create(sandbox, auth, language="xx"), 1003)
    assert_code(create(sandbox, auth), code)
    assert_code(create(sandbox, auth), code)
    assert created(sandbox) == 0
    assert create(sandbox, auth)["code"] == 1000
    assert created(sandbox) == 1


def test_busy_control_refuses_other_codes(sandbox: RunningSandbox) -> None:
    assert_code(HTTP.post(f"{base(sandbox)}/_sandbox/busy", json={"code": 1003}).json(), 1003)


def test_video_without_speech_fails_with_error_code_and_reason(sandbox: RunningSandbox, auth: dict) -> None:
    answer = create(sandbox, auth, url=media(sandbox, "sample_silent.mp4"))
    assert answer["code"] == 1000
    done = wait_for(sandbox, auth, answer["data"]["_id"])
    assert done["video_status"] == 4
    assert done["error_code"] == 1201 and "no speech" in done["error_reason"]
    assert done["video"] == "" and done["lipsync_video_url"] == ""


def test_failed_job_does_not_count_for_1202(sandbox: RunningSandbox, auth: dict) -> None:
    url = media(sandbox, "sample_silent.mp4")
    first = create(sandbox, auth, url=url, lipsync=True)
    assert wait_for(sandbox, auth, first["data"]["_id"])["video_status"] == 4
    assert create(sandbox, auth, url=url, lipsync=True)["code"] == 1000


# -- result links ----------------------------------------------------------------------------------------
def test_result_link_refuses_a_bad_signature_and_expires(sandbox: RunningSandbox, auth: dict) -> None:
    done = wait_for(sandbox, auth, create(sandbox, auth)["data"]["_id"])
    tampered = done["video"].replace("signature=", "signature=00")
    refused = HTTP.get(tampered)
    assert refused.status_code == 403 and b"AccessDenied" in refused.content
    head = HTTP.head(done["video"])
    assert head.status_code == 200 and int(head.headers["content-length"]) > 0

    # Links are signed with whole-second expiry: 2 s leaves at least 1 s to use the link.
    HTTP.post(f"{base(sandbox)}/_sandbox/limits", json={"result_ttl_seconds": 2})
    short = wait_for(sandbox, auth, create(sandbox, auth, language="de")["data"]["_id"])
    assert HTTP.get(short["video"]).status_code == 200
    expires = int(parse_qs(urlsplit(short["video"]).query)["expires"][0])
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    assert HTTP.get(short["video"]).status_code == 403


# -- webhooks --------------------------------------------------------------------------------------------
def test_webhooks_are_encrypted_signed_and_sent_without_polling(
    sandbox: RunningSandbox, auth: dict, receiver: Receiver
) -> None:
    job_id = create(sandbox, auth, webhookUrl=receiver.url)["data"]["_id"]
    bodies = receiver.wait_for(2)  # nobody polls: the sandbox's ticker advances the job
    assert len(bodies) == 2
    payloads = []
    for body in bodies:
        assert set(body) == {"signature", "dataEncrypt", "timestamp", "nonce"}
        assert isinstance(body["timestamp"], int) and isinstance(body["nonce"], str)
        assert body["signature"] == expected_signature(
            SANDBOX_CLIENT_ID, body["timestamp"], body["nonce"], body["dataEncrypt"]
        )
        payloads.append(decrypt(body["dataEncrypt"]))
    assert [payload["status"] for payload in payloads] == [2, 3]
    for payload in payloads:
        assert set(payload) == {"_id", "status", "type", "url"}
        assert payload["_id"] == job_id and payload["type"] == "video translate"
    assert payloads[0]["url"] == ""
    assert payloads[1]["url"] == info(sandbox, auth, job_id)["data"]["video"]
    assert HTTP.get(payloads[1]["url"]).status_code == 200
    time.sleep(0.2)
    assert len(receiver.bodies) == 2  # no second terminal event


def test_webhook_for_a_failed_job_and_for_another_account(
    sandbox: RunningSandbox, receiver: Receiver
) -> None:
    from video_localization_dev.sandbox.akool.wire import SANDBOX_OTHER_CLIENT_ID, SANDBOX_OTHER_CLIENT_SECRET

    headers = {"x-api-key": SANDBOX_OTHER_API_KEY}
    job_id = create(sandbox, headers, url=media(sandbox, "sample_silent.mp4"), webhookUrl=receiver.url)[
        "data"
    ]["_id"]
    bodies = receiver.wait_for(2)
    payloads = [
        decrypt(body["dataEncrypt"], SANDBOX_OTHER_CLIENT_ID, SANDBOX_OTHER_CLIENT_SECRET) for body in bodies
    ]
    assert [(payload["_id"], payload["status"], payload["url"]) for payload in payloads] == [
        (job_id, 2, ""),
        (job_id, 4, ""),
    ]
    assert bodies[0]["signature"] == expected_signature(
        SANDBOX_OTHER_CLIENT_ID, bodies[0]["timestamp"], bodies[0]["nonce"], bodies[0]["dataEncrypt"]
    )


def test_a_job_that_jumps_two_states_still_announces_each(
    sandbox: RunningSandbox, auth: dict, receiver: Receiver
) -> None:
    sandbox.sandbox.settings.step_seconds = 0  # every stage has passed at the first look
    job_id = create(sandbox, auth, webhookUrl=receiver.url)["data"]["_id"]
    assert info(sandbox, auth, job_id)["data"]["video_status"] == 3
    assert [decrypt(body["dataEncrypt"])["status"] for body in receiver.wait_for(2)] == [2, 3]


def test_a_held_job_ends_when_finished_and_announces_it(
    sandbox: RunningSandbox, auth: dict, receiver: Receiver
) -> None:
    held = HTTP.post(f"{sandbox.url}/_sandbox/step", json={"step_seconds": 3600})
    assert held.json() == {"step_seconds": 3600}
    job_id = create(sandbox, auth, webhookUrl=receiver.url)["data"]["_id"]
    assert info(sandbox, auth, job_id)["data"]["video_status"] == 1  # an hour per stage: still queued
    before = time.time()
    finished = HTTP.post(f"{base(sandbox)}/_sandbox/finish", json={"video_model_id": job_id}).json()
    assert finished["code"] == 1000 and finished["data"]["video_status"] == 3
    assert before <= finished["data"]["finished_at"] <= time.time()
    assert info(sandbox, auth, job_id)["data"]["video_status"] == 3
    assert [decrypt(body["dataEncrypt"])["status"] for body in receiver.wait_for(2)] == [2, 3]
    unknown = HTTP.post(f"{base(sandbox)}/_sandbox/finish", json={"video_model_id": "nope"}).json()
    assert unknown["code"] != 1000
    assert HTTP.post(f"{sandbox.url}/_sandbox/step", json={"step_seconds": 0}).status_code == 422


def test_webhook_is_retried_until_the_receiver_answers_200(sandbox: RunningSandbox, auth: dict) -> None:
    receiver = Receiver(fail_first=1)
    try:
        create(sandbox, auth, webhookUrl=receiver.url)
        bodies = receiver.wait_for(2)
        assert [decrypt(body["dataEncrypt"])["status"] for body in bodies] == [2, 3]
    finally:
        receiver.close()
    sent = HTTP.get(f"{sandbox.url}/_sandbox/callbacks").json()
    akool = [entry for entry in sent if entry["url"] == receiver.url]
    assert [entry["status_code"] for entry in akool] == [500, 200, 200]
    assert akool[0]["body"] == akool[1]["body"]  # the same message, sent again


def test_webhooks_for_several_targets_come_per_job(
    sandbox: RunningSandbox, auth: dict, receiver: Receiver
) -> None:
    answer = create(sandbox, auth, language="fr,de", webhookUrl=receiver.url)
    ids = {entry["data"]["_id"] for entry in answer["all_results"]}
    payloads = [decrypt(body["dataEncrypt"]) for body in receiver.wait_for(4)]
    assert {(payload["_id"], payload["status"]) for payload in payloads} == {
        (job_id, status) for job_id in ids for status in (2, 3)
    }


# -- counters and injected faults ------------------------------------------------------------------------
def test_requests_are_counted_per_endpoint(sandbox: RunningSandbox, auth: dict) -> None:
    job_id = create(sandbox, auth)["data"]["_id"]
    info(sandbox, auth, job_id)
    requests = sandbox.counters()["requests"]
    assert requests["akool POST /akool/getToken"] == 1
    assert requests["akool POST /akool/content/video/createbytranslate"] == 1
    assert requests["akool GET /akool/content/video/infobymodelid"] == 1


def test_injected_fault_comes_back_in_akool_shape(sandbox: RunningSandbox, auth: dict) -> None:
    HTTP.post(
        f"{sandbox.url}/_sandbox/faults",
        json={"vendor": "akool", "status": 503, "path_prefix": "/akool/content", "retry_after": 2},
    )
    refused = HTTP.post(f"{base(sandbox)}{CREATE}", json={}, headers=auth)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
    assert refused.json() == {"code": 503, "msg": "injected fault"}
    assert created(sandbox) == 0
    assert create(sandbox, auth)["code"] == 1000


def test_sample_media_for_akool_limits_exist() -> None:
    for name in ("sample_over_60s.mp4", "sample_60fps.mp4", "sample_mpeg4_part2.mp4"):
        path = Path(media_dir() / name)
        assert path.is_file() and path.stat().st_size < 300 * 1024
