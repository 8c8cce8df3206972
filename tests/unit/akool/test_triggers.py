"""AkoolTranslationTrigger: its whole state is in serialize(), and run() yields exactly one event per wait.

Each trigger runs in a plain `asyncio.run`, as the triggerer would, reading `akool_default` from the
environment through `BaseHook.aget_connection`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from akool_test_support import INFO_ROUTE, TOKEN_ROUTE, AkoolObjects, control
from video_localization.akool.models import VideoJob, VideoStatus
from video_localization.akool.triggers import AkoolTranslationTrigger, jobs_outcome

FAST_POLL = {"poll_interval": 0.02, "max_poll_interval": 0.1, "backoff_factor": 1.5}


def in_seconds(seconds: float) -> float:
    return time.time() + seconds


def trigger(ids: dict[str, str], deadline: float, **overrides: Any) -> AkoolTranslationTrigger:
    return AkoolTranslationTrigger(
        video_model_ids=ids, conn_id="akool_default", deadline=deadline, **{**FAST_POLL, **overrides}
    )


def run(trigger: AkoolTranslationTrigger) -> list[dict[str, Any]]:
    async def events() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(events())


def rebuild(trigger: AkoolTranslationTrigger) -> AkoolTranslationTrigger:
    """What the triggerer does after a restart: import the classpath, call it with the kwargs."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


def two_jobs(akool: AkoolObjects, media: str = "sample.mp4") -> dict[str, str]:
    results = akool.create(media, languages=("fr", "de")).all_results or []
    return {"fr-FR": results[0].data["_id"], "de-DE": results[1].data["_id"]}


def test_the_trigger_serializes_everything_it_needs() -> None:
    deadline = in_seconds(3600)
    original = AkoolTranslationTrigger(
        video_model_ids={"fr-FR": "a1", "de-DE": "b2"},
        conn_id="akool_eu",
        deadline=deadline,
        poll_interval=5,
        max_poll_interval=60,
        backoff_factor=2,
    )
    classpath, kwargs = original.serialize()
    assert classpath == "video_localization.akool.triggers.AkoolTranslationTrigger"
    assert kwargs == {
        "video_model_ids": {"fr-FR": "a1", "de-DE": "b2"},
        "conn_id": "akool_eu",
        "deadline": deadline,  # absolute: a restart does not extend the wait
        "poll_interval": 5.0,
        "max_poll_interval": 60.0,
        "backoff_factor": 2.0,
        "cancel_on_kill": True,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert rebuild(original).serialize() == (classpath, kwargs)


def test_one_success_event_when_every_language_is_completed(akool: AkoolObjects) -> None:
    ids = two_jobs(akool)
    [event] = run(trigger(ids, in_seconds(10)))
    assert event == {
        "status": "success",
        "message": "",
        "vendor": "akool",
        "video_model_ids": ids,
        "vendor_status": "completed",
        "statuses": {"fr-FR": "completed", "de-DE": "completed"},
    }
    assert akool.requests_to(TOKEN_ROUTE) == 1  # the trigger reused the process's token


def test_a_finished_job_is_not_asked_about_again(akool: AkoolObjects) -> None:
    fast = akool.completed_job()
    settings = akool.sandbox.sandbox.settings
    settings.step_seconds = 3600  # the slow job stays unfinished until it was polled twice (any load)
    slow = akool.create(languages=("de",)).data
    before = akool.requests_to(INFO_ROUTE)

    def finish_after_two_polls_of_slow() -> None:
        deadline = time.monotonic() + 30
        while akool.requests_to(INFO_ROUTE) - before - 1 < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        settings.step_seconds = 0.001

    releaser = threading.Thread(target=finish_after_two_polls_of_slow, daemon=True)
    releaser.start()
    [event] = run(trigger({"fr-FR": fast.id, "de-DE": slow.id}, in_seconds(60)))
    releaser.join(timeout=30)
    assert event["status"] == "success"
    polls_of_slow = akool.requests_to(INFO_ROUTE) - before - 1  # fr-FR was read once
    assert polls_of_slow >= 2


def test_one_failed_event_with_akools_words(akool: AkoolObjects) -> None:
    ids = two_jobs(akool, "sample_silent.mp4")
    [event] = run(trigger(ids, in_seconds(10)))
    assert event["status"] == "failed"
    assert event["vendor_status"] == "failed"
    assert event["error_code"] == 1201
    assert event["failures"] == {
        "fr-FR": "1201: create audio error: no speech was detected in the video",
        "de-DE": "1201: create audio error: no speech was detected in the video",
    }
    assert event["message"].startswith(f"fr-FR (job {ids['fr-FR']}) failed: 1201: create audio error")


def test_a_deadline_already_past_gives_one_timeout_event(akool: AkoolObjects) -> None:
    akool.sandbox.sandbox.settings.step_seconds = 5.0
    job = akool.create().data
    [event] = run(trigger({"fr-FR": job.id}, in_seconds(-1)))
    assert (event["status"], event["vendor_status"]) == ("timeout", "queueing")
    assert event["message"].startswith("still queueing at the deadline (")


def test_an_unknown_job_is_one_error_event_without_retrying(akool: AkoolObjects) -> None:
    unknown = "000000000000000000000000"
    [event] = run(trigger({"fr-FR": unknown}, in_seconds(10)))
    assert event["status"] == "error"
    assert event["vendor_code"] == 1008
    assert "the content does not exist" in event["message"]
    assert akool.requests_to(INFO_ROUTE) == 1


def test_the_trigger_takes_a_new_token_when_akool_expires_it(akool: AkoolObjects) -> None:
    ids = two_jobs(akool)
    control(akool.sandbox, "expire-tokens")
    [event] = run(trigger(ids, in_seconds(10)))
    assert event["status"] == "success"
    assert akool.requests_to(TOKEN_ROUTE) == 2


def test_a_trigger_rebuilt_mid_wait_still_finishes(akool: AkoolObjects) -> None:
    akool.sandbox.sandbox.settings.step_seconds = 0.3
    ids = two_jobs(akool)
    first = trigger(ids, in_seconds(10))

    async def interrupted() -> None:
        events: AsyncIterator = first.run()
        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.15)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(interrupted())
    resumed = rebuild(first)
    assert resumed.deadline == first.deadline
    [event] = run(resumed)
    assert (event["status"], event["statuses"]) == ("success", {"fr-FR": "completed", "de-DE": "completed"})


def job(status: int, **fields: Any) -> VideoJob:
    return VideoJob.model_validate({"_id": f"j{status}", "video_status": status, **fields})


def test_the_outcome_waits_for_the_slowest_and_fails_if_any_failed() -> None:
    waiting = jobs_outcome({"fr-FR": job(3), "de-DE": job(2)})
    assert (waiting.terminal, waiting.status) == (False, "processing")
    assert waiting.payload == {"statuses": {"fr-FR": "completed", "de-DE": "processing"}}
    assert jobs_outcome({"fr-FR": job(1), "de-DE": job(2)}).status == "queueing"
    mixed = jobs_outcome({"fr-FR": job(3), "de-DE": job(4, error_code=1205, error_reason="busy")})
    assert (mixed.terminal, mixed.success, mixed.status) == (True, False, "failed")
    assert mixed.message == "de-DE (job j4) failed: 1205: busy"
    assert mixed.payload["failures"] == {"de-DE": "1205: busy"}
    assert VideoStatus.COMPLETED.is_success and not VideoStatus.FAILED.is_success
    assert [status.is_terminal for status in VideoStatus] == [False, False, True, True]
