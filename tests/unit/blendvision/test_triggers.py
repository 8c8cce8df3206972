"""BlendVision trigger (whole state in serialize(), one event per wait) and the upload/download plumbing.

Triggers run in a plain `asyncio.run`, as the triggerer would run them, reading `blendvision_default`
from the environment through `BaseHook.aget_connection`.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import io
import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blendvision_support import (
    BlendVisionObjects,
)
from video_localization.blendvision.models import DubbingJob, DubbingStatus
from video_localization.blendvision.triggers import BlendVisionDubbingJobTrigger, job_outcome
from video_localization.blendvision.upload import PartBody, SourceChangedError, part_ranges
from video_localization.core.errors import DownloadVerificationError, VendorError, VendorResponseError
from video_localization.core.http import VendorApi
from video_localization.core.storage import as_storage_path, stream_to_storage
from video_localization.core.triggers import VendorPollingTrigger

FAST_POLL = {"poll_interval": 0.02, "max_poll_interval": 0.05, "backoff_factor": 1.5}


def run_trigger(trigger: VendorPollingTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def rebuild(trigger: VendorPollingTrigger) -> VendorPollingTrigger:
    """What the triggerer does after a restart: import the classpath, call it with the kwargs."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


def job(status: str, **fields: Any) -> DubbingJob:
    return DubbingJob.model_validate(
        {
            "id": "vloc-abc-1",
            "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
            "source_id": "file-1",
            "source_lang_code": "en-US",
            "outputs": [{"id": fields.pop("output_id", ""), "lang_code": "fr-FR"}],
            "status": status,
            **fields,
        }
    )


# -- serialize -----------------------------------------------------------------------------------------
def test_the_trigger_serializes_everything_it_needs() -> None:
    deadline = time.time() + 3600
    trigger = BlendVisionDubbingJobTrigger(
        job_id="vloc-abc-1", conn_id="bv_eu", deadline=deadline, poll_interval=5, max_poll_interval=60
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "video_localization.blendvision.triggers.BlendVisionDubbingJobTrigger"
    assert kwargs == {
        "job_id": "vloc-abc-1",
        "conn_id": "bv_eu",
        "deadline": deadline,  # absolute: a restart does not extend the wait
        "poll_interval": 5.0,
        "max_poll_interval": 60.0,
        "backoff_factor": 1.5,
        "cancel_on_kill": True,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    again = rebuild(trigger)
    assert type(again) is BlendVisionDubbingJobTrigger and again.serialize() == trigger.serialize()


# -- events against the sandbox ------------------------------------------------------------------------
def test_a_succeeded_job_yields_one_success_event(bv: BlendVisionObjects) -> None:
    created = bv.job()
    trigger = BlendVisionDubbingJobTrigger(job_id=created.id, conn_id="blendvision_default",
                                           deadline=time.time() + 20, **FAST_POLL)  # fmt: skip
    (event,) = run_trigger(rebuild(trigger))
    done = bv.hook.get_dubbing_job(created.id)
    assert event == {
        "status": "success",
        "message": "",
        "vendor": "blendvision",
        "job_id": created.id,
        "vendor_status": "DUBBING_STATUS_SUCCEEDED",
        "output_file_id": done.output_file_id,
        "lang_code": "fr-FR",
    }


def test_a_failed_job_yields_its_error_infos(bv: BlendVisionObjects) -> None:
    created = bv.job("sample_no_audio.mp4")
    trigger = BlendVisionDubbingJobTrigger(job_id=created.id, conn_id="blendvision_default",
                                           deadline=time.time() + 20, **FAST_POLL)  # fmt: skip
    (event,) = run_trigger(trigger)
    assert (event["status"], event["vendor_status"], event["error_code"]) == (
        "failed",
        "DUBBING_STATUS_FAILED",
        "SOURCE_AUDIO_MISSING",
    )
    assert event["message"].startswith(f"dubbing job {created.id} (en-US -> fr-FR) DUBBING_STATUS_FAILED: ")
    assert event["error_infos"][0]["metadata"]["sourceId"] == created.source_id
    json.dumps(event)  # a trigger event is stored as JSON


def test_the_deadline_yields_a_timeout(bv: BlendVisionObjects) -> None:
    bv.sandbox.sandbox.settings.step_seconds = 60  # the job stays CREATED
    created = bv.job()
    trigger = BlendVisionDubbingJobTrigger(job_id=created.id, conn_id="blendvision_default",
                                           deadline=time.time() + 0.1, **FAST_POLL)  # fmt: skip
    (event,) = run_trigger(trigger)
    assert event["status"] == "timeout" and "still DUBBING_STATUS_CREATED" in event["message"]


def test_an_unknown_job_yields_one_error_event(bv: BlendVisionObjects) -> None:
    trigger = BlendVisionDubbingJobTrigger(job_id="nope", conn_id="blendvision_default",
                                           deadline=time.time() + 20, **FAST_POLL)  # fmt: skip
    (event,) = run_trigger(trigger)
    assert (event["status"], event["http_status"], event["vendor_code"]) == (
        "error",
        404,
        "RESOURCE_NOT_FOUND",
    )


# -- outcomes --------------------------------------------------------------------------------------------
def test_every_error_info_is_in_the_failure_message() -> None:
    infos = [
        {
            "reason": "NO_SPEECH_DETECTED",
            "domain": "cms.one.blendvision.com",
            "metadata": {"durationSec": "4"},
        },
        {
            "reason": "VOICE_CLONE_FAILED",
            "domain": "ai.blendvision.com",
            "metadata": {"speaker": "2", "b": "x"},
        },
        {"reason": "QUOTA", "domain": "", "metadata": None},
    ]
    outcome = job_outcome(job("DUBBING_STATUS_FAILED", error_infos=infos))
    assert (outcome.terminal, outcome.success) == (True, False)
    assert outcome.message == (
        "dubbing job vloc-abc-1 (en-US -> fr-FR) DUBBING_STATUS_FAILED: "
        "NO_SPEECH_DETECTED [cms.one.blendvision.com] {durationSec=4}; "
        "VOICE_CLONE_FAILED [ai.blendvision.com] {b=x, speaker=2}; QUOTA"
    )
    assert [info["reason"] for info in outcome.payload["error_infos"]] == [
        "NO_SPEECH_DETECTED",
        "VOICE_CLONE_FAILED",
        "QUOTA",
    ]
    bare = job_outcome(job("DUBBING_STATUS_FAILED", error_infos=None))
    assert bare.message.endswith("no error_infos given") and bare.payload["error_code"] is None


@pytest.mark.parametrize(
    ("status", "terminal", "success"),
    [
        ("DUBBING_STATUS_CREATED", False, False),
        ("DUBBING_STATUS_PROCESSING", False, False),
        ("DUBBING_STATUS_SUCCEEDED", True, True),
        ("DUBBING_STATUS_FAILED", True, False),
    ],
)
def test_status_words_and_outcomes(status: str, terminal: bool, success: bool) -> None:
    word = DubbingStatus(status)
    assert (word.is_terminal, word.is_success) == (terminal, success)
    outcome = job_outcome(job(status, output_id="out-1"))
    assert (outcome.terminal, outcome.success, outcome.status) == (terminal, success, status)


def test_a_success_without_an_output_file_is_not_taken_for_done() -> None:
    with pytest.raises(VendorResponseError, match="without an output file id"):
        job_outcome(job("DUBBING_STATUS_SUCCEEDED"))


# -- upload plumbing -------------------------------------------------------------------------------------
@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=1, max_value=10_000))
def test_parts_split_the_file_evenly_and_contiguously(size: int, count: int) -> None:
    if count > size:
        with pytest.raises(ValueError, match="non-empty parts"):
            part_ranges(size, count)
        return
    ranges = part_ranges(size, count)
    assert len(ranges) == count
    assert ranges[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(ranges))
    assert sum(n for _, n in ranges) == size
    assert all(n > 0 for _, n in ranges)
    minimum = math.ceil(size / count)  # what the vendor requires of every part but the last
    if (count - 1) * minimum < size:
        assert all(n == minimum for _, n in ranges[:-1]) and ranges[-1][1] <= minimum
    else:  # no part size gives this count: parts differ by one byte at most
        assert max(n for _, n in ranges) - min(n for _, n in ranges) <= 1


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=1, max_value=10**9))
def test_every_layout_the_sandbox_can_answer_is_split_as_it_requires(size: int, part_size: int) -> None:
    """The sandbox announces ceil(size / part_size) parts; the even split always satisfies its minimum."""
    count = math.ceil(size / part_size)
    if count > 10_000:
        return
    ranges = part_ranges(size, count)
    assert all(n >= math.ceil(size / count) for _, n in ranges[:-1]) and ranges[-1][1] > 0


def test_a_part_body_reads_its_range_again_on_every_pass() -> None:
    data = bytes(range(256)) * 40
    sha1, sha256 = hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    body = PartBody(io.BytesIO(data), 1000, 5000, sha1, sha256, chunk_size=1024)
    first, second = b"".join(body), b"".join(body)
    assert first == second == data[1000:6000] and body.passes == 2
    assert body.md5.hexdigest() == hashlib.md5(data[1000:6000], usedforsecurity=False).hexdigest()
    assert body.sha256.hexdigest() == hashlib.sha256(data[1000:6000]).hexdigest()  # not counted twice
    assert sha256.hexdigest() == hashlib.sha256().hexdigest()  # the file's running hash is untouched
    body.check_etag(f'"{body.md5.hexdigest()}"', 1)
    body.check_etag('"abc-2"', 1)  # not an MD5 ETag: not checked
    with pytest.raises(VendorError, match="part 3: storage answered ETag"):
        body.check_etag('"' + "0" * 32 + '"', 3)


def test_a_source_that_shrinks_while_sending_is_caught() -> None:
    body = PartBody(io.BytesIO(b"x" * 100), 50, 80, hashlib.sha1(usedforsecurity=False), hashlib.sha256())
    with pytest.raises(SourceChangedError, match="ended 30 bytes early"):
        b"".join(body)


# -- verified downloads (the core helper's ETag check, which BlendVision's links use) -------------------
def test_a_download_whose_bytes_do_not_match_the_etag_is_refused(tmp_path: Path) -> None:
    body = b"\x00\x00\x00\x18ftypmp42" + b"x" * 100

    def storage(request: httpx.Request) -> httpx.Response:
        etag = request.url.params.get("etag")
        return httpx.Response(200, content=body, headers={"ETag": f'"{etag}"', "Content-Type": "video/mp4"})

    api = VendorApi("blendvision", "https://storage.example")
    api._client = httpx.Client(transport=httpx.MockTransport(storage))
    good = hashlib.md5(body, usedforsecurity=False).hexdigest()
    folder = as_storage_path(tmp_path)
    stored = stream_to_storage(
        api, f"https://storage.example/o?etag={good}", folder / "video.mp4", etag_is_md5=True
    )
    assert stored.size_bytes == len(body)
    with pytest.raises(DownloadVerificationError, match="MD5"):
        stream_to_storage(
            api, "https://storage.example/o?etag=" + "0" * 32, folder / "bad.mp4", etag_is_md5=True
        )
    multipart = stream_to_storage(
        api, "https://storage.example/o?etag=abc-3", folder / "mp.mp4", etag_is_md5=True
    )
    assert multipart.size_bytes == len(body)  # a multipart ETag is not an MD5: not checked
    unchecked = stream_to_storage(api, "https://storage.example/o?etag=" + "0" * 32, folder / "off.mp4")
    assert unchecked.size_bytes == len(body)  # off by default: other vendors' ETags are not MD5s
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mp.mp4", "off.mp4", "video.mp4"]
