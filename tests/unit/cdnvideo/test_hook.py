"""CDNVideoHook against the CDNvideo sandbox: the token, every method, every error shape, the POST limit.

The hook reads `cdnvideo_default` from the environment (see `cdnvideo_conn` in cdnvideo_support.py).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cdnvideo_support import (
    DOC_EXAMPLE,
    ROUTE,
    TOKEN_ROUTE,
    CDNVideoObjects,
    connection_json,
)
from video_localization.cdnvideo import hook as hook_module
from video_localization.cdnvideo.auth import TOKENS, TokenCache, is_token_failure
from video_localization.cdnvideo.hook import CDNVideoHook, _ok_answer, cdnvideo_error, list_time
from video_localization.cdnvideo.models import Actor, TaskInfo, TaskStatus, parse
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.cdnvideo import constants as sandbox_constants
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY

CONFIGURATIONS = ROUTE.format(method="GET", tail="configurations")
STATUS = ROUTE.format(method="GET", tail="status/{task_id}")
TASKS = ROUTE.format(method="GET", tail="tasks")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
SAMPLE = (media_dir() / "sample.mp4").read_bytes()


def other_hook(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox, tmp_path: Path, **kwargs
) -> CDNVideoHook:
    monkeypatch.setenv("AIRFLOW_CONN_CDNVIDEO_OTHER", connection_json(sandbox, tmp_path / "pacing", **kwargs))
    return CDNVideoHook("cdnvideo_other", retry=FAST_RETRY)


# -- token ----------------------------------------------------------------------------------------------
def test_one_login_serves_every_hook_of_the_process_and_the_token_is_masked(
    cdnvideo: CDNVideoObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    masked: list[str] = []
    monkeypatch.setattr(hook_module, "mask_secret", masked.append)
    cdnvideo.hook.get_configurations()
    second = CDNVideoHook(retry=FAST_RETRY)
    second.get_configurations()
    asyncio.run(second.aget_status(cdnvideo.generate()))
    assert cdnvideo.requests_to(TOKEN_ROUTE) == 1
    assert len(masked) == 1 and masked[0].startswith("cdn1_")
    assert cdnvideo.hook.get_token() == masked[0]


def test_triggers_polling_at_once_on_one_loop_share_one_login(cdnvideo: CDNVideoObjects) -> None:
    ids = [cdnvideo.generate(video_name=f"v{n}") for n in range(3)]
    TOKENS.clear()  # a fresh triggerer: no token yet

    async def poll_all() -> list[TaskInfo]:
        return await asyncio.gather(*(CDNVideoHook().aget_status(job_id) for job_id in ids * 4))

    assert {task.id for task in asyncio.run(poll_all())} == set(ids)
    assert cdnvideo.requests_to(TOKEN_ROUTE) == 2  # the generates' login, then one for twelve polls


def test_the_token_is_refreshed_before_it_expires_and_never_refused(
    cdnvideo: CDNVideoObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    offset = {"seconds": 0.0}
    monkeypatch.setattr(TOKENS, "_clock", lambda: time.time() + offset["seconds"])

    def advance(seconds: float) -> None:  # the vendor's clock and ours move together
        offset["seconds"] += seconds
        cdnvideo.control("clock", {"advance_seconds": seconds})

    cdnvideo.hook.get_configurations()
    first = cdnvideo.hook.get_token()
    advance(6 * 3600 - 10)  # inside the refresh margin: log in again (the vendor gives the same token)
    cdnvideo.hook.get_configurations()
    assert cdnvideo.hook.get_token() == first
    advance(11)  # the old token has expired at the vendor: the next login gets a new one, before any use
    cdnvideo.hook.get_configurations()
    assert cdnvideo.hook.get_token() != first
    assert cdnvideo.requests_to(TOKEN_ROUTE) == 3
    assert cdnvideo.requests_to(CONFIGURATIONS) == 3  # not one refused and resent


def test_a_refused_token_means_one_new_login_and_one_more_try(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.hook.get_configurations()
    cdnvideo.control("expire-tokens")
    assert cdnvideo.hook.get_configurations().voices
    assert cdnvideo.requests_to(CONFIGURATIONS) == 3  # ok, refused ("token expired"), ok again
    assert cdnvideo.requests_to(TOKEN_ROUTE) == 2
    asyncio.run(cdnvideo.hook.aget_status(cdnvideo.generate()))
    cdnvideo.control("expire-tokens")
    assert asyncio.run(cdnvideo.hook.aget_status(cdnvideo.generate())).id  # the async twin does the same
    assert cdnvideo.requests_to(TOKEN_ROUTE) == 3


def test_a_token_refused_twice_fails_with_the_vendors_words(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.fault(403, times=2, message="invalid token", path_prefix="/cdnvideo/app/th-api")
    with pytest.raises(VendorError) as caught:
        cdnvideo.hook.get_configurations()
    assert (caught.value.status_code, caught.value.code, caught.value.message) == (
        403,
        "ERROR",
        "invalid token",
    )
    assert cdnvideo.requests_to(CONFIGURATIONS) == 2


def test_a_wrong_password_is_a_clear_error_and_not_retried(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hook = other_hook(monkeypatch, cdnvideo_conn, tmp_path)
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_OTHER", connection_json(cdnvideo_conn, tmp_path, password="nope")
    )
    with pytest.raises(VendorError, match="check its username and password") as caught:
        hook.get_configurations()
    assert caught.value.status_code == 401
    assert hook.test_connection()[0] is False
    assert cdnvideo_conn.counters()["requests"] == {TOKEN_ROUTE: 2}


def test_a_token_is_never_reused_for_another_password(
    cdnvideo_hook: CDNVideoHook,
    cdnvideo_conn: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The Test button in the api-server: right password (a token cached), then a wrong one, same user."""
    assert cdnvideo_hook.test_connection()[0] is True
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_OTHER", connection_json(cdnvideo_conn, tmp_path, password="not-the-secret")
    )
    ok, message = CDNVideoHook("cdnvideo_other", retry=FAST_RETRY).test_connection()
    assert ok is False and "not-the-secret" not in message
    assert cdnvideo_conn.counters()["requests"][TOKEN_ROUTE] == 2  # the wrong password logged in (and failed)


def test_another_account_is_refused_without_a_new_login(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hook = other_hook(monkeypatch, cdnvideo_conn, tmp_path, account=sandbox_constants.OTHER_ACCOUNT)
    with pytest.raises(VendorError) as caught:
        hook.get_configurations()
    assert (caught.value.status_code, caught.value.message) == (403, "invalid account")
    assert not is_token_failure(caught.value)
    assert cdnvideo_conn.counters()["requests"] == {TOKEN_ROUTE: 1, CONFIGURATIONS: 1}


def test_a_connection_without_account_or_login_fails_before_any_call(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(VendorError, match="has no `account` extra"):
        other_hook(monkeypatch, cdnvideo_conn, tmp_path, account="").get_configurations()
    monkeypatch.setenv(
        "AIRFLOW_CONN_CDNVIDEO_BARE",
        f'{{"conn_type": "cdnvideo", "host": "{cdnvideo_conn.url}", "extra": {{"account": "a"}}}}',
    )
    with pytest.raises(VendorError, match="needs the CDNvideo username and password"):
        CDNVideoHook("cdnvideo_bare").get_configurations()
    assert cdnvideo_conn.counters()["requests_by_vendor"] == {}


def test_token_cache_refreshes_a_tenth_of_the_lifetime_early_at_most_five_minutes() -> None:
    now = {"t": 1000.0}
    cache = TokenCache(clock=lambda: now["t"])
    cache.put(("u", "a"), "short", 10.0)
    now["t"] += 8.9
    assert cache.get(("u", "a")) == "short"
    now["t"] += 0.2
    assert cache.get(("u", "a")) is None
    cache.put(("u", "a"), "long", 6 * 3600.0)
    now["t"] += 6 * 3600 - 301
    assert cache.get(("u", "a")) == "long"
    now["t"] += 2
    assert cache.get(("u", "a")) is None


# -- configurations and generate -------------------------------------------------------------------------
def test_configurations_are_parsed(cdnvideo_hook: CDNVideoHook) -> None:
    configurations = cdnvideo_hook.get_configurations()
    assert configurations.voices["Sara"].language == "en-EN"
    assert configurations.voices["Sara"].allowed_emotions == ["neutral"]
    assert configurations.voices["Alena"].allowed_emotions == ["neutral", "good"]
    natalia = configurations.models["Natalia"]["4.0.0"]
    assert (natalia.style, natalia.gender, natalia.voices) == (
        "dressshirt",
        "female",
        ["Alena", "Mia", "Sara"],
    )
    assert natalia.shots["waist"].size == "HD" and natalia.shots["waist"].out_size.width == 512
    assert configurations.backgrounds["globe"].sizes == ["HD"]
    assert (configurations.quota.limit, configurations.quota.left) == (1500, 1500)


def test_generate_then_status_until_processed_then_a_link_to_real_bytes(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 0.2
    job_id = cdnvideo.generate()
    first = cdnvideo.hook.get_status(job_id)
    assert (first.id, first.status, first.attempts) == (job_id, TaskStatus.IN_QUEUE, 0)
    done = cdnvideo.wait(job_id, TaskStatus.PROCESSED)
    assert done.attempts == 1 and done.status.is_terminal and done.status.is_success
    url = cdnvideo.hook.get_video_url(job_id)
    assert url.startswith(f"{cdnvideo.sandbox.url}/cdnvideo/thaas-video/testaccount/{job_id}.mp4?")
    assert httpx.get(url, timeout=10).content == SAMPLE
    assert cdnvideo.created() == 1
    assert cdnvideo.hook.get_configurations().quota.left == 1499


def test_the_vendors_refusals_keep_their_words_and_are_not_resent(cdnvideo: CDNVideoObjects) -> None:
    cases = [
        ({"script": "a" * 3001}, "script is too long: 3001 characters, the maximum is 3000"),
        ({"video_name": "n" * 36}, "video_name is too long: 36 characters, the maximum is 35"),
        ({"script": "a" * 2790}, "video is too long: estimated 186.0 seconds, the maximum is 180"),
        ({"voice": "Guy"}, "bad voice for Natalia-4.0.0"),
        ({"actor": Actor(name="Natalia", style="hoodie", shot="waist")}, "bad style for Natalia-latest"),
    ]
    for changes, words in cases:
        with pytest.raises(VendorError) as caught:
            cdnvideo.generate(**changes)
        assert (caught.value.status_code, caught.value.code, caught.value.message) == (400, "ERROR", words)
        assert not caught.value.retryable
    assert cdnvideo.posts() == len(cases) and cdnvideo.created() == 0


def test_unknown_parameter_names_are_a_422(cdnvideo_hook: CDNVideoHook) -> None:
    path = cdnvideo_hook._path("generate")
    with cdnvideo_hook.paced(), pytest.raises(VendorError) as caught:
        cdnvideo_hook.api.request("POST", path, json={**DOC_EXAMPLE.wire(), "scrip": "x"}, expected=(202,))
    assert (caught.value.status_code, caught.value.message) == (422, "incorrect parameters' names: scrip")


def test_an_api_post_outside_a_pacer_turn_is_refused_before_it_is_sent(cdnvideo: CDNVideoObjects) -> None:
    with pytest.raises(RuntimeError, match="paced"):
        cdnvideo.hook.api.request("POST", cdnvideo.hook._path("generate"), json=DOC_EXAMPLE.wire())
    assert cdnvideo.posts() == 0


def test_the_monthly_quota_used_up_is_a_403_not_mistaken_for_the_token(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.control("quota", {"used": 1500})
    with pytest.raises(VendorError) as caught:
        cdnvideo.generate()
    assert (caught.value.status_code, caught.value.message) == (
        403,
        "monthly request limit exceeded: 1500 requests",
    )
    assert cdnvideo.posts() == 1 and cdnvideo.requests_to(TOKEN_ROUTE) == 1


def test_a_503_rate_limit_answer_is_waited_out_and_the_post_resent(
    cdnvideo_conn: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sandbox_constants, "RATE_LIMIT_WINDOW_SECONDS", 1.0)
    hook = other_hook(monkeypatch, cdnvideo_conn, tmp_path, post_limit=1000)  # our pacing out of the way
    objects = CDNVideoObjects(hook, cdnvideo_conn)
    started = time.monotonic()
    ids = {objects.generate(video_name=f"v{n}") for n in range(11)}
    assert len(ids) == 11 and objects.created() == 11
    assert objects.posts() == 12  # the 11th was answered 503 + Retry-After: 1, then sent again
    assert time.monotonic() - started >= 1.0


def test_a_500_after_generate_is_not_resent_but_a_500_on_a_read_is(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.fault(500, path_prefix="/cdnvideo/app/th-api/v1/accounts/testaccount/generate")
    with pytest.raises(VendorError) as caught:
        cdnvideo.generate()
    assert (caught.value.status_code, caught.value.message) == (500, "Internal Server Error (no body)")
    assert caught.value.retryable and cdnvideo.posts() == 1
    job_id = cdnvideo.generate()
    cdnvideo.fault(503, times=2, path_prefix="/cdnvideo/app/th-api/v1/accounts/testaccount/status")
    assert cdnvideo.hook.get_status(job_id).id == job_id
    assert cdnvideo.requests_to(STATUS) == 3


def test_a_404_has_no_body_and_is_not_retried(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.fault(404, path_prefix="/cdnvideo/app/th-api")
    with pytest.raises(VendorError) as caught:
        cdnvideo.hook.get_configurations()
    assert (caught.value.status_code, caught.value.message) == (404, "Not Found (no body)")
    assert cdnvideo.requests_to(CONFIGURATIONS) == 1


def test_a_200_that_says_error_is_an_error() -> None:
    request = httpx.Request("GET", "https://api.cdnvideo.ru/x")
    refused = httpx.Response(200, json={"status": "ERROR", "message": "invalid account"}, request=request)
    with pytest.raises(VendorError, match="invalid account"):
        _ok_answer(refused)
    _ok_answer(httpx.Response(200, json={"status": "OK"}, request=request))
    _ok_answer(httpx.Response(200, json=[], request=request))
    with pytest.raises(VendorResponseError, match="not JSON"):
        _ok_answer(httpx.Response(200, text="<html>", request=request))
    odd = cdnvideo_error(httpx.Response(502, text="bad gateway", request=request))
    assert odd.message == "Bad Gateway (body: 'bad gateway')"


# -- status, cancel ----------------------------------------------------------------------------------------
def test_status_words_are_compared_without_case_and_unknown_ones_fail_loudly() -> None:
    assert parse(TaskInfo, {"id": "t", "status": "CANCELED"}, "status").status is TaskStatus.CANCELED
    assert parse(TaskInfo, {"id": "t", "status": "Processed"}, "status").status is TaskStatus.PROCESSED
    with pytest.raises(VendorResponseError) as caught:
        parse(TaskInfo, {"id": "t", "status": "exploded"}, "status")
    message = str(caught.value)
    assert message.endswith(": exploded") and "(known: in_queue, processing, processed, canceled)" in message
    assert [s.is_terminal for s in TaskStatus] == [False, False, True, True]


def test_cancel_a_queued_task_then_cancel_is_refused(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 2.0
    job_id = cdnvideo.generate()
    cdnvideo.hook.cancel(job_id)
    task = cdnvideo.hook.get_status(job_id)
    assert (task.status, task.message) == (TaskStatus.CANCELED, "canceled by user request")
    with pytest.raises(VendorError) as caught:
        asyncio.run(cdnvideo.hook.acancel(job_id))
    assert (caught.value.status_code, caught.value.message) == (400, "wrong task status: CANCELED")
    with pytest.raises(VendorError, match="no such task"):
        cdnvideo.hook.get_status(UNKNOWN_ID)


# -- videos --------------------------------------------------------------------------------------------------
def test_link_rename_and_delete(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 1.0
    job_id = cdnvideo.generate()
    with pytest.raises(VendorError, match="video is not ready"):
        cdnvideo.hook.get_video_url(job_id)
    cdnvideo.sandbox.sandbox.settings.step_seconds = 0.0
    cdnvideo.hook.rename_video(job_id, "Renamed")
    [row] = cdnvideo.hook.list_tasks(fields=["video_name"], job_id=job_id)
    assert row.video_name == "Renamed"
    with pytest.raises(VendorError, match="video_name is too long"):
        cdnvideo.hook.rename_video(job_id, "n" * 36)
    cdnvideo.hook.delete_video(job_id)
    for call in (cdnvideo.hook.get_video_url, cdnvideo.hook.delete_video):
        with pytest.raises(VendorError) as caught:
            call(job_id)
        assert (caught.value.status_code, caught.value.message) == (400, "no such video")
    assert cdnvideo.hook.list_tasks() == []


def test_list_filters_sort_fields_and_pages(cdnvideo: CDNVideoObjects) -> None:
    ids = [cdnvideo.generate(video_name=f"video {n}", script="x" * (10 + n)) for n in range(5)]
    for job_id in ids:
        cdnvideo.wait(job_id, TaskStatus.PROCESSED)
    rows = list(cdnvideo.hook.iter_tasks(page_size=2, fields=("video_name", "voice_name")))
    assert [row.id for row in rows] == ids
    assert cdnvideo.requests_to(TASKS) == 3  # pages of 2, 2 and 1
    assert rows[0].video_name == "video 0" and rows[0].voice_name == "Sara" and rows[0].duration > 0
    assert rows[0].date.tzinfo is not None and rows[0].resolution == "HD"
    assert [r.id for r in cdnvideo.hook.list_tasks(sort="-duration")] == ids[::-1]
    assert [r.id for r in cdnvideo.hook.list_tasks(job_id=ids[2])] == [ids[2]]
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert cdnvideo.hook.list_tasks(start=later) == []
    assert cdnvideo.hook.list_tasks(end=later - timedelta(minutes=5)) == []
    assert cdnvideo.hook.find_task("video 3", datetime.now(UTC)).id == ids[3]
    assert cdnvideo.hook.find_task("video 9", datetime.now(UTC)) is None
    with pytest.raises(VendorError) as caught:
        cdnvideo.hook.list_tasks(sort="-colour")
    assert (caught.value.status_code, caught.value.message) == (400, "bad sort: -colour")


def test_list_time_is_utc_with_zero_seconds() -> None:
    moment = datetime(2020, 2, 11, 15, 30, 45, tzinfo=UTC).astimezone()
    assert list_time(moment) == "2020-02-11T15:30:00+00"
    assert list_time(datetime(2020, 2, 11, 12, 30, 59)) == "2020-02-11T12:30:00+00"


def test_async_status_agrees_with_sync(cdnvideo: CDNVideoObjects) -> None:
    job_id = cdnvideo.generate()
    cdnvideo.wait(job_id, TaskStatus.PROCESSED)
    assert asyncio.run(cdnvideo.hook.aget_status(job_id)) == cdnvideo.hook.get_status(job_id)


def test_test_connection_reports_the_account(cdnvideo_hook: CDNVideoHook) -> None:
    ok, message = cdnvideo_hook.test_connection()
    assert ok
    assert message == (
        "Connected to CDNvideo account 'testaccount': 3 actors, 25 voices; "
        "1500 of 1500 requests left this month"
    )


def test_a_token_answer_that_does_not_parse_fails_without_showing_the_token(
    cdnvideo: CDNVideoObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    masked: list[str] = []
    monkeypatch.setattr(hook_module, "mask_secret", masked.append)
    answer = httpx.Response(200, json={"token": "cdn1_TOPSECRET", "lifetime": "6 hours"})
    with pytest.raises(VendorResponseError) as caught:
        cdnvideo.hook._remember(answer)
    assert "cdn1_TOPSECRET" not in str(caught.value)
    assert "cdn1_TOPSECRET" not in repr(caught.value.details)
    assert "lifetime" in str(caught.value)  # what is wrong with the answer is still said
    assert masked == ["cdn1_TOPSECRET"]
