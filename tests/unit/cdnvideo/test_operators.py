"""CDNvideo operators and the sensor, run with a fake task context against the sandbox.

What they promise: bad input never reaches the vendor (the error names field, value and what is
allowed); a generate spends one request per task instance whatever retries and crashes happen; the
video is archived at once, verified, and only ids and URIs go to XCom; a killed task cancels its video.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred

from cdnvideo_support import (
    ROUTE,
    TOKEN_ROUTE,
    CDNVideoObjects,
)
from video_localization.cdnvideo.models import TaskStatus
from video_localization.cdnvideo.operators import (
    JOB_ID_XCOM_KEY,
    JOB_STATE_KEY,
    SUBMIT_STARTED_KEY,
    CDNVideoCancelTaskOperator,
    CDNVideoDeleteVideoOperator,
    CDNVideoDownloadOperator,
    CDNVideoGenerateOperator,
    CDNVideoListTasksOperator,
    CDNVideoRenameOperator,
    tagged_name,
)
from video_localization.cdnvideo.sensors import CDNVideoTaskSensor
from video_localization.cdnvideo.triggers import CDNVideoTaskTrigger
from video_localization.core.errors import InvalidInputError, InvalidInputs, VendorError, VendorJobFailed
from video_localization.core.submit_once import idempotency_reference
from video_localization_dev.media import media_dir
from vloc_test_support import FakeTaskInstance, MemoryStateStore

#: Poll the sandbox every 50 ms instead of every 10 s, and wait here instead of in the triggerer.
QUICK = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 20}
TASKS = ROUTE.format(method="GET", tail="tasks")
SAMPLE = (media_dir() / "sample.mp4").read_bytes()
ContextFactory = Callable[..., dict[str, Any]]


def generate_operator(**overrides: Any) -> CDNVideoGenerateOperator:
    arguments: dict[str, Any] = {
        "task_id": "generate",
        "script": "Hello! This is the text I am speaking.",
        "video_name": "Launch video",
        "actor": "Natalia",
        "shot": "waist",
        "voice": "Sara",
        **QUICK,
    }
    arguments.update(overrides)
    return CDNVideoGenerateOperator(**arguments)


# -- bad input never reaches the vendor --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"script": "a" * 3001}, "script", "3001 characters"),
        ({"script": "<speak>Hi <break time='1s'></speak>"}, "script", "SSML is not well formed"),
        ({"video_name": "n" * 36}, "video_name", "36 characters"),
        ({"actor": ""}, "actor", "a name from the account's configurations"),
        ({"size": "8K"}, "size", "allowed: SD, HD, FullHD, 4K"),
        ({"locale": "xx-XX"}, "locale", "allowed: ru-RU, en-US"),
        (
            {"voice": None, "voice_gender": "robot", "locale": "de-DE"},
            "voice_gender",
            "allowed: female, male",
        ),
        ({"voice": None}, "voice", "a voice name, or a locale to choose one for"),
    ],
)
def test_bad_input_is_refused_before_any_call(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory, overrides: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        generate_operator(**overrides).execute(make_context())
    assert caught.value.field == field and words in str(caught.value)
    assert cdnvideo.vendor_requests() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "value", "allowed"),
    [
        ({"voice": "Nobody"}, "voice", "Nobody", "Alena, Colette, Denise"),
        ({"voice": "Sara", "locale": "de-DE"}, "voice", "Sara", "Katja"),
        ({"shot": "full", "background": "globe"}, "background", "globe", "green_screen, office, studio"),
        ({"voice": "Sara", "emotion": "good"}, "emotion", "good", "neutral"),
        ({"actor": "Boris"}, "actor", "Boris", "Anna, Mikhail, Natalia"),
    ],
)
def test_misfits_with_the_live_configurations_are_refused_before_the_post(
    cdnvideo: CDNVideoObjects,
    make_context: ContextFactory,
    overrides: dict[str, Any],
    field: str,
    value: str,
    allowed: str,
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        generate_operator(**overrides).execute(make_context())
    assert (caught.value.field, caught.value.value) == (field, value)
    assert caught.value.allowed.startswith(allowed)
    assert cdnvideo.posts() == 0 and cdnvideo.created() == 0
    assert cdnvideo.counters()["requests"] == {
        TOKEN_ROUTE: 1,
        ROUTE.format(method="GET", tail="configurations"): 1,
    }


def test_every_bad_field_is_reported_at_once(cdnvideo: CDNVideoObjects, make_context: ContextFactory) -> None:
    with pytest.raises(InvalidInputs) as caught:
        generate_operator(script="", video_name="n" * 40, shot=None, locale="xx-XX").execute(make_context())
    assert [e.field for e in caught.value.errors] == ["shot", "script", "video_name", "locale"]
    assert cdnvideo.vendor_requests() == 0


def test_a_used_up_quota_stops_before_the_post(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    cdnvideo.control("quota", {"used": 1500})
    with pytest.raises(VendorError, match="monthly requests are used up"):
        generate_operator().execute(make_context())
    assert cdnvideo.posts() == 0


# -- generate once -------------------------------------------------------------------------------------------
def test_generate_waits_until_processed_and_records_its_task(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    result = generate_operator(locale="en-US").execute(context)
    job_id = result["job_id"]
    reference = idempotency_reference(context, length=10)
    assert result == {
        "job_id": job_id,
        "locale": "en-US",
        "video_name": f"Launch video {reference}",
        "status": "processed",
        "attempts": 1,
        "submitted_at": context["task_state_store"].get(SUBMIT_STARTED_KEY),
        "processed_at": result["processed_at"],
    }
    assert len(result["video_name"]) <= 35
    assert context["ti"].pushed == [(JOB_ID_XCOM_KEY, job_id)]
    assert context["task_state_store"].get(JOB_STATE_KEY) == job_id
    assert cdnvideo.created() == 1
    assert cdnvideo.requests_to(TASKS) == 0  # a first try has nothing to look up
    [row] = cdnvideo.hook.list_tasks(fields=["video_name", "voice_name"])
    assert (row.id, row.video_name, row.voice_name) == (job_id, result["video_name"], "Sara")


def test_a_retried_generate_reattaches_through_the_state_store(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    first = generate_operator().execute(context)
    second = generate_operator().execute(context)
    assert second["job_id"] == first["job_id"]
    assert cdnvideo.posts() == 1 and cdnvideo.created() == 1


def test_a_crash_between_the_202_and_the_state_store_is_covered_by_the_list(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    first_store = MemoryStateStore()
    first = generate_operator().execute(make_context(FakeTaskInstance(), first_store))
    # The next try of the same task instance finds only what was written before the POST.
    crashed = MemoryStateStore()
    crashed.set(SUBMIT_STARTED_KEY, first_store.get(SUBMIT_STARTED_KEY))
    second = generate_operator().execute(make_context(FakeTaskInstance(), crashed))
    assert second["job_id"] == first["job_id"]
    assert crashed.get(JOB_STATE_KEY) == first["job_id"]
    assert cdnvideo.posts() == 1 and cdnvideo.created() == 1
    assert cdnvideo.requests_to(TASKS) == 1


def test_without_a_state_store_the_list_is_searched_over_a_day(cdnvideo: CDNVideoObjects) -> None:
    context = {"ti": FakeTaskInstance()}
    first = generate_operator().execute(context)
    second = generate_operator().execute(context)
    assert second["job_id"] == first["job_id"] and cdnvideo.created() == 1


def test_each_mapped_task_instance_gets_its_own_task(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    ids = {generate_operator().execute(make_context(FakeTaskInstance(map_index=i)))["job_id"] for i in (0, 1)}
    assert len(ids) == 2 and cdnvideo.created() == 2


def test_a_canceled_task_is_not_reattached_to(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    context = make_context()
    outcome: dict[str, Any] = {}
    runner = threading.Thread(
        target=lambda: outcome.update(error=_raises(generate_operator().execute, context))
    )
    runner.start()
    canceled = _wait_for(lambda: context["task_state_store"].get(JOB_STATE_KEY))
    cdnvideo.hook.cancel(canceled)  # e.g. by someone in CDNvideo's web UI
    runner.join(10)
    assert isinstance(outcome["error"], VendorJobFailed)
    cdnvideo.sandbox.sandbox.settings.step_seconds = 0.05
    retry = generate_operator().execute(context)  # the user retries: that is a request for a new video
    assert retry["job_id"] != canceled
    assert context["task_state_store"].get(JOB_STATE_KEY) == retry["job_id"]
    assert cdnvideo.created() == 2


def test_a_voice_is_chosen_from_the_live_configurations(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    result = generate_operator(voice=None, locale="en-GB").execute(make_context())
    [row] = cdnvideo.hook.list_tasks(fields=["voice_name"], job_id=result["job_id"])
    assert row.voice_name == "Mia"


def test_deferrable_generate_hands_the_wait_to_the_trigger(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 0.3
    context = make_context()
    operator = generate_operator(
        deferrable=True, actor={"name": "Natalia", "shot": "waist", "version": "latest"}
    )
    with pytest.raises(TaskDeferred) as caught:
        operator.execute(context)
    trigger = caught.value.trigger
    assert isinstance(trigger, CDNVideoTaskTrigger) and trigger.cancel_on_kill
    job_id = context["task_state_store"].get(JOB_STATE_KEY)
    assert trigger.job_id == job_id and context["ti"].pushed == [(JOB_ID_XCOM_KEY, job_id)]
    assert caught.value.method_name == "execute_complete"
    cdnvideo.wait(job_id, TaskStatus.PROCESSED)
    event = {"status": "success", "job_id": job_id, "vendor_status": "processed", "attempts": 1}
    assert operator.execute_complete(context, event)["job_id"] == job_id
    with pytest.raises(VendorJobFailed, match="canceled by user request"):
        operator.execute_complete(
            context, {"status": "failed", "job_id": job_id, "message": "canceled by user request"}
        )


def test_on_kill_while_waiting_in_the_worker_cancels_the_video(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    context = make_context()
    operator = generate_operator()
    outcome: dict[str, Any] = {}
    runner = threading.Thread(target=lambda: outcome.update(error=_raises(operator.execute, context)))
    runner.start()
    job_id = _wait_for(lambda: context["ti"].pushed_value(JOB_ID_XCOM_KEY))
    operator.on_kill()
    runner.join(10)
    task = cdnvideo.hook.get_status(job_id)
    assert (task.status, task.message) == (TaskStatus.CANCELED, "canceled by user request")
    assert isinstance(outcome["error"], VendorJobFailed) and "canceled by user request" in str(
        outcome["error"]
    )


# -- download, rename, delete, cancel, list -----------------------------------------------------------------
def processed(cdnvideo: CDNVideoObjects, **changes: Any) -> str:
    job_id = cdnvideo.generate(**changes)
    cdnvideo.wait(job_id, TaskStatus.PROCESSED)
    return job_id


def test_download_archives_the_video_verified_and_returns_only_uris(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    job_id = processed(cdnvideo)
    result = CDNVideoDownloadOperator(
        task_id="download", job_id=job_id, locale="en-US", output_dir=str(tmp_path / "en-US")
    ).execute(make_context())
    saved = tmp_path / "en-US" / "video.mp4"
    assert saved.read_bytes() == SAMPLE
    assert result["files"] == [
        {
            "uri": saved.as_uri(),
            "name": "video.mp4",
            "size_bytes": len(SAMPLE),
            "sha256": hashlib.sha256(SAMPLE).hexdigest(),
            "content_type": "video/mp4",
        }
    ]
    assert (result["locale"], result["job_id"], result["renamed_to"], result["remote_deleted"]) == (
        "en-US",
        job_id,
        None,
        False,
    )
    assert "signature" not in str(result)  # the signed link never reaches XCom
    assert [p.name for p in (tmp_path / "en-US").iterdir()] == ["video.mp4"]  # no partial files left


def test_download_then_rename_and_delete_at_the_vendor_and_a_retry_keeps_the_archive(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    job_id = processed(cdnvideo)
    download = {"task_id": "download", "job_id": job_id, "output_dir": str(tmp_path), "delete_remote": True}
    result = CDNVideoDownloadOperator(rename_to="Launch", **download).execute(make_context())
    assert (result["renamed_to"], result["remote_deleted"]) == ("Launch", True)
    with pytest.raises(VendorError, match="no such video"):
        cdnvideo.hook.get_video_url(job_id)
    again = CDNVideoDownloadOperator(**download).execute(make_context())  # the try died after the delete
    assert again["files"] == result["files"] and again["remote_deleted"] is True
    with pytest.raises(VendorError, match="no such video"):  # without an archive, the error stands
        CDNVideoDownloadOperator(**{**download, "output_dir": str(tmp_path / "other")}).execute(
            make_context()
        )
    with pytest.raises(InvalidInputError, match="rename_to"):
        CDNVideoDownloadOperator(rename_to="n" * 36, **download).execute(make_context())


def test_a_video_not_ready_is_not_downloaded(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    output = tmp_path / "out"
    operator = CDNVideoDownloadOperator(
        task_id="download", job_id=cdnvideo.generate(), output_dir=str(output)
    )
    with pytest.raises(VendorError, match="video is not ready"):
        operator.execute(make_context())
    assert not output.exists()


def test_rename_delete_cancel_and_list_operators(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    job_id = processed(cdnvideo, video_name="first")
    context = make_context()
    renamed = CDNVideoRenameOperator(task_id="rename", job_id=job_id, video_name="Final").execute(context)
    assert renamed == {"job_id": job_id, "video_name": "Final"}
    rows = CDNVideoListTasksOperator(task_id="list", fields=["video_name"]).execute(context)
    assert [(row["id"], row["video_name"]) for row in rows] == [(job_id, "Final")]
    assert "video_url" not in rows[0]  # links are IP-bound credentials for 6 hours: not for XCom
    with pytest.raises(InvalidInputError, match="fields='colour'"):
        CDNVideoListTasksOperator(task_id="list", fields=["colour"]).execute(context)
    delete = CDNVideoDeleteVideoOperator(task_id="delete", job_id=job_id)
    assert delete.execute(context) == {"job_id": job_id, "deleted": True}
    assert delete.execute(context) == {"job_id": job_id, "deleted": True}  # a retried delete succeeds
    with pytest.raises(VendorError, match="no such video"):
        CDNVideoDeleteVideoOperator(task_id="delete", job_id=job_id, missing_ok=False).execute(context)
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    queued = cdnvideo.generate()
    assert CDNVideoCancelTaskOperator(task_id="cancel", job_id=queued).execute(context) == {
        "job_id": queued,
        "status": "canceled",
    }
    with pytest.raises(InvalidInputError):
        CDNVideoRenameOperator(task_id="rename", job_id=job_id, video_name="n" * 36).execute(context)


# -- sensor -------------------------------------------------------------------------------------------------
def sensor(job_id: str, **kwargs: Any) -> CDNVideoTaskSensor:
    return CDNVideoTaskSensor(task_id="wait", job_id=job_id, poke_interval=0.05, timeout=10, **kwargs)


def test_sensor_in_poke_mode(cdnvideo: CDNVideoObjects, make_context: ContextFactory) -> None:
    job_id = cdnvideo.generate()
    result = sensor(job_id, mode="poke", deferrable=False).execute(make_context())
    assert (result["job_id"], result["vendor_status"], result["attempts"]) == (job_id, "processed", 1)
    failing = cdnvideo.generate(script="<speak><p>Hello</speak>")
    with pytest.raises(VendorJobFailed, match="invalid SSML"):
        sensor(failing, mode="poke", deferrable=False).execute(make_context())


def test_deferrable_sensor_defers_without_cancel_on_kill(
    cdnvideo: CDNVideoObjects, make_context: ContextFactory
) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    with pytest.raises(TaskDeferred) as caught:
        sensor(cdnvideo.generate(), deferrable=True).execute(make_context())
    assert isinstance(caught.value.trigger, CDNVideoTaskTrigger)
    assert caught.value.trigger.cancel_on_kill is False  # watching a task does not own it
    with pytest.raises(AirflowException, match="waiting on the vendor failed"):
        sensor("x").execute_complete(make_context(), {"status": "error", "message": "boom"})


def test_tagged_names_fit_the_vendors_limit() -> None:
    reference = "vloc-0123456789"
    assert tagged_name("Launch", reference) == "Launch vloc-0123456789"
    long = tagged_name("A rather long video name of 35 chr", reference)
    assert len(long) == 35 and long.endswith(reference)


# -- helpers ----------------------------------------------------------------------------------------------
def _raises(function: Callable[..., Any], *args: Any) -> BaseException | None:
    try:
        function(*args)
    except BaseException as error:  # handed to the test thread to assert on
        return error
    return None


def _wait_for(probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while (value := probe()) is None:
        if time.monotonic() > deadline:
            pytest.fail("not reached in time")
        time.sleep(0.02)
    return value
