"""Panjaya triggers: their whole state is in serialize(), and run() yields exactly one event per wait.

Each trigger runs in a plain `asyncio.run`, as the triggerer would run it, reading `panjaya_default`
from the environment through `BaseHook.aget_connection`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from video_localization.core.errors import VendorError
from video_localization.core.triggers import (
    MAX_CONSECUTIVE_POLL_ERRORS,
    PollOutcome,
    VendorPollingTrigger,
    next_poll_interval,
)
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.triggers import PanjayaAssetTrigger, PanjayaVersionTrigger
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import PanjayaObjects

FAST_POLL = {"poll_interval": 0.02, "max_poll_interval": 0.1, "backoff_factor": 1.5}


def in_seconds(seconds: float) -> float:
    return time.time() + seconds


async def all_events(trigger: VendorPollingTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


def run_trigger(trigger: VendorPollingTrigger) -> list[dict[str, Any]]:
    return asyncio.run(all_events(trigger))


def rebuild(trigger: VendorPollingTrigger) -> VendorPollingTrigger:
    """What the triggerer does after a restart: import the classpath, call it with the kwargs."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


# -- serialize -----------------------------------------------------------------------------------------
def test_version_trigger_serializes_everything_it_needs() -> None:
    deadline = in_seconds(3600)
    trigger = PanjayaVersionTrigger(
        version_id="v-123",
        wait_for="editable",
        conn_id="panjaya_eu",
        deadline=deadline,
        poll_interval=5,
        max_poll_interval=60,
        backoff_factor=2,
        cancel_on_kill=False,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "video_localization.panjaya.triggers.PanjayaVersionTrigger"
    assert kwargs == {
        "version_id": "v-123",
        "wait_for": "editable",
        "conn_id": "panjaya_eu",
        "deadline": deadline,  # absolute: a restart does not extend the wait
        "poll_interval": 5.0,
        "max_poll_interval": 60.0,
        "backoff_factor": 2.0,
        "cancel_on_kill": False,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs  # plain JSON, storable in the trigger table
    again = rebuild(trigger)
    assert type(again) is PanjayaVersionTrigger
    assert again.serialize() == (classpath, kwargs)


def test_asset_trigger_serializes_its_asset_id() -> None:
    trigger = PanjayaAssetTrigger(asset_id="a-1", conn_id="panjaya_default", deadline=in_seconds(60))
    classpath, kwargs = trigger.serialize()
    assert classpath == "video_localization.panjaya.triggers.PanjayaAssetTrigger"
    assert kwargs["asset_id"] == "a-1"
    assert (kwargs["poll_interval"], kwargs["max_poll_interval"], kwargs["backoff_factor"]) == (
        5.0,
        60.0,
        1.5,
    )
    assert rebuild(trigger).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    "schedule",
    [
        {"poll_interval": 0},
        {"poll_interval": 10, "max_poll_interval": 5},
        {"backoff_factor": 0.5},
    ],
)
def test_an_impossible_poll_schedule_is_refused(schedule: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="poll schedule"):
        PanjayaVersionTrigger(version_id="v", conn_id="c", deadline=in_seconds(60), **schedule)


# -- backoff ----------------------------------------------------------------------------------------------
def test_next_poll_interval_grows_by_the_factor_up_to_the_cap() -> None:
    intervals = [5.0]
    for _ in range(6):
        intervals.append(next_poll_interval(intervals[-1], 2.0, 60.0))
    assert intervals == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0, 60.0]
    assert next_poll_interval(5.0, 1.0, 60.0) == 5.0  # factor 1: a fixed interval


class CountingTrigger(VendorPollingTrigger):
    """A trigger whose job finishes at its `polls`-th look; records when each look happened."""

    def __init__(self, *, polls: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.polls = polls
        self.seen: list[float] = []

    def job_kwargs(self) -> dict[str, Any]:
        return {"polls": self.polls}

    async def poll(self) -> PollOutcome:
        self.seen.append(time.monotonic())
        return PollOutcome(terminal=len(self.seen) >= self.polls, success=True, status="Done")


def test_run_waits_longer_between_polls_up_to_the_cap() -> None:
    trigger = CountingTrigger(
        polls=6,
        conn_id="c",
        deadline=in_seconds(30),
        poll_interval=0.02,
        max_poll_interval=0.08,
        backoff_factor=2,
    )
    [event] = run_trigger(trigger)
    assert event["status"] == "success"
    gaps = [later - earlier for earlier, later in zip(trigger.seen, trigger.seen[1:], strict=False)]
    expected = [0.02, 0.04, 0.08, 0.08, 0.08]
    assert len(gaps) == len(expected)
    assert all(gap >= want * 0.9 for gap, want in zip(gaps, expected, strict=True)), gaps
    assert all(gap < 0.08 + 0.2 for gap in gaps[2:]), gaps  # capped, not still doubling (0.16, 0.32)


class FlakyTrigger(CountingTrigger):
    """Raises a retryable vendor error on every look."""

    async def poll(self) -> PollOutcome:
        self.seen.append(time.monotonic())
        raise VendorError("panjaya", "busy", status_code=503, retryable=True)


def test_retryable_poll_errors_are_tolerated_then_end_in_one_error_event() -> None:
    trigger = FlakyTrigger(polls=1, conn_id="c", deadline=in_seconds(30), poll_interval=0.01)
    [event] = run_trigger(trigger)
    assert event["status"] == "error"
    assert event["http_status"] == 503
    assert len(trigger.seen) == MAX_CONSECUTIVE_POLL_ERRORS


# -- the connection --------------------------------------------------------------------------------------
def test_triggers_read_the_connection_from_the_environment_in_plain_asyncio(
    panjaya_conn: RunningSandbox,
) -> None:
    """BaseHook.aget_connection works outside a task (as in the triggerer): no DB, no task context."""

    async def read() -> tuple[str | None, str | None]:
        connection = await PanjayaHook().aconnection()
        return connection.host, connection.password

    assert asyncio.run(read()) == (panjaya_conn.vendor_url("panjaya"), "sandbox-key")


# -- version trigger against the sandbox ---------------------------------------------------------------------
def version_trigger(version_id: str, deadline: float, **overrides: Any) -> PanjayaVersionTrigger:
    return PanjayaVersionTrigger(
        version_id=version_id, conn_id="panjaya_default", deadline=deadline, **{**FAST_POLL, **overrides}
    )


def test_one_success_event_when_the_version_is_generated(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version("de-DE")
    panjaya.hook.generate_version(version.id)
    events = run_trigger(version_trigger(version.id, in_seconds(10)))
    assert events == [
        {
            "status": "success",
            "message": "",
            "vendor": "panjaya",
            "version_id": version.id,
            "wait_for": "generated",
            "vendor_status": "Completed",
            "locale": "de-DE",
        }
    ]
    assert panjaya.hook.get_version(version.id).result_url


def test_one_failed_event_with_the_vendors_words_when_generation_fails(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    httpx.post(
        f"{panjaya.sandbox.vendor_url('panjaya')}/_sandbox/fail-next-generate", timeout=5
    ).raise_for_status()
    panjaya.hook.generate_version(version.id)
    [event] = run_trigger(version_trigger(version.id, in_seconds(10)))
    assert event["status"] == "failed"
    assert event["vendor_status"] == "Failed"
    assert event["version_id"] == version.id
    assert event["message"] == (
        f"version {version.id} (fr-FR) failed: generation_failed: "
        "An error occurred during the video generation process."
    )


def test_wait_for_editable_ends_when_the_version_is_ready_to_edit(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    [event] = run_trigger(version_trigger(version.id, in_seconds(10), wait_for="editable"))
    assert (event["status"], event["vendor_status"], event["wait_for"]) == (
        "success",
        "ReadyToEdit",
        "editable",
    )


def test_a_deadline_already_past_gives_one_timeout_event_after_one_look(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    [event] = run_trigger(version_trigger(version.id, in_seconds(-1)))
    assert event["status"] == "timeout"
    assert event["vendor_status"] == "ReadyToEdit"
    assert event["message"].startswith("still ReadyToEdit at the deadline (")
    assert panjaya.requests_to("GET /panjaya/v1/versions/{version_id}") == 2  # the helper's look + one


def test_a_short_deadline_ends_in_a_timeout_while_generating(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    panjaya.sandbox.sandbox.settings.step_seconds = 5.0  # generation now takes 10 s
    panjaya.hook.generate_version(version.id)
    started = time.monotonic()
    [event] = run_trigger(version_trigger(version.id, in_seconds(0.3)))
    assert 0.25 <= time.monotonic() - started < 3
    assert (event["status"], event["vendor_status"]) == ("timeout", "Generating")


def test_an_unknown_version_is_one_error_event_without_retrying(panjaya: PanjayaObjects) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    [event] = run_trigger(version_trigger(unknown, in_seconds(10)))
    assert event["status"] == "error"
    assert event["http_status"] == 404
    assert event["message"] == f"panjaya HTTP 404: Version {unknown} not found"
    assert panjaya.requests_to("GET /panjaya/v1/versions/{version_id}") == 1


def test_a_trigger_rebuilt_mid_wait_still_finishes(panjaya: PanjayaObjects) -> None:
    """A triggerer restart: the running trigger is dropped, a new one is built from serialize() alone."""
    version = panjaya.editable_version()
    panjaya.sandbox.sandbox.settings.step_seconds = 0.3  # generation takes 0.6 s
    panjaya.hook.generate_version(version.id)
    first = version_trigger(version.id, in_seconds(10))

    async def interrupted() -> None:
        events: AsyncIterator = first.run()
        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.15)
        assert not waiting.done()  # still Generating
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(interrupted())
    assert panjaya.hook.get_version(version.id).status.value == "Generating"
    resumed = rebuild(first)
    assert resumed.deadline == first.deadline
    [event] = run_trigger(resumed)
    assert (event["status"], event["version_id"], event["vendor_status"]) == (
        "success",
        version.id,
        "Completed",
    )


# -- asset trigger against the sandbox ----------------------------------------------------------------
def test_asset_trigger_answers_the_version_of_each_locale(panjaya: PanjayaObjects) -> None:
    created = panjaya.create_asset(targets=("fr-FR", "ja-JP"))
    trigger = PanjayaAssetTrigger(
        asset_id=created.id, conn_id="panjaya_default", deadline=in_seconds(10), **FAST_POLL
    )
    [event] = run_trigger(trigger)
    asset = panjaya.hook.get_asset(created.id)
    assert event["status"] == "success"
    assert event["asset_id"] == created.id
    assert event["vendor_status"] == "Ready"
    assert event["versions"] == {locale: v.id for locale, v in asset.versions_by_locale().items()}
    assert set(event["versions"]) == {"fr-FR", "ja-JP"}
    assert event["version_statuses"] == {"fr-FR": "ReadyToEdit", "ja-JP": "ReadyToEdit"}


def test_asset_trigger_reports_a_failed_asset_with_its_error_code(panjaya: PanjayaObjects) -> None:
    created = panjaya.create_asset("sample_silent.mp4")
    trigger = PanjayaAssetTrigger(
        asset_id=created.id, conn_id="panjaya_default", deadline=in_seconds(10), **FAST_POLL
    )
    [event] = run_trigger(trigger)
    assert event["status"] == "failed"
    assert event["error_code"] == "empty_transcript"
    assert event["message"] == (
        f"asset {created.id} failed: empty_transcript: "
        "No spoken content was identified in the uploaded video."
    )
