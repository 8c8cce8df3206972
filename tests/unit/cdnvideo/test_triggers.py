"""CDNVideoTaskTrigger: its whole state is in serialize(), one event per wait, and on_kill cancels the task.

Each trigger runs in a plain `asyncio.run`, as the triggerer would run it, reading `cdnvideo_default`
from the environment through `BaseHook.aget_connection`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from typing import Any

from cdnvideo_support import CDNVideoObjects
from video_localization.cdnvideo.models import TaskStatus
from video_localization.cdnvideo.triggers import CDNVideoTaskTrigger

FAST_POLL = {"poll_interval": 0.02, "max_poll_interval": 0.1, "backoff_factor": 1.5}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def trigger_for(job_id: str, seconds: float = 10.0, **kwargs: Any) -> CDNVideoTaskTrigger:
    return CDNVideoTaskTrigger(
        job_id=job_id, conn_id="cdnvideo_default", deadline=time.time() + seconds, **FAST_POLL, **kwargs
    )


def run_trigger(trigger: CDNVideoTaskTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def rebuild(trigger: CDNVideoTaskTrigger) -> CDNVideoTaskTrigger:
    """What the triggerer does after a restart: import the classpath, call it with the kwargs."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


def test_the_trigger_serializes_everything_it_needs() -> None:
    trigger = CDNVideoTaskTrigger(
        job_id="t-1", conn_id="cdnvideo_eu", deadline=1900000000.0, poll_interval=5, max_poll_interval=60
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "video_localization.cdnvideo.triggers.CDNVideoTaskTrigger"
    assert kwargs == {
        "job_id": "t-1",
        "conn_id": "cdnvideo_eu",
        "deadline": 1900000000.0,
        "poll_interval": 5.0,
        "max_poll_interval": 60.0,
        "backoff_factor": 1.5,
        "cancel_on_kill": True,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert rebuild(trigger).serialize() == trigger.serialize()


def test_one_success_event_when_processed(cdnvideo: CDNVideoObjects) -> None:
    job_id = cdnvideo.generate()
    events = run_trigger(rebuild(trigger_for(job_id)))
    assert events == [
        {
            "status": "success",
            "message": "",
            "vendor": "cdnvideo",
            "job_id": job_id,
            "vendor_status": "processed",
            "attempts": 1,
        }
    ]


def test_one_failed_event_with_the_vendors_words_when_the_service_gives_up(cdnvideo: CDNVideoObjects) -> None:
    # SSML whose tags do not nest: the operator refuses it, so it is sent through the hook directly.
    job_id = cdnvideo.generate(script="<speak><p>Hello</speak>")
    [event] = run_trigger(trigger_for(job_id))
    assert (event["status"], event["vendor_status"], event["attempts"]) == ("failed", "canceled", 3)
    assert event["message"] == (
        f"task {job_id} was canceled: canceled after 3 failed attempts: "
        "invalid SSML: unexpected </speak> (attempts: 3)"
    )


def test_an_unknown_task_is_one_error_event_without_retrying(cdnvideo: CDNVideoObjects) -> None:
    [event] = run_trigger(trigger_for(UNKNOWN_ID))
    assert (event["status"], event["http_status"], event["job_id"]) == ("error", 400, UNKNOWN_ID)
    assert "no such task" in event["message"]


def test_a_deadline_passed_while_queued_is_one_timeout_event(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    [event] = run_trigger(trigger_for(cdnvideo.generate(), seconds=0.1))
    assert (event["status"], event["vendor_status"]) == ("timeout", "in_queue")


def test_on_kill_cancels_the_task_at_the_vendor(cdnvideo: CDNVideoObjects) -> None:
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    job_id = cdnvideo.generate()
    trigger = trigger_for(job_id)

    async def kill_while_waiting() -> None:
        waiting = asyncio.ensure_future(trigger.run().__anext__())
        await asyncio.sleep(0.2)  # a few polls: still in_queue
        assert not waiting.done()
        await trigger.on_kill()
        waiting.cancel()

    asyncio.run(kill_while_waiting())
    task = cdnvideo.hook.get_status(job_id)
    assert (task.status, task.message) == (TaskStatus.CANCELED, "canceled by user request")


def test_on_kill_leaves_a_finished_task_and_honours_cancel_on_kill(cdnvideo: CDNVideoObjects) -> None:
    done = cdnvideo.generate()
    cdnvideo.wait(done, TaskStatus.PROCESSED)
    asyncio.run(trigger_for(done).on_kill())  # refused by the vendor ("wrong task status"), only logged
    assert cdnvideo.hook.get_status(done).status is TaskStatus.PROCESSED
    cdnvideo.sandbox.sandbox.settings.step_seconds = 5.0
    kept = cdnvideo.generate()
    asyncio.run(trigger_for(kept, cancel_on_kill=False).on_kill())
    assert cdnvideo.hook.get_status(kept).status is TaskStatus.IN_QUEUE
