"""Akool operators and sensor against the sandbox, with a fake task context.

What they promise: bad input never reaches Akool (the sandbox's request counter stays 0); a language Akool
no longer lists is refused before the paid create; each language is paid for once per task instance
whatever retries, crashes and lost answers happen; results are saved verified and only ids and URIs go
to XCom.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred

from akool_test_support import (
    CREATE_ROUTE,
    LANGUAGES_ROUTE,
    AkoolObjects,
    a_try_that_loses_the_answer,
    control,
    fast_hook,
)
from akool_test_support import translate_operator as translate
from video_localization.akool.models import VideoJob, VideoStatus
from video_localization.akool.operators import (
    VIDEO_MODEL_IDS_XCOM_KEY,
    AkoolDownloadTranslationOperator,
    AkoolTranslateVideoOperator,
)
from video_localization.akool.sensors import AkoolTranslationSensor
from video_localization.akool.submission import (
    AkoolJobAlreadyExists,
    AkoolSubmitUnconfirmed,
    job_state_key,
    sent_state_key,
)
from video_localization.akool.triggers import AkoolTranslationTrigger
from video_localization.core.errors import (
    DownloadVerificationError,
    InvalidInputError,
    InvalidInputs,
    VendorJobFailed,
)
from video_localization.core.submit_once import idempotency_reference
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FakeTaskInstance, MemoryStateStore

ContextFactory = Callable[..., dict[str, Any]]
SAMPLE = media_dir() / "sample.mp4"


# -- bad input never reaches Akool --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "value", "allowed"),
    [
        ({"target_locales": ["xx-YY"]}, "target_languages", "xx-YY", "targets"),
        ({"target_locales": []}, "target_languages", [], "targets"),
        ({"target_locales": "fr-FR"}, "target_languages", "fr-FR", "targets"),
        ({"source_locale": "tlh"}, "source_language", "tlh", "targets"),
        ({"source_locale": "fr-FR"}, "target_languages", "fr-FR", "languages other than the source"),
        ({"face_enhance": True}, "face_enhance", True, "false unless lipsync is true"),
        ({"lipsync": "maybe"}, "lipsync", "maybe", "true or false"),
        ({"merge_interval": 0}, "merge_interval", 0, "a number > 0"),
        ({"source_url": "ftp://media.example/a.mp4"}, "source_url", "ftp://media.example/a.mp4", "url"),
        ({"source_url": str(SAMPLE)}, "source_url", str(SAMPLE), "url"),
        ({"webhook_url": "hooks.example/akool"}, "webhook_url", "hooks.example/akool", "url"),
        (
            {"lipsync": True, "media": {"duration_seconds": 61.5}},
            "media.duration_seconds",
            61.5,
            "<= 60 with lipsync",
        ),
        ({"media": {"fps": 59.94}}, "media.fps", 59.94, "<= 30"),
        ({"media": {"size_bytes": 400 * 1024 * 1024}}, "media.size_bytes", 419430400, "<= 314572800"),
        ({"media": {"has_audio": False}}, "media.has_audio", False, "true"),
        ({"media": {"colour": "red"}}, "media.colour", "red", "duration_seconds, fps, size_bytes, has_audio"),
        ({"probe_path": str(media_dir() / "sample_60fps.mp4")}, "media.fps", 60.0, "<= 30"),
        ({"probe_path": str(media_dir() / "sample_no_audio.mp4")}, "media.has_audio", False, "true"),
        (
            {"probe_path": str(media_dir() / "sample_over_60s.mp4"), "lipsync": True},
            "media.duration_seconds",
            62.0,
            "<= 60 with lipsync",
        ),
        ({"probe_path": "/no/such/video.mp4"}, "probe_path", "/no/such/video.mp4", "an existing MP4 file"),
        (
            {"probe_path": str(media_dir() / "catalogue.json")},
            "probe_path",
            str(media_dir() / "catalogue.json"),
            "an MP4 file",
        ),
        ({"video_model_ids": {"de-DE": "abc"}}, "video_model_ids", "de-DE", "fr-FR"),
        ({"video_model_ids": {"fr-FR": ""}}, "video_model_ids.fr-FR", "", "a non-empty Akool _id"),
    ],
)
def test_bad_input_is_rejected_before_any_call(
    akool: AkoolObjects,
    make_context: ContextFactory,
    overrides: dict[str, Any],
    field: str,
    value: Any,
    allowed: str,
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        translate(akool, **overrides).execute(make_context())
    error = caught.value
    assert (error.field, error.value) == (field, value)
    assert f"{field}={value!r} is not allowed" in str(error)
    if allowed == "targets":
        assert "fr-FR" in error.allowed.split(", ") and "xx-YY" not in error.allowed
    elif allowed == "url":
        assert error.allowed == "an absolute http:// or https:// URL"
    else:
        assert error.allowed == allowed
    assert akool.requests() == 0  # not even a token or the language list


def test_every_bad_field_is_reported_at_once(akool: AkoolObjects, make_context: ContextFactory) -> None:
    operator = translate(
        akool,
        source_url="/local/video.mp4",
        target_locales=["xx-YY", "fr-FR", "fr-FR"],
        face_enhance=True,
        media={"fps": 50.0, "has_audio": False},
    )
    with pytest.raises(InvalidInputs) as caught:
        operator.execute(make_context())
    assert [(e.field, e.value) for e in caught.value.errors] == [
        ("source_url", "/local/video.mp4"),
        ("target_languages", "xx-YY"),
        ("target_languages", "fr-FR"),  # listed twice
        ("face_enhance", True),
        ("media.has_audio", False),
        ("media.fps", 50.0),
    ]
    assert akool.requests() == 0


def test_known_media_within_the_limits_passes(akool: AkoolObjects, make_context: ContextFactory) -> None:
    operator = translate(
        akool,
        lipsync=True,
        face_enhance="true",
        probe_path=str(SAMPLE),
        media={"size_bytes": 1000},  # the caller's facts win over the probe's
        wait_for_completion=False,
    )
    plan, given = operator.plan()
    assert (plan.media.duration_seconds, plan.media.fps, plan.media.size_bytes, plan.media.has_audio) == (
        8.0,
        25.0,
        1000,
        True,
    )
    assert (plan.lipsync, plan.face_enhance, given) == (True, True, {})
    assert akool.requests() == 0


def test_a_language_missing_from_akools_live_list_is_refused_before_paying(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from video_localization_dev.sandbox.akool import routes

    monkeypatch.setattr(routes, "LANGUAGES", tuple(lang for lang in routes.LANGUAGES if lang[0] != "th"))
    with pytest.raises(InvalidInputError) as caught:
        translate(akool, target_locales=["fr-FR", "th-TH"]).execute(make_context())
    assert (caught.value.field, caught.value.value) == ("target_languages", "th-TH")
    assert "not in Akool's current language list" in str(caught.value)
    assert "th-TH" not in caught.value.allowed.split(", ") and "fr-FR" in caught.value.allowed
    assert akool.requests_to(LANGUAGES_ROUTE) == 1
    assert akool.requests_to(CREATE_ROUTE) == 0 and akool.created() == 0


# -- translate: one job per language, once -----------------------------------------------------------------
def test_several_languages_in_one_request_are_tracked_per_language(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    result = translate(akool, target_locales=["fr-FR", "de-DE", "ja-JP"]).execute(context)
    ids = result["video_model_ids"]
    assert list(ids) == ["fr-FR", "de-DE", "ja-JP"] and len(set(ids.values())) == 3
    assert result["statuses"] == {"fr-FR": "completed", "de-DE": "completed", "ja-JP": "completed"}
    for tag, code in (("fr-FR", "fr"), ("de-DE", "de"), ("ja-JP", "ja")):
        job = akool.hook.get_video_info(ids[tag])
        assert (job.language, job.video_status) == (code, VideoStatus.COMPLETED)
    assert akool.requests_to(CREATE_ROUTE) == 1  # one comma-separated request
    assert akool.created() == 3
    assert context["ti"].pushed == [(VIDEO_MODEL_IDS_XCOM_KEY, ids)]  # before waiting, ids only
    store = context["task_state_store"]
    assert {tag: store.get(job_state_key(tag)) for tag in ids} == ids
    assert all(store.get(sent_state_key(tag))["state"] == "answered" for tag in ids)


def test_one_request_per_language_when_asked(akool: AkoolObjects, make_context: ContextFactory) -> None:
    result = translate(akool, target_locales=["fr-FR", "es-ES"], one_request=False).execute(make_context())
    assert set(result["video_model_ids"]) == {"fr-FR", "es-ES"}
    assert akool.requests_to(CREATE_ROUTE) == 2
    assert akool.created() == 2


def test_a_retried_task_reattaches_through_the_state_store(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    first = translate(akool, target_locales=["fr-FR", "de-DE"]).execute(context)
    again = translate(akool, target_locales=["fr-FR", "de-DE"]).execute(context)
    assert again == first
    assert akool.created() == 2
    assert akool.requests_to(CREATE_ROUTE) == 1


def test_a_failed_job_fails_the_task_and_only_its_retry_pays_again(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    silent = translate(akool, source_url=akool.media_url("sample_silent.mp4"), target_locales=["fr-FR"])
    with pytest.raises(VendorJobFailed) as caught:
        silent.execute(context)
    assert caught.value.code == 1201
    failed_id = context["task_state_store"].get(job_state_key("fr-FR"))
    assert f"fr-FR (job {failed_id}) failed: 1201: create audio error: no speech" in caught.value.message

    # The same task instance retried: the recorded job failed, so it is not reattached to; a fresh one
    # is paid for (what the user retried for).
    retried = translate(akool, source_url=akool.media_url("sample_silent.mp4"), target_locales=["fr-FR"])
    with pytest.raises(VendorJobFailed):
        retried.execute(context)
    assert context["task_state_store"].get(job_state_key("fr-FR")) != failed_id
    assert akool.created() == 2


def test_each_mapped_task_instance_gets_its_own_jobs(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    ids = {
        translate(akool).execute(make_context(FakeTaskInstance(map_index=index)))["video_model_ids"]["fr-FR"]
        for index in (0, 1)
    }
    assert len(ids) == 2
    assert akool.created() == 2


def test_try_again_later_is_retried_by_the_operator(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    control(akool.sandbox, "busy", {"times": 2, "code": 1201})
    result = translate(akool).execute(make_context())
    assert result["statuses"] == {"fr-FR": "completed"}
    assert akool.requests_to(CREATE_ROUTE) == 3
    assert akool.created() == 1


def test_a_lost_answer_stops_the_retry_instead_of_paying_twice(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    lost = a_try_that_loses_the_answer(translate(akool), context, monkeypatch)
    store = context["task_state_store"]
    assert store.get(job_state_key("fr-FR")) is None
    assert store.get(sent_state_key("fr-FR"))["state"] == "sent"  # the write-ahead marker stays open
    assert context["ti"].pushed == []

    with pytest.raises(AkoolSubmitUnconfirmed) as caught:  # asked to fail rather than ask a person
        translate(akool, ask_when_unconfirmed=False).execute(context)
    assert "a create for fr-FR was sent to Akool at" in str(caught.value)
    assert "video_model_ids={'fr-FR': '<_id>'}" in str(caught.value)
    assert akool.created() == 1 and akool.requests_to(CREATE_ROUTE) == 1

    # Found in Akool's dashboard: the user passes the id, the task reattaches and pays nothing more.
    lost_id = lost[0][0].data.id
    result = translate(akool, video_model_ids={"fr-fr": lost_id}).execute(context)
    assert result["video_model_ids"] == {"fr-FR": lost_id}
    assert store.get(job_state_key("fr-FR")) == lost_id
    assert akool.created() == 1


def test_resubmit_unconfirmed_accepts_paying_twice(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    a_try_that_loses_the_answer(translate(akool), context, monkeypatch)
    result = translate(akool, resubmit_unconfirmed=True).execute(context)
    assert result["statuses"] == {"fr-FR": "completed"}
    assert akool.created() == 2  # the documented price of the choice


def test_a_lost_lipsync_answer_is_resent_and_akools_1202_prevents_a_second_job(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    lost = a_try_that_loses_the_answer(translate(akool, lipsync=True), context, monkeypatch)

    with pytest.raises(AkoolJobAlreadyExists) as caught:
        translate(akool, lipsync=True).execute(context)
    message = str(caught.value)
    assert "Akool already has a lip-synced translation of this video into fr-FR (code 1202" in message
    assert "video_model_ids={'fr-FR': '<_id from Akool's dashboard>'}" in message
    assert akool.requests_to(CREATE_ROUTE) == 2  # sent again: refused, not paid
    assert akool.created() == 1

    result = translate(akool, lipsync=True, video_model_ids={"fr-FR": lost[0][0].data.id}).execute(context)
    assert result["statuses"] == {"fr-FR": "completed"}
    assert akool.created() == 1


def test_1202_for_one_language_keeps_the_others(akool: AkoolObjects, make_context: ContextFactory) -> None:
    translate(akool, lipsync=True).execute(make_context(FakeTaskInstance(run_id="an earlier run")))
    context = make_context()
    with pytest.raises(AkoolJobAlreadyExists, match="into fr-FR"):
        translate(akool, lipsync=True, target_locales=["fr-FR", "de-DE"]).execute(context)
    store = context["task_state_store"]
    de_id = store.get(job_state_key("de-DE"))
    assert de_id and store.get(job_state_key("fr-FR")) is None
    assert context["ti"].pushed == [(VIDEO_MODEL_IDS_XCOM_KEY, {"de-DE": de_id})]
    assert akool.created() == 2  # fr-FR from the earlier run, de-DE now


def test_1202_reattaches_to_the_job_this_task_recorded(
    akool: AkoolObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from video_localization.akool import submission

    context = make_context()
    first = translate(akool, lipsync=True).execute(context)
    # Pretend the completed job's result is past Akool's lifetime: a retry would pay for a fresh one,
    # but Akool refuses a second lipsync (1202), so the task goes back to the job it has.
    monkeypatch.setattr(submission, "RESULT_LIFETIME", timedelta(0))
    again = translate(akool, lipsync=True).execute(context)
    assert again == first
    assert akool.requests_to(CREATE_ROUTE) == 2
    assert akool.created() == 1


def test_given_ids_must_be_translations_into_that_language(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    german = akool.create(languages=("de",)).data.id
    with pytest.raises(InvalidInputError, match="that job translates into 'de'"):
        translate(akool, video_model_ids={"fr-FR": german}).execute(make_context())
    with pytest.raises(InvalidInputError, match="ids of existing Akool jobs"):
        translate(akool, video_model_ids={"fr-FR": "000000000000000000000000"}).execute(make_context())
    assert akool.requests_to(CREATE_ROUTE) == 1  # the test's own


def test_without_waiting_the_ids_come_back_at_once(akool: AkoolObjects, make_context: ContextFactory) -> None:
    akool.sandbox.sandbox.settings.step_seconds = 5.0
    result = translate(akool, wait_for_completion=False, source_locale="auto").execute(make_context())
    job = akool.hook.get_video_info(result["video_model_ids"]["fr-FR"])
    assert (job.video_status, job.source_language) == (VideoStatus.QUEUEING, "DEFAULT")
    assert result["statuses"] == {}


def test_deferrable_defers_to_the_trigger_and_resumes_from_its_event(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    akool.sandbox.sandbox.settings.step_seconds = 5.0
    operator = translate(akool, target_locales=["fr-FR", "de-DE"], deferrable=True, webhook_url=None)
    context = make_context()
    with pytest.raises(TaskDeferred) as caught:
        operator.execute(context)
    trigger = caught.value.trigger
    assert isinstance(trigger, AkoolTranslationTrigger)
    ids = context["ti"].pushed_value(VIDEO_MODEL_IDS_XCOM_KEY)
    assert trigger.serialize()[1]["video_model_ids"] == ids
    assert caught.value.method_name == "execute_complete"
    success = {"status": "success", "video_model_ids": ids, "statuses": dict.fromkeys(ids, "completed")}
    assert operator.execute_complete(context, success) == {
        "video_model_ids": ids,
        "statuses": success["statuses"],
    }
    failed = {"status": "failed", "vendor": "akool", "message": "fr-FR failed", "error_code": 1201}
    with pytest.raises(VendorJobFailed, match="fr-FR failed"):
        operator.execute_complete(context, failed)


def test_the_webhook_url_defaults_to_the_connections_extra(
    sandbox: RunningSandbox, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from akool_test_support import akool_connection_json

    monkeypatch.setenv(
        "AIRFLOW_CONN_AKOOL_HOOKED", akool_connection_json(sandbox, webhook_url="http://127.0.0.1:9/hook")
    )
    operator = AkoolTranslateVideoOperator(
        task_id="t",
        source_url="https://v.example/a.mp4",
        target_locales=["fr-FR"],
        akool_conn_id="akool_hooked",
    )
    plan, _ = operator.plan()
    assert plan.webhook_url == "http://127.0.0.1:9/hook"
    assert plan.request(["fr-FR"]).wire()["webhookUrl"] == "http://127.0.0.1:9/hook"


# -- download ------------------------------------------------------------------------------------------------
def download(job_id: str, output: Path, **overrides: Any) -> AkoolDownloadTranslationOperator:
    operator = AkoolDownloadTranslationOperator(
        task_id="download", video_model_id=job_id, output_dir=str(output), **overrides
    )
    operator.__dict__["hook"] = fast_hook()
    return operator


def test_download_saves_the_video_verified_and_returns_only_uris(
    akool: AkoolObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    job = akool.completed_job("de")
    output = tmp_path / "run" / "de-DE"
    result = download(job.id, output).execute(make_context())
    sample = SAMPLE.read_bytes()
    assert sorted(p.name for p in output.iterdir()) == ["video.mp4"]  # nothing half-written
    assert (output / "video.mp4").read_bytes() == sample
    [video] = result["files"]
    assert video == {
        "uri": (output / "video.mp4").as_uri(),
        "name": "video.mp4",
        "size_bytes": len(sample),
        "sha256": hashlib.sha256(sample).hexdigest(),
        "content_type": "video/mp4",
    }
    assert (result["locale"], result["job_id"]) == ("de-DE", job.id)
    assert "signature=" not in json.dumps(result)


def test_download_of_a_lipsync_job_takes_the_lipsync_video(
    akool: AkoolObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    job = akool.completed_job(lipsync=True)
    download(job.id, tmp_path, locale="fr-FR").execute(make_context())
    assert akool.requests_to("GET /akool/cdn/{job_id}/{file_name}") == 1
    assert job.lipsync_video_url and "-lipsync.mp4" in job.lipsync_video_url


def test_download_refuses_a_job_that_is_not_completed(
    akool: AkoolObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    akool.sandbox.sandbox.settings.step_seconds = 5.0
    job = akool.create().data
    with pytest.raises(AirflowException, match="is queueing with no result link"):
        download(job.id, tmp_path).execute(make_context())
    akool.sandbox.sandbox.settings.step_seconds = 0.05
    failed = akool.wait_job(akool.create("sample_silent.mp4", languages=("de",)).data.id)
    with pytest.raises(AirflowException, match="is failed with no result link"):
        download(failed.id, tmp_path).execute(make_context())
    assert list(tmp_path.iterdir()) == []


def with_extra(job: VideoJob, **fields: Any) -> VideoJob:
    return VideoJob.model_validate({**job.model_dump(by_alias=True), **fields})


def test_download_rejects_a_result_that_is_not_a_video(
    akool: AkoolObjects, make_context: ContextFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = akool.completed_job()
    operator = download(job.id, tmp_path)
    for name in ("catalogue.json", "sample_audio_only.mp4"):  # not an MP4; an MP4 without video
        broken = with_extra(job, video=akool.media_url(name))
        monkeypatch.setattr(operator.hook, "get_video_info", lambda _id, broken=broken: broken)
        with pytest.raises(DownloadVerificationError):
            operator.execute(make_context())
        assert list(tmp_path.iterdir()) == []


@pytest.fixture
def srt_server() -> Iterator[str]:
    """A tiny HTTP server answering one SRT, standing in for a subtitle link."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"1\n00:00:00,000 --> 00:00:02,000\nBonjour et bienvenue.\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/x-subrip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/result.srt?signature=x"
    server.shutdown()
    server.server_close()


def test_download_saves_a_subtitle_file_when_akool_gives_one(
    akool: AkoolObjects,
    make_context: ContextFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    srt_server: str,
) -> None:
    job = akool.completed_job()
    operator = download(job.id, tmp_path)
    monkeypatch.setattr(operator.hook, "get_video_info", lambda _id: with_extra(job, srt_url=srt_server))
    result = operator.execute(make_context())
    assert [stored["name"] for stored in result["files"]] == ["video.mp4", "fr-FR.srt"]
    assert "Bonjour et bienvenue." in (tmp_path / "fr-FR.srt").read_text()
    assert "signature=" not in json.dumps(result)


# -- sensor (poke mode) --------------------------------------------------------------------------------------
SENSOR = {"mode": "poke", "poke_interval": 0.05, "timeout": 20, "deferrable": False}


def test_sensor_pokes_until_every_language_is_completed(
    akool: AkoolObjects, make_context: ContextFactory
) -> None:
    settings = akool.sandbox.sandbox.settings
    settings.step_seconds = 3600  # not done at the first poke, however loaded the machine
    answer = akool.create(languages=("fr", "de"))
    ids = {"fr-FR": answer.all_results[0].data["_id"], "de-DE": answer.all_results[1].data["_id"]}
    sensor = AkoolTranslationSensor(task_id="done", video_model_ids=ids, **SENSOR)
    assert sensor.poke(make_context()) is False
    settings.step_seconds = 0.05  # the sandbox counts stages when read: now they pass
    result = sensor.execute(make_context())
    assert result["status"] == "success"
    assert result["statuses"] == {"fr-FR": "completed", "de-DE": "completed"}
    assert result["video_model_ids"] == ids


def test_sensor_fails_on_a_failed_job(akool: AkoolObjects, make_context: ContextFactory) -> None:
    job = akool.wait_job(akool.create("sample_silent.mp4").data.id)
    sensor = AkoolTranslationSensor(task_id="done", video_model_ids={"fr-FR": job.id}, **SENSOR)
    with pytest.raises(VendorJobFailed, match="no speech") as caught:
        sensor.poke(make_context())
    assert caught.value.code == 1201


def test_sensor_defers_when_asked(akool: AkoolObjects, make_context: ContextFactory) -> None:
    akool.sandbox.sandbox.settings.step_seconds = 5.0
    job = akool.create().data
    sensor = AkoolTranslationSensor(
        task_id="done", video_model_ids={"fr-FR": job.id}, poke_interval=1, timeout=60, deferrable=True
    )
    with pytest.raises(TaskDeferred) as caught:
        sensor.execute(make_context())
    assert caught.value.trigger.serialize()[1]["video_model_ids"] == {"fr-FR": job.id}


def test_the_reference_is_per_task_instance(make_context: ContextFactory) -> None:
    store = MemoryStateStore()
    first = idempotency_reference(make_context(FakeTaskInstance(map_index=0), store))
    assert first != idempotency_reference(make_context(FakeTaskInstance(map_index=1), store))
