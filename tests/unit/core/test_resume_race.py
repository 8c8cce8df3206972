"""The resume-race mitigation: a polling trigger waits before its first poll (core.resume_race)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from video_localization.core import resume_race, triggers
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger


class DoneAtOnce(VendorPollingTrigger):
    """A job that is already finished: without the settle delay its event would fire immediately."""

    def __init__(self, calls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls = calls

    def job_kwargs(self) -> dict[str, Any]:
        return {}

    async def poll(self) -> PollOutcome:
        self.calls.append("poll")
        return PollOutcome(terminal=True, success=True, status="done")


@pytest.mark.parametrize(("value", "expected"), [("7.5", 7.5), ("-3", 0.0), ("soon", 5.0)])
def test_the_settle_time_comes_from_airflow_config(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: float
) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS", value)
    assert resume_race.settle_seconds() == expected


def test_the_default_covers_a_deferring_workload_exit() -> None:
    assert resume_race.DEFAULT_SETTLE_SECONDS >= 3


def test_the_trigger_settles_before_its_first_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS", "4")
    calls: list[str] = []

    async def sleep(seconds: float) -> None:
        calls.append(f"sleep {seconds:g}")

    monkeypatch.setattr(triggers.asyncio, "sleep", sleep)
    trigger = DoneAtOnce(calls, conn_id="x", deadline=time.time() + 60, poll_interval=1, max_poll_interval=2)

    async def first() -> dict[str, Any]:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("no event")

    assert asyncio.run(first())["status"] == "success"
    # (Other sleeps may interleave: a wake scanner another test left running in this process.)
    assert "poll" in calls and calls.index("sleep 4") < calls.index("poll")
