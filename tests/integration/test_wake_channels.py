"""Callback wakes end to end: the api-server's receiver app -> a wake channel -> a waiting trigger.

The receiver is the real plugin app (`callbacks.app.create_callback_app`), served by Starlette's test
client in its own thread as the api-server would serve it; the trigger runs its real `run()` in an event
loop, as the triggerer runs it, on a fake vendor that counts status calls. Both channels: wake files
(one machine) and Redis pub/sub (the distributed topology; skipped without Redis unless CI=true).
A Rev notification is used because it is the unsigned one: the wake is only a hint, so a notification
for a job that has not changed costs one status call and yields nothing.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from video_localization.callbacks.app import create_callback_app
from video_localization.core.wait import wake
from wait_support import VENDOR, FakeJobTrigger, until

REDIS = ("127.0.0.1", 6379)
LONG = 3600.0


class RevLikeTrigger(FakeJobTrigger):
    """The fake job, named as a Rev order: the receiver's Rev route wakes it."""

    vendor = "rev"


def _redis_or_skip() -> str:
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS[0]}:{REDIS[1]} is required under CI=true: {error}")
        pytest.skip(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}: {error}")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


@pytest.fixture(params=["file", "redis"])
def channel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    VENDOR.jobs.clear()
    VENDOR.single_calls.clear()
    VENDOR.list_calls = 0
    if request.param == "file":
        url = f"file://{tmp_path / 'wakes'}"
        monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__WAKE_SCAN_INTERVAL", "0.05")
    else:
        url = _redis_or_skip()
        monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__WAKE_PREFIX", f"vloc-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL", url)
    return request.param


def test_a_notification_through_the_receiver_wakes_the_wait_which_believes_only_the_vendor(
    channel: str,
) -> None:
    number = f"CP{uuid.uuid4().int % 10**10:010d}"
    VENDOR.jobs[number] = "running"
    receiver = TestClient(create_callback_app())

    def notify() -> int:
        return receiver.post(
            "/rev/rev_default", data={"order_number": number, "status": "Complete"}
        ).status_code

    async def scenario() -> dict[str, Any]:
        waiting = RevLikeTrigger(
            job_id=number,
            conn_id="rev_default",
            deadline=time.time() + 120,
            poll_interval=LONG,
            max_poll_interval=LONG,
            observed_status="running",
            observed_at=time.time(),
        )
        task = asyncio.ensure_future(_only_event(waiting))
        listener = wake.listener()
        assert listener is not None
        await until("the wait listens", lambda: bool(listener._callbacks))
        await asyncio.sleep(0.5)  # the Redis subscriber is subscribed before the first notification
        # "Complete", says the unsigned notification; the vendor says otherwise: one look, no event
        assert await asyncio.to_thread(notify) == 204
        await until("the notification was looked into", lambda: len(VENDOR.single_calls) == 1)
        await asyncio.sleep(1.0)
        assert not task.done()
        VENDOR.jobs[number] = "done"
        woken_at = time.monotonic()
        assert await asyncio.to_thread(notify) == 204
        event = await asyncio.wait_for(task, 60)
        event["seconds_to_event"] = time.monotonic() - woken_at
        return event

    event = asyncio.run(scenario())
    assert event["status"] == "success" and event["job_id"] == number
    assert VENDOR.single_calls == [number, number] and VENDOR.list_calls == 0


def test_the_receiver_refuses_what_is_not_a_rev_notification(channel: str) -> None:
    receiver = TestClient(create_callback_app())
    assert receiver.post("/rev/rev_default", data={"order_number": "../../etc"}).status_code == 400
    assert receiver.post("/rev/rev_default", data={"status": "Complete"}).status_code == 400
    assert receiver.post("/rev/rev_default", content=b"x" * 20_000).status_code == 413


async def _only_event(trigger: FakeJobTrigger) -> dict[str, Any]:
    events = [event.payload async for event in trigger.run()]
    assert len(events) == 1
    return events[0]
