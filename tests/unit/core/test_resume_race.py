"""The resume-race mitigation: a polling trigger waits before its first poll (core.resume_race)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from video_localization.core import resume_race
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.schedule import PollSchedule, first_poll


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


def test_the_trigger_settles_before_its_first_look_even_when_nudged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__TRIGGER_SETTLE_SECONDS", "0.5")
    calls: list[str] = []
    trigger = DoneAtOnce(calls, conn_id="x", deadline=time.time() + 60, poll_interval=1, max_poll_interval=2)

    async def first() -> tuple[float, float]:
        started = time.monotonic()
        waiting = trigger.run()
        event = asyncio.ensure_future(waiting.__anext__())
        await asyncio.sleep(0)
        trigger._on_push()  # an answer pushed by the shared loop, or a wake: still not before settling
        trigger._on_wake()
        assert (await event).payload["status"] == "success"
        return started, time.monotonic()

    started, ended = asyncio.run(first())
    assert calls == ["poll"]
    assert ended - started >= 0.5  # a lower bound only: a loaded machine can only make it later


def test_the_settle_time_is_a_floor_under_the_first_poll_not_a_second_delay() -> None:
    every_5s = PollSchedule(5, 1.5, 60)
    now = 1_000.0

    def first(
        observed_at: float | None, settle: float, schedule: PollSchedule = every_5s
    ) -> tuple[float, int]:
        return first_poll(schedule, now, observed_at, fresh=30, jitter=0.2, settled_at=now + settle, draw=0.0)

    # the operator checked just now: one interval after its check, the settle time within it
    assert first(observed_at=now, settle=5) == (now + 5, 1)
    assert first(observed_at=now, settle=3) == (now + 5, 1)
    # a longer settle time only moves the first poll to its own end, never adds up with the interval
    assert first(observed_at=now, settle=8) == (now + 8, 1)
    # no check passed in (or a restart long after it): as soon as the settle time allows
    assert first(observed_at=None, settle=5) == (now + 5, 0)
    assert first(observed_at=now - 120, settle=0) == (now, 0)
