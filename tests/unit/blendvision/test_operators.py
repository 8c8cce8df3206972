"""BlendVision operators and sensor, run with a fake task context against the sandbox.

What they promise: bad input never reaches the vendor (the sandbox counter stays 0); an upload and a
dubbing job happen once per task instance, whatever retries and crashes happen around them (the
sandbox's `created` counter proves it); one job per target language; a failed job's every error info
is in the task's error; results are saved verified and only ids and URIs go to XCom.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fsspec
import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred
from airflow.sdk.io import attach

from blendvision_support import (
    QUICK,
    BlendVisionObjects,
)
from video_localization.blendvision.job_ids import JOB_ID_PATTERN, dubbing_job_id, fit_job_id
from video_localization.blendvision.models import DubbingStatus
from video_localization.blendvision.operators import (
    JOB_STATE_KEY,
    UPLOAD_STATE_KEY,
    BlendVisionDownloadOutputOperator,
    BlendVisionDubbingJobOperator,
    BlendVisionUploadSourceOperator,
)
from video_localization.blendvision.sensors import BlendVisionDubbingJobSensor
from video_localization.blendvision.triggers import BlendVisionDubbingJobTrigger
from video_localization.blendvision.validation import validate_dubbing_request
from video_localization.core.errors import InvalidInputError, InvalidInputs, VendorError, VendorJobFailed
from video_localization.core.submit_once import idempotency_reference
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.blendvision.iso_codes import lang_code_problem
from video_localization_dev.sandbox.state import Fault
from vloc_test_support import FakeTaskInstance, MemoryStateStore

SAMPLE = media_dir() / "sample.mp4"
SAMPLE_SHA256 = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
ContextFactory = Callable[..., dict[str, Any]]
JOBS_ROUTE = "POST /blendvision/bv/cms/v1/dubbing-jobs"
PUT_ROUTE = "PUT /blendvision/_storage/uploads/{upload_id}/parts/{part_number}"


def dub_operator(source_file_id: str, **overrides: Any) -> BlendVisionDubbingJobOperator:
    arguments: dict[str, Any] = {
        "task_id": "dub",
        "source_file_id": source_file_id,
        "source_language": "en-US",
        "target_language": "fr-FR",
        **QUICK,
    }
    arguments.update(overrides)
    return BlendVisionDubbingJobOperator(**arguments)


def upload_operator(source_path: str = str(SAMPLE), **overrides: Any) -> BlendVisionUploadSourceOperator:
    return BlendVisionUploadSourceOperator(task_id="upload", source_path=source_path, **overrides)


# -- bad input never reaches the vendor ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "value", "words"),
    [
        ({"target_language": "xx-YY"}, "target_language", "xx-YY", "fr-FR"),
        ({"target_language": "fil-PH"}, "target_language", "fil-PH", "does not dub into it"),
        ({"target_language": "en-US"}, "target_language", "en-US", "same as the source"),
        ({"source_language": "klingon"}, "source_language", "klingon", "does not dub from it"),
        ({"source_type": "slides"}, "source_type", "slides", "DUBBING_SOURCE_TYPE_VIDEO"),
        ({"source_file_id": ""}, "source_file_id", "", "the library file id of an upload"),
        ({"start_time": "1,5", "end_time": 3}, "start_time", "1,5", "only '.' separates"),
        ({"start_time": "1.0005", "end_time": 3}, "start_time", "1.0005", "finer than a millisecond"),
        ({"start_time": -1, "end_time": 3}, "start_time", -1, "negative"),
        ({"start_time": "4", "end_time": "2.5"}, "end_time", "2.5", "a number of seconds > 4"),
        ({"start_time": 1}, "end_time", None, "given with start_time"),
        ({"end_time": "NaN"}, "start_time", None, "given with end_time"),
    ],
)
def test_bad_dubbing_input_is_rejected_before_any_call(
    bv: BlendVisionObjects,
    make_context: ContextFactory,
    overrides: dict[str, Any],
    field: str,
    value: Any,
    words: str,
) -> None:
    operator = dub_operator(overrides.pop("source_file_id", "file-1"), **overrides)
    with pytest.raises((InvalidInputError, InvalidInputs)) as caught:
        operator.execute(make_context())
    errors = caught.value.errors if isinstance(caught.value, InvalidInputs) else [caught.value]
    assert (errors[0].field, errors[0].value) == (field, value)
    assert words in str(caught.value)
    assert bv.requests() == 0


def test_every_bad_dubbing_field_is_reported_at_once(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    operator = dub_operator("", source_language="xx", target_language="yy", source_type="x", end_time="e")
    with pytest.raises(InvalidInputs) as caught:
        operator.execute(make_context())
    assert [e.field for e in caught.value.errors] == [
        "source_file_id",
        "source_type",
        "source_language",
        "target_language",
        "start_time",
        "end_time",
    ]
    assert bv.requests() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"source_path": "/no/such/video.mp4"}, "source_path", "no such file"),
        ({"source_path": "https://media.example/launch.mp4"}, "source_path", "object-storage URI"),
        ({"source_path": str(media_dir() / "catalogue.json")}, "file_name", "not a video file name"),
        ({"file_name": "launch.txt"}, "file_name", "not a video file name"),
        ({"file_type": "image"}, "file_type", "FILE_TYPE_AUDIO"),
    ],
)
def test_bad_upload_input_is_rejected_before_any_call(
    bv: BlendVisionObjects, make_context: ContextFactory, overrides: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises((InvalidInputError, InvalidInputs)) as caught:
        upload_operator(**overrides).execute(make_context())
    errors = caught.value.errors if isinstance(caught.value, InvalidInputs) else [caught.value]
    assert errors[0].field == field and words in str(caught.value)
    assert bv.requests() == 0


def test_an_empty_source_is_rejected_before_any_call(
    bv: BlendVisionObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="0 bytes"):
        upload_operator(str(empty)).execute(make_context())
    assert bv.requests() == 0


# -- upload ----------------------------------------------------------------------------------------------
def test_upload_sends_several_parts_verified_and_once_per_task_instance(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    bv.upload_settings(part_size_bytes=40_000)  # 143 490 bytes -> 4 parts
    context = make_context()
    result = upload_operator().execute(context)
    assert result == {
        "file_id": result["file_id"],
        "name": "sample.mp4",
        "file_type": "FILE_TYPE_VIDEO",
        "size_bytes": SAMPLE.stat().st_size,
        "sha256": SAMPLE_SHA256,
        "parts": 4,
        "reused": False,
    }
    assert context["ti"].pushed == [("file_id", result["file_id"])]
    assert bv.requests_to(PUT_ROUTE) == 4
    link = bv.hook.get_download_link(result["file_id"])
    assert (
        hashlib.sha256(bv.hook.storage_api.request("GET", link.download_uri).content).hexdigest()
        == SAMPLE_SHA256
    )

    again = upload_operator().execute(context)  # a retry of the same task instance: same store
    assert again == {**result, "reused": True}
    assert bv.created("file") == 1
    assert bv.requests_to(PUT_ROUTE) == 4
    assert json.loads(context["task_state_store"].values[UPLOAD_STATE_KEY])["file_id"] == result["file_id"]


def test_upload_from_object_storage(bv: BlendVisionObjects, make_context: ContextFactory) -> None:
    bv.upload_settings(part_size_bytes=100_000)
    memory = fsspec.filesystem("memory")
    attach("memory", fs=memory)  # an object store Airflow knows by scheme, as s3:// would be
    memory.pipe("/bv-bucket/in/launch.mp4", SAMPLE.read_bytes())
    try:
        result = upload_operator("memory://bv-bucket/in/launch.mp4").execute(make_context())
    finally:
        memory.rm("/bv-bucket", recursive=True)
    assert (result["name"], result["parts"], result["sha256"]) == ("launch.mp4", 2, SAMPLE_SHA256)


# -- dubbing jobs: one per language, once per task instance ----------------------------------------------
def test_a_dubbing_job_is_created_waited_for_and_described(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload()
    context = make_context()
    result = dub_operator(source.file_id, target_language="ja-jp", start_time="0.5", end_time=6.25).execute(
        context
    )
    job = bv.hook.get_dubbing_job(result["job_id"])
    assert result == {
        "locale": "ja-JP",
        "lang_code": "ja-JP",
        "job_id": job.id,
        "source_file_id": source.file_id,
        "output_file_id": job.output_file_id,
        "status": "DUBBING_STATUS_SUCCEEDED",
    }
    assert job.interval_sec is not None
    assert job.interval_sec.model_dump(mode="json") == {"start": {"value": "0.5"}, "end": {"value": "6.25"}}
    assert context["ti"].pushed == [("job_id", job.id)]  # pushed before waiting
    assert JOB_ID_PATTERN.fullmatch(job.id) and job.id.endswith("-1")
    assert job.id.startswith(idempotency_reference(context, source.file_id)[:5])
    assert context["task_state_store"].values[JOB_STATE_KEY] == job.id
    assert bv.created("dubbing_job") == 1


def test_a_retry_reattaches_through_the_state_store(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload()
    context = make_context()
    first = dub_operator(source.file_id).execute(context)
    second = dub_operator(source.file_id).execute(context)
    assert second == first
    assert bv.requests_to(JOBS_ROUTE) == 1  # the stored id is reused: no second create at all
    assert bv.created("dubbing_job") == 1


def test_a_stored_job_that_is_gone_is_made_again(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload()
    store = MemoryStateStore()
    store.set(JOB_STATE_KEY, "vloc-deleted-1")
    result = dub_operator(source.file_id).execute(make_context(store=store))
    assert result["job_id"] != "vloc-deleted-1" and store.values[JOB_STATE_KEY] == result["job_id"]
    assert bv.created("dubbing_job") == 1


def test_a_crash_before_the_id_was_stored_finds_the_job_by_its_id(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    """The job was made but the state store never heard of it: the same id answers 409, and is adopted."""
    source = bv.upload()
    ti = FakeTaskInstance()
    first = dub_operator(source.file_id).execute(make_context(ti=ti))
    second = dub_operator(source.file_id).execute(
        make_context(ti=FakeTaskInstance(), store=MemoryStateStore())
    )
    assert second["job_id"] == first["job_id"]
    assert bv.requests_to(JOBS_ROUTE) == 2  # the second create was answered 409 ALREADY_EXISTS
    assert bv.created("dubbing_job") == 1


def test_a_create_lost_in_flight_is_resent_under_the_same_id(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload()
    bv.sandbox.sandbox.add_fault(
        Fault(
            vendor="blendvision", status=502, method="POST", path_prefix="/blendvision/bv/cms/v1/dubbing-jobs"
        )
    )
    dub_operator(source.file_id).execute(make_context())
    assert bv.requests_to(JOBS_ROUTE) == 2
    assert bv.created("dubbing_job") == 1


def test_one_job_per_target_language_when_mapped(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    """`.expand(target_language=[...])`: each mapped task instance makes its own one-output job."""
    source = bv.upload()
    languages = ["fr-FR", "de-DE", "ja-JP"]
    results = [
        dub_operator(source.file_id, target_language=tag, wait_for_completion=False).execute(
            make_context(ti=FakeTaskInstance(map_index=index))
        )
        for index, tag in enumerate(languages)
    ]
    ids = [result["job_id"] for result in results]
    assert len(set(ids)) == 3
    jobs = [bv.hook.get_dubbing_job(job_id) for job_id in ids]
    assert [[output.lang_code for output in job.outputs] for job in jobs] == [[tag] for tag in languages]
    assert {job.source_id for job in jobs} == {source.file_id}
    assert [result["locale"] for result in results] == languages
    assert bv.created("dubbing_job") == 3
    # a second round of the same mapped instances makes nothing new
    for index, tag in enumerate(languages):
        dub_operator(source.file_id, target_language=tag, wait_for_completion=False).execute(
            make_context(ti=FakeTaskInstance(map_index=index))
        )
    assert bv.created("dubbing_job") == 3


def test_a_failed_job_fails_the_task_with_every_error_info(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload("sample_silent.mp4")
    with pytest.raises(VendorJobFailed) as caught:
        dub_operator(source.file_id).execute(make_context())
    error = caught.value
    message = str(error)
    assert "DUBBING_STATUS_FAILED" in message and "(en-US -> fr-FR)" in message
    assert "NO_SPEECH_DETECTED [cms.one.blendvision.com] {" in message
    for key in ("durationSec=4", f"sourceId={source.file_id}", "sourceType=DUBBING_SOURCE_TYPE_VIDEO"):
        assert key in message
    assert error.code == "NO_SPEECH_DETECTED"
    assert error.details == [
        {
            "reason": "NO_SPEECH_DETECTED",
            "domain": "cms.one.blendvision.com",
            "metadata": {
                "sourceId": source.file_id,
                "sourceType": "DUBBING_SOURCE_TYPE_VIDEO",
                "durationSec": "4",
            },
        }
    ]


def test_a_retry_after_a_failed_job_pays_for_one_fresh_job(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload("sample_silent.mp4")
    context = make_context()
    with pytest.raises(VendorJobFailed):
        dub_operator(source.file_id).execute(context)
    failed_id = context["task_state_store"].values[JOB_STATE_KEY]
    with pytest.raises(VendorJobFailed):  # the media still has no speech: the fresh job fails too
        dub_operator(source.file_id).execute(context)
    fresh_id = context["task_state_store"].values[JOB_STATE_KEY]
    assert (failed_id[-2:], fresh_id[-2:]) == ("-1", "-2")
    assert fresh_id[:-2] == failed_id[:-2]
    assert bv.created("dubbing_job") == 2


def test_an_existing_id_for_another_request_is_not_adopted(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    source = bv.upload()
    context = make_context()
    request = validate_dubbing_request(
        source_file_id=source.file_id, source_language="en-US", target_language="fr-FR"
    )
    squatter = bv.request(source.file_id, "de-DE", job_id=dubbing_job_id(context, request))
    bv.hook.create_dubbing_job(squatter)
    with pytest.raises(VendorError, match="already exists for another request"):
        dub_operator(source.file_id).execute(make_context(store=MemoryStateStore()))
    assert bv.created("dubbing_job") == 1


def test_the_operator_defers_and_resumes_from_the_trigger_event(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    bv.sandbox.sandbox.settings.step_seconds = 0.3  # not done at the first look
    source = bv.upload()
    operator = dub_operator(source.file_id, deferrable=True)
    context = make_context()
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, BlendVisionDubbingJobTrigger)
    job_id = context["ti"].pushed_value("job_id")
    assert trigger.job_id == job_id and deferred.value.method_name == "execute_complete"
    bv.wait_job(job_id)
    event = {"status": "success", "vendor": "blendvision", "job_id": job_id, "lang_code": "fr-FR",
             "output_file_id": "out-1", "vendor_status": "DUBBING_STATUS_SUCCEEDED"}  # fmt: skip
    result = dub_operator(source.file_id, deferrable=True).execute_complete(context, event)
    assert (result["job_id"], result["output_file_id"], result["locale"]) == (job_id, "out-1", "fr-FR")
    with pytest.raises(AirflowException, match="deadline"):
        operator.execute_complete(
            context, {"status": "timeout", "message": "still PROCESSING at the deadline"}
        )


# -- download --------------------------------------------------------------------------------------------
def test_download_saves_the_dubbed_video_verified(
    bv: BlendVisionObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    job = bv.succeeded_job("de-DE")
    result = BlendVisionDownloadOutputOperator(
        task_id="download", job_id=job.id, output_dir=str(tmp_path / "de-DE")
    ).execute(make_context())
    video = tmp_path / "de-DE" / "video.mp4"
    assert result["files"] == [
        {
            "uri": video.as_uri(),
            "name": "video.mp4",
            "size_bytes": SAMPLE.stat().st_size,
            "sha256": SAMPLE_SHA256,
            "content_type": "video/mp4",
        }
    ]
    assert (result["locale"], result["job_id"], result["output_file_id"]) == (
        "de-DE",
        job.id,
        job.output_file_id,
    )
    assert result["downloaded_at"].endswith("+00:00")
    assert video.read_bytes() == SAMPLE.read_bytes()
    assert [p.name for p in (tmp_path / "de-DE").iterdir()] == ["video.mp4"]  # no temporary left
    assert "download_uri" not in json.dumps(result) and "signature" not in json.dumps(result)


def test_download_asks_again_when_the_storage_refuses_the_link(
    bv: BlendVisionObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    job = bv.succeeded_job()
    file_verbs = "POST /blendvision/bv/cms/v1/library/files/{file_ref}"  # :complete-upload and :download
    before = bv.requests_to(file_verbs)
    bv.sandbox.sandbox.add_fault(
        Fault(vendor="blendvision", status=403, method="GET", path_prefix="/blendvision/_storage/files")
    )
    result = BlendVisionDownloadOutputOperator(
        task_id="download", job_id=job.id, output_dir=str(tmp_path), locale="fr-FR"
    ).execute(make_context())
    assert result["files"][0]["sha256"] == SAMPLE_SHA256
    assert bv.requests_to(file_verbs) - before == 2  # a second, fresh :download link


def test_download_of_an_unfinished_or_failed_job_is_refused(
    bv: BlendVisionObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    bv.sandbox.sandbox.settings.step_seconds = 5  # stays CREATED
    pending = bv.job()
    with pytest.raises(AirflowException, match="only a SUCCEEDED job"):
        BlendVisionDownloadOutputOperator(task_id="d", job_id=pending.id, output_dir=str(tmp_path)).execute(
            make_context()
        )
    bv.sandbox.sandbox.settings.step_seconds = 0.05
    failed = bv.wait_job(bv.job("sample_no_audio.mp4").id)
    with pytest.raises(AirflowException, match="SOURCE_AUDIO_MISSING"):
        BlendVisionDownloadOutputOperator(task_id="d", job_id=failed.id, output_dir=str(tmp_path)).execute(
            make_context()
        )
    assert list(tmp_path.iterdir()) == []


# -- sensor ----------------------------------------------------------------------------------------------
SENSOR = {"mode": "poke", "poke_interval": 0.02, "timeout": 10, "deferrable": False}


def test_sensor_pokes_until_the_job_succeeds(bv: BlendVisionObjects, make_context: ContextFactory) -> None:
    bv.sandbox.sandbox.settings.step_seconds = 0.3  # CREATED long enough to be seen under load
    job = bv.job()
    sensor = BlendVisionDubbingJobSensor(task_id="dubbed", job_id=job.id, **SENSOR)
    assert sensor.poke(make_context()) is False  # CREATED
    result = sensor.execute(make_context())
    assert (result["status"], result["job_id"], result["vendor_status"]) == (
        "success",
        job.id,
        DubbingStatus.SUCCEEDED.value,
    )
    assert result["output_file_id"] == bv.hook.get_dubbing_job(job.id).output_file_id


def test_sensor_fails_at_once_on_a_failed_job(bv: BlendVisionObjects, make_context: ContextFactory) -> None:
    job = bv.wait_job(bv.job("sample_audio_only.mp4").id)
    sensor = BlendVisionDubbingJobSensor(task_id="dubbed", job_id=job.id, **SENSOR)
    with pytest.raises(VendorJobFailed, match="SOURCE_VIDEO_MISSING") as caught:
        sensor.execute(make_context())
    assert caught.value.details[0]["reason"] == "SOURCE_VIDEO_MISSING"


def test_a_deferrable_sensor_defers_to_the_trigger(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    bv.sandbox.sandbox.settings.step_seconds = 5  # not done at the first look
    job = bv.job()
    sensor = BlendVisionDubbingJobSensor(task_id="dubbed", job_id=job.id, **{**SENSOR, "deferrable": True})
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(make_context())
    assert isinstance(deferred.value.trigger, BlendVisionDubbingJobTrigger)
    assert deferred.value.trigger.job_id == job.id


# -- ids and the language table --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "fitted"),
    [
        ("vloc-0123abcd-1", "vloc-0123abcd-1"),
        ("VLOC_ABC-1", "vloc-abc-1"),
        ("9lives", "j-9lives"),
        ("--x--", "x"),
        ("a" * 80, "a" * 63),
        ("a" * 62 + "-b", "a" * 62),
    ],
)
def test_job_ids_fit_the_pattern(text: str, fitted: str) -> None:
    assert fit_job_id(text) == fitted
    assert JOB_ID_PATTERN.fullmatch(fitted)


def test_job_ids_differ_per_task_instance_request_and_generation(make_context: ContextFactory) -> None:
    request = validate_dubbing_request(source_file_id="f", source_language="en-US", target_language="fr-FR")
    other = validate_dubbing_request(source_file_id="f", source_language="en-US", target_language="de-DE")
    context = make_context()
    ids = {
        dubbing_job_id(context, request),
        dubbing_job_id(context, request, 2),
        dubbing_job_id(context, other),
        dubbing_job_id(make_context(ti=FakeTaskInstance(map_index=1)), request),
        dubbing_job_id(make_context(ti=FakeTaskInstance(run_id="another")), request),
    }
    assert len(ids) == 5
    assert dubbing_job_id(make_context(), request) == dubbing_job_id(context, request)  # stable across tries
    with pytest.raises(ValueError, match="from 1"):
        dubbing_job_id(context, request, 0)


def test_every_language_code_in_the_table_is_one_the_vendor_takes() -> None:
    from video_localization.core.languages import vendor_languages

    languages = list(vendor_languages("blendvision"))
    assert len(languages) >= 40
    assert all(lang_code_problem(language.code) is None for language in languages)
    assert {"fr-FR", "de-DE", "ja-JP", "es-ES"} <= {language.tag for language in languages}
