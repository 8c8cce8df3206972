"""AkoolHook against the sandbox: tokens and API keys, refresh on 1101, every endpoint, every business code.

Every answer is HTTP 200 with a business code, so these tests prove that the hook reads the code (not the
HTTP status), maps each documented code to a clear error, retries only "try again later", and takes a
new token once when Akool says the old one expired.
"""

from __future__ import annotations

import json

import httpx
import pytest

from akool_test_support import (
    CREATE_ROUTE,
    HTTP,
    INFO_ROUTE,
    LANGUAGES_ROUTE,
    TOKEN_ROUTE,
    AkoolObjects,
    akool_connection_json,
    control,
    fast_hook,
)
from video_localization.akool import hook as hook_module
from video_localization.akool.hook import (
    AkoolApiError,
    AkoolCredentialsError,
    AkoolHook,
    AkoolLipsyncRepeated,
    check_business_code,
    clear_caches,
)
from video_localization.akool.models import CODES, TranslationRequest, VideoStatus
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.akool.wire import (
    SANDBOX_API_KEY,
    SANDBOX_BANNED_API_KEY,
    SANDBOX_BANNED_CLIENT_ID,
    SANDBOX_BANNED_CLIENT_SECRET,
    SANDBOX_CLIENT_ID,
    SANDBOX_OTHER_CLIENT_ID,
    SANDBOX_OTHER_CLIENT_SECRET,
)
from video_localization_dev.sandbox.server import RunningSandbox


def connection(monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox, conn_id: str, **fields) -> AkoolHook:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", akool_connection_json(sandbox, **fields))
    return fast_hook(conn_id)


# -- tokens and keys ---------------------------------------------------------------------------------------
def test_one_token_serves_every_call_and_every_hook_of_the_process(
    akool: AkoolObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    masked: list[str] = []
    monkeypatch.setattr(hook_module, "mask_secret", masked.append)
    token = akool.hook.get_token()
    assert masked == [token]  # a runtime secret never reaches a log unmasked
    assert akool.hook.auth_headers() == {"Authorization": f"Bearer {token}"}
    akool.hook.list_languages()
    assert fast_hook().get_token() == token  # another hook of the same connection
    assert akool.requests_to(TOKEN_ROUTE) == 1


def test_a_token_answer_of_an_unexpected_shape_fails_without_showing_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    masked: list[str] = []
    monkeypatch.setattr(hook_module, "mask_secret", masked.append)
    answer = httpx.Response(200, json={"code": "1000", "msg": "OK", "token": "akool_TOPSECRET"})
    with pytest.raises(VendorResponseError) as caught:
        AkoolHook._token_from(answer)
    assert "akool_TOPSECRET" not in str(caught.value)
    assert "akool_TOPSECRET" not in repr(caught.value.details)
    assert "getToken answer" in str(caught.value)
    assert masked == ["akool_TOPSECRET"]


def test_the_api_key_extra_is_sent_as_x_api_key_and_takes_no_token(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_caches()
    hook = connection(monkeypatch, sandbox, "akool_key", login=None, password=None, api_key=SANDBOX_API_KEY)
    assert hook.auth_headers() == {"x-api-key": SANDBOX_API_KEY}
    assert hook.test_connection() == (True, "Connected to Akool (API key): 20 languages")
    counters = sandbox.counters()["requests"]
    assert counters == {f"akool {LANGUAGES_ROUTE}": 1}


def test_a_token_expired_at_akool_is_replaced_once(akool: AkoolObjects) -> None:
    first = akool.hook.get_token()
    akool.hook.list_languages()
    assert control(akool.sandbox, "expire-tokens")["data"]["expired"] >= 1
    created = akool.create()  # 1101, new token, the same create again: one job
    assert created.data.video_status is VideoStatus.QUEUEING
    assert akool.hook.get_token() != first
    assert akool.requests_to(TOKEN_ROUTE) == 2
    assert akool.requests_to(CREATE_ROUTE) == 2
    assert akool.created() == 1


def test_the_token_refresh_on_1101_happens_only_once(
    akool: AkoolObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[bool] = []

    def never_valid(refresh: bool = False) -> str:
        taken.append(refresh)
        return "a-token-akool-never-issued"

    monkeypatch.setattr(akool.hook, "get_token", never_valid)
    with pytest.raises(AkoolApiError) as caught:
        akool.hook.list_languages()
    assert caught.value.code == 1101
    assert caught.value.status_code == 200
    assert "invalid authorization or the token has expired" in caught.value.message
    assert len(taken) == 2  # the first token, then one replacement
    assert akool.requests_to(LANGUAGES_ROUTE) == 2


def test_async_calls_refresh_an_expired_token_too(akool: AkoolObjects) -> None:
    import asyncio

    job = akool.create().data
    control(akool.sandbox, "expire-tokens")
    fresh = asyncio.run(fast_hook().aget_video_info(job.id))
    assert fresh.id == job.id
    assert akool.requests_to(TOKEN_ROUTE) == 2


def test_wrong_client_credentials_fail_at_once_with_the_vendors_words(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_caches()
    hook = connection(monkeypatch, sandbox, "akool_wrong", password="not-the-secret")
    with pytest.raises(AkoolCredentialsError) as caught:
        hook.list_languages()
    assert caught.value.code == 1101
    assert caught.value.message.startswith(
        "getToken: invalid authorization or the token has expired (Akool: "
    )
    assert "unknown clientId or clientSecret" in caught.value.message
    assert "not-the-secret" not in str(caught.value)
    assert sandbox.counters()["requests"] == {f"akool {TOKEN_ROUTE}": 1}  # no pointless second try
    ok, message = hook.test_connection()
    assert not ok and "getToken" in message


def test_a_refused_api_key_is_a_credentials_error_without_retry(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = connection(monkeypatch, sandbox, "akool_badkey", login=None, password=None, api_key="nope")
    with pytest.raises(AkoolCredentialsError, match="the API key of connection 'akool_badkey' was refused"):
        hook.list_languages()
    assert sandbox.counters()["requests"] == {f"akool {LANGUAGES_ROUTE}": 1}


@pytest.mark.parametrize("how", ["token", "api_key"])
def test_a_banned_account_answers_1200(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    clear_caches()
    if how == "token":
        fields = {"login": SANDBOX_BANNED_CLIENT_ID, "password": SANDBOX_BANNED_CLIENT_SECRET}
    else:
        fields = {"login": None, "password": None, "api_key": SANDBOX_BANNED_API_KEY}
    hook = connection(monkeypatch, sandbox, f"akool_banned_{how}", **fields)
    with pytest.raises(AkoolApiError) as caught:
        hook.list_languages()
    assert caught.value.code == 1200
    assert "the account has been banned" in caught.value.message
    assert not caught.value.retryable


def test_a_connection_without_credentials_is_refused_before_any_call(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = connection(monkeypatch, sandbox, "akool_empty", login=None, password=None)
    with pytest.raises(AkoolCredentialsError, match="needs clientId \\(login\\) and clientSecret"):
        hook.list_languages()
    assert sandbox.counters()["requests_by_vendor"].get("akool", 0) == 0


def test_missing_authorization_answers_1102_which_maps_to_a_clear_error(akool: AkoolObjects) -> None:
    response = HTTP.get(f"{akool.sandbox.vendor_url('akool')}/language/list")
    assert response.status_code == 200
    with pytest.raises(AkoolApiError) as caught:
        check_business_code(response)
    assert caught.value.code == 1102
    assert caught.value.message == "authorization is missing (Akool: Authorization cannot be empty)"


# -- languages ---------------------------------------------------------------------------------------------
def test_language_list_is_parsed_and_cached(akool: AkoolObjects, monkeypatch: pytest.MonkeyPatch) -> None:
    languages = akool.hook.list_languages()
    assert {"en", "fr", "zh", "hi"} <= {language.lang_code for language in languages}
    zh = next(language for language in languages if language.lang_code == "zh")
    assert zh.lang_name == "Chinese (Simplified)" and zh.url and zh.url.endswith("/Zh.png")
    assert akool.hook.list_languages() is languages  # the hook's own cache
    assert fast_hook().language_codes() == {language.lang_code for language in languages}  # the process's
    assert akool.requests_to(LANGUAGES_ROUTE) == 1
    akool.hook.list_languages(refresh=True)
    assert akool.requests_to(LANGUAGES_ROUTE) == 2
    monkeypatch.setattr(hook_module, "LANGUAGE_LIST_TTL_SECONDS", -1.0)  # the process cache goes stale
    fast_hook().list_languages()
    fast_hook().list_languages()
    assert akool.requests_to(LANGUAGES_ROUTE) == 4


# -- create and info ---------------------------------------------------------------------------------------
def test_create_and_info_follow_a_job_to_completion(akool: AkoolObjects) -> None:
    answer = akool.create(languages=("fr",), merge_interval=1)  # webhooks: see test_akool_webhook.py
    job = answer.data
    assert answer.all_results is None  # one target: no all_results
    assert (job.video_status, job.language, job.source_language) == (VideoStatus.QUEUEING, "fr", "en")
    assert job.webhook_url == ""
    assert job.result_url is None  # "" until completed
    done = akool.wait_job(job.id)
    assert done.video_status is VideoStatus.COMPLETED
    assert done.result_url == done.video and "signature=" in done.video
    assert done.created_at is not None and done.progress == 100
    assert akool.created() == 1


def test_a_lipsync_job_answers_the_lipsync_video_url(akool: AkoolObjects) -> None:
    job = akool.completed_job(lipsync=True, face_enhance=True)
    assert job.lipsync and job.lipsync_video_url
    assert job.result_url == job.lipsync_video_url != job.video


def test_several_targets_answer_one_job_per_language(akool: AkoolObjects) -> None:
    answer = akool.create(languages=("fr", "de", "ja"))
    results = answer.all_results or []
    assert [(result.code, result.language) for result in results] == [
        (1000, "fr"),
        (1000, "de"),
        (1000, "ja"),
    ]
    ids = [result.data["_id"] for result in results]
    assert answer.data.id == ids[0] and len(set(ids)) == 3
    assert akool.created() == 3


def test_a_failed_job_carries_akools_error_code_and_reason(akool: AkoolObjects) -> None:
    job = akool.wait_job(akool.create("sample_silent.mp4").data.id)
    assert job.video_status is VideoStatus.FAILED
    assert job.error_code == 1201
    assert job.failure == "1201: create audio error: no speech was detected in the video"


def test_unknown_and_foreign_jobs(akool: AkoolObjects, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AkoolApiError) as unknown:
        akool.hook.get_video_info("000000000000000000000000")
    assert unknown.value.code == 1008
    assert unknown.value.message.startswith("the content does not exist")
    job = akool.create().data
    other = connection(
        monkeypatch,
        akool.sandbox,
        "akool_other",
        login=SANDBOX_OTHER_CLIENT_ID,
        password=SANDBOX_OTHER_CLIENT_SECRET,
    )
    with pytest.raises(AkoolApiError) as foreign:
        other.get_video_info(job.id)
    assert foreign.value.code == 1009
    assert "another account" in foreign.value.message


# -- every documented refusal of a create, through its real cause -----------------------------------------
@pytest.mark.parametrize(
    ("media", "options", "code", "words"),
    [
        ("sample.mp4", {"languages": ("xx",)}, 1003, "language xx is not supported"),
        ("missing.mp4", {}, 1003, "url answered HTTP 404"),
        ("sample_no_audio.mp4", {}, 1203, "video should be with audio"),
        ("sample_over_60s.mp4", {"lipsync": True}, 1204, "Your video duration is exceed 60s!"),
        ("sample_mpeg4_part2.mp4", {}, 1209, "video codec 'mp4v'"),
        ("sample_audio_only.mp4", {}, 1209, "no video track"),
        ("sample_60fps.mp4", {}, 1210, "60 fps"),
    ],
)
def test_each_refused_create_maps_to_its_code_and_creates_nothing(
    akool: AkoolObjects, media: str, options: dict, code: int, words: str
) -> None:
    with pytest.raises(AkoolApiError) as caught:
        akool.create(media, **options)
    error = caught.value
    assert (error.vendor, error.status_code, error.code, error.retryable) == ("akool", 200, code, False)
    assert error.message.startswith(CODES[code].meaning)
    assert words in error.message  # Akool's own words, kept
    assert error.details["code"] == code
    assert akool.created() == 0
    assert akool.requests_to(CREATE_ROUTE) == 1  # refused for a cause: not retried


def test_a_video_over_the_size_limit_answers_1207(akool: AkoolObjects) -> None:
    size = (media_dir() / "sample.mp4").stat().st_size
    control(akool.sandbox, "limits", {"max_video_bytes": size - 1})
    with pytest.raises(AkoolApiError) as caught:
        akool.create()
    assert caught.value.code == 1207
    assert caught.value.message.startswith("the video is larger than 300 MB")
    assert akool.created() == 0


def test_a_second_lipsync_of_the_same_video_and_language_answers_1202(akool: AkoolObjects) -> None:
    akool.create(lipsync=True)
    with pytest.raises(AkoolLipsyncRepeated) as caught:
        akool.create(lipsync=True)
    assert caught.value.code == 1202
    assert not caught.value.retryable
    partly = akool.create(languages=("fr", "de"), lipsync=True)  # 1000 overall, 1202 for fr
    by_language = {result.language: result.code for result in partly.all_results or []}
    assert by_language == {"fr": 1202, "de": 1000}
    assert akool.created() == 2


@pytest.mark.parametrize("code", [1201, 1205])
def test_try_again_later_is_retried_even_for_a_create(akool: AkoolObjects, code: int) -> None:
    control(akool.sandbox, "busy", {"times": 2, "code": code})
    job = akool.create().data
    assert job.video_status is VideoStatus.QUEUEING
    assert akool.requests_to(CREATE_ROUTE) == 3
    assert akool.created() == 1


def test_try_again_later_gives_up_after_the_retry_policy(akool: AkoolObjects) -> None:
    control(akool.sandbox, "busy", {"times": 10, "code": 1205})
    with pytest.raises(AkoolApiError) as caught:
        akool.create()
    assert caught.value.code == 1205 and caught.value.retryable
    assert caught.value.message.startswith("create video error, try again later (Akool: ")
    assert akool.requests_to(CREATE_ROUTE) == akool.hook.retry.max_attempts
    assert akool.created() == 0


def test_http_faults_are_parsed_from_akools_shape_and_retried_when_safe(akool: AkoolObjects) -> None:
    job = akool.create().data
    inject = {"vendor": "akool", "times": 1, "message": "gateway busy"}
    HTTP.post(f"{akool.sandbox.url}/_sandbox/faults", json={**inject, "status": 503}).raise_for_status()
    assert akool.hook.get_video_info(job.id).id == job.id  # retried
    HTTP.post(
        f"{akool.sandbox.url}/_sandbox/faults", json={**inject, "status": 500, "method": "POST"}
    ).raise_for_status()
    with pytest.raises(VendorError) as caught:
        akool.create()  # a 500 after a create may have made a job: not resent blindly
    assert (caught.value.status_code, caught.value.message, caught.value.code) == (500, "gateway busy", None)
    assert akool.requests_to(CREATE_ROUTE) == 2
    assert akool.requests_to(INFO_ROUTE) == 2


def test_an_answer_without_a_business_code_fails_loudly() -> None:
    request = httpx.Request("GET", "https://openapi.akool.com/api/open/v3/language/list")
    for body in (b'{"msg": "OK"}', b'{"code": "1000"}', b"<html>gateway</html>"):
        response = httpx.Response(200, content=body, request=request)
        with pytest.raises(VendorResponseError, match="unexpected answer"):
            check_business_code(response)
    ok = httpx.Response(200, content=json.dumps({"code": 1000, "msg": "OK"}).encode(), request=request)
    check_business_code(ok)


def test_an_unknown_video_status_fails_loudly_with_the_raw_value() -> None:
    from video_localization.akool.models import VideoJob, parse

    with pytest.raises(VendorResponseError, match=r"video_status .*: 7"):
        parse(VideoJob, {"_id": "x", "video_status": 7}, "video info")


def test_the_translation_request_is_sent_with_akools_field_names() -> None:
    request = TranslationRequest(
        url="https://v.example/a.mp4",
        source_language="DEFAULT",
        language="fr,de",
        lipsync=True,
        face_enhance=True,
        webhook_url="https://hooks.example/akool",
    )
    assert request.wire() == {
        "url": "https://v.example/a.mp4",
        "source_language": "DEFAULT",
        "language": "fr,de",
        "lipsync": True,
        "face_enhance": True,
        "webhookUrl": "https://hooks.example/akool",
    }
    assert request.targets == ["fr", "de"]


def test_the_connection_id_and_identity_match_the_provider_declaration() -> None:
    from video_localization import get_provider_info

    [entry] = [e for e in get_provider_info()["connection-types"] if e["connection-type"] == "akool"]
    assert entry["hook-class-name"] == "video_localization.akool.hook.AkoolHook"
    assert (AkoolHook.conn_type, AkoolHook.hook_name, AkoolHook.default_conn_name) == (
        "akool",
        entry["hook-name"],
        "akool_default",
    )
    assert AkoolHook.conn_name_attr == "akool_conn_id"
    assert set(entry["conn-fields"]) == {"api_key", "webhook_url"}
    assert SANDBOX_CLIENT_ID  # the sandbox account the fixture connects with
