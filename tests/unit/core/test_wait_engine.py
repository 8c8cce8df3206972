"""The wait engine (`core.wait`): the shared status loop, wakes and the trigger loop around them.

A fake vendor in memory (`FakeVendor`) answers single and list lookups and counts them, so each test can
say exactly how many status calls a behaviour costs. `FakeJobTrigger` is a `VendorPollingTrigger` on that
fake vendor, driven by the same machinery as the per-vendor triggers.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from pathlib import Path
from typing import Any

import pytest

from video_localization.core.triggers import VendorPollingTrigger
from video_localization.core.wait import status, wake
from video_localization.core.wait.schedule import PollSchedule, polls_before
from video_localization.core.wait.status import Mode, StatusLoop
from wait_support import LISTED, SINGLE, VENDOR, FakeJobTrigger, FakeVendor, until

LONG = 3600.0


@pytest.fixture(autouse=True)
def fake_vendor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeVendor:
    VENDOR.jobs.clear()
    VENDOR.hidden_from_list.clear()
    VENDOR.single_calls.clear()
    VENDOR.list_calls = 0
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__BATCH_WINDOW", "0.05")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__MIN_LIST_INTERVAL", "0")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL", f"file://{tmp_path / 'wakes'}")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__WAKE_SCAN_INTERVAL", "0.05")
    return VENDOR


def trigger(job_id: str, **options: Any) -> FakeJobTrigger:
    defaults: dict[str, Any] = {
        "conn_id": "fake_default",
        "deadline": time.time() + 60,
        "poll_interval": 0.05,
    }
    defaults["max_poll_interval"] = options.pop("max_poll_interval", 0.2)
    return FakeJobTrigger(job_id=job_id, **{**defaults, **options})


async def first_event(waiting: VendorPollingTrigger) -> dict[str, Any]:
    events = [event.payload async for event in waiting.run()]
    assert len(events) == 1, events
    return events[0]


# -- the shared status loop ----------------------------------------------------------------------------
def test_due_lookups_of_many_waits_are_answered_by_one_list_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__SWEEP_MIN_WAITS", "1000")  # no sweep: due lookups only
    VENDOR.jobs.update({f"j{i}": "running" for i in range(50)})

    async def scenario() -> list[str]:
        loop = status.acquire(LISTED, "fake_default")
        nudge = lambda: None  # noqa: E731
        for i in range(50):
            loop.watch(f"j{i}", nudge)
        answers = await asyncio.gather(*(loop.lookup(f"j{i}") for i in range(50)))
        for i in range(50):
            loop.unwatch(f"j{i}", nudge)
        status.release(loop)
        return answers

    assert asyncio.run(scenario()) == ["running"] * 50
    assert (VENDOR.list_calls, VENDOR.single_calls) == (1, [])


def test_a_job_missing_from_the_list_answer_falls_back_to_one_single_lookup() -> None:
    VENDOR.jobs.update({"a": "running", "b": "done", "c": "running"})
    VENDOR.hidden_from_list.add("b")

    async def scenario() -> tuple[list[str], StatusLoop[Any, str]]:
        loop = status.acquire(LISTED, "fake_default")
        for job_id in "abc":
            loop.watch(job_id, lambda: None)
        return list(await asyncio.gather(*(loop.lookup(job_id) for job_id in "abc"))), loop

    answers, loop = asyncio.run(scenario())
    assert answers == ["running", "done", "running"]
    assert (VENDOR.list_calls, VENDOR.single_calls, loop.counters.fallbacks) == (1, ["b"], 1)


def test_identical_lookups_in_flight_cost_one_call() -> None:
    VENDOR.jobs["x"] = "running"

    async def scenario() -> list[str]:
        loop = status.acquire(SINGLE, "fake_default")
        return list(await asyncio.gather(*(loop.lookup("x") for _ in range(20))))

    assert asyncio.run(scenario()) == ["running"] * 20
    assert VENDOR.single_calls == ["x"]


def test_a_list_answer_pushes_a_change_to_a_watcher_that_did_not_ask() -> None:
    VENDOR.jobs.update({"asker": "running", "other": "running", "third": "running"})

    async def scenario() -> list[str]:
        loop = status.acquire(LISTED, "fake_default")
        pushed: list[str] = []
        for job_id in VENDOR.jobs:
            loop.watch(job_id, lambda job_id=job_id: pushed.append(job_id))
        await loop.lookup("asker")  # sees all three: first sight of the others is a change
        pushed.clear()
        VENDOR.jobs["other"] = "done"
        await loop.lookup("asker")
        cached = await loop.lookup("other", Mode.CACHED)  # the pushed answer, no call
        assert cached == "done"
        return pushed

    assert asyncio.run(scenario()) == ["other"]
    assert VENDOR.list_calls == 2 and VENDOR.single_calls == []


def test_a_lookup_cancelled_mid_wait_leaves_the_shared_answer_to_the_others() -> None:
    VENDOR.jobs["x"] = "running"

    async def scenario() -> str:
        loop = status.acquire(SINGLE, "fake_default")
        doomed = asyncio.ensure_future(loop.lookup("x"))
        survivor = asyncio.ensure_future(loop.lookup("x"))
        await asyncio.sleep(0)
        doomed.cancel()
        return await survivor

    assert asyncio.run(scenario()) == "running"
    assert VENDOR.single_calls == ["x"]


def test_with_many_waits_the_loop_sweeps_them_all_with_list_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__SWEEP_MIN_WAITS", "10")
    VENDOR.jobs.update({f"s{i}": "running" for i in range(10)})

    async def scenario() -> list[str]:
        loop = status.acquire(LISTED, "fake_default")
        pushed: list[str] = []
        for i in range(10):
            loop.watch(f"s{i}", lambda i=i: pushed.append(f"s{i}"))
        await until("a first sweep", lambda: len(pushed) == 10)  # first sight of each job is a change
        pushed.clear()
        VENDOR.jobs["s3"] = "done"
        await until("the change was swept up", lambda: pushed == ["s3"])
        return pushed

    assert asyncio.run(scenario()) == ["s3"]
    assert VENDOR.single_calls == [] and VENDOR.list_calls >= 2


# -- triggers on the shared loop ---------------------------------------------------------------------------
def test_waits_on_one_connection_share_list_calls_and_each_yields_one_event() -> None:
    VENDOR.jobs.update({f"j{i}": "running" for i in range(30)})

    async def scenario() -> list[dict[str, Any]]:
        waits = [asyncio.ensure_future(first_event(trigger(f"j{i}"))) for i in range(30)]
        await until("every wait polled", lambda: VENDOR.list_calls >= 2)
        for i in range(30):
            VENDOR.jobs[f"j{i}"] = "done"
        events = await asyncio.gather(*waits)
        assert status.loops_of_running_loop() == []  # the last wait gone, the loop is dropped
        return events

    events = asyncio.run(scenario())
    assert sorted(event["job_id"] for event in events) == sorted(f"j{i}" for i in range(30))
    assert {event["status"] for event in events} == {"success"}
    polls = VENDOR.list_calls + len(VENDOR.single_calls)
    assert polls < 30, f"{VENDOR.list_calls} list calls and {len(VENDOR.single_calls)} single lookups"


def test_a_trigger_cancelled_mid_wait_stops_watching_and_releases_its_loop() -> None:
    VENDOR.jobs.update({"x": "running", "y": "running"})

    async def scenario() -> None:
        staying = asyncio.ensure_future(first_event(trigger("y")))
        leaving = asyncio.ensure_future(first_event(trigger("x")))
        await until("both polled", lambda: len(VENDOR.single_calls) + VENDOR.list_calls >= 2)
        leaving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leaving
        [loop] = status.loops_of_running_loop()
        assert "x" not in loop._watchers and loop.users == 1
        VENDOR.jobs["y"] = "done"
        assert (await staying)["status"] == "success"
        assert status.loops_of_running_loop() == []

    asyncio.run(scenario())


def test_a_triggerer_restart_rebuilds_the_trigger_from_its_kwargs_and_it_finishes() -> None:
    VENDOR.jobs["r"] = "running"
    # deferred two minutes ago: the rebuilt trigger looks at start (a wake may have been lost meanwhile)
    before = trigger("r", observed_status="running", observed_at=time.time() - 120, callbacks=True)
    classpath, kwargs = before.serialize()
    assert kwargs["observed_status"] == "running" and kwargs["callbacks"] is True

    async def first_triggerer() -> None:
        task = asyncio.ensure_future(first_event(before))
        await asyncio.sleep(0.2)
        task.cancel()  # SIGTERM: the triggerer's loop ends, nothing is yielded
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(first_triggerer())
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    VENDOR.jobs["r"] = "done"
    event = asyncio.run(first_event(rebuilt))
    assert (event["status"], event["vendor_status"], event["job_id"]) == ("success", "done", "r")


def test_the_operator_s_fresh_look_is_not_repeated_by_the_first_poll() -> None:
    VENDOR.jobs["f"] = "running"

    async def scenario() -> None:
        waiting = trigger(
            "f", observed_status="running", observed_at=time.time(), poll_interval=2.0, max_poll_interval=2.0
        )
        task = asyncio.ensure_future(first_event(waiting))
        await asyncio.sleep(1.0)  # first poll is due at 1.6-2 s (jittered), not at start
        assert VENDOR.single_calls == [] and VENDOR.list_calls == 0
        VENDOR.jobs["f"] = "done"
        assert (await task)["status"] == "success"

    asyncio.run(scenario())


# -- wakes ---------------------------------------------------------------------------------------------
def test_a_forged_wake_costs_exactly_one_status_call_and_no_event() -> None:
    VENDOR.jobs["w"] = "running"

    async def scenario() -> None:
        waiting = trigger(
            "w",
            observed_status="running",
            observed_at=time.time(),
            poll_interval=LONG,
            max_poll_interval=LONG,
        )
        task = asyncio.ensure_future(first_event(waiting))
        listener = wake.listener()
        assert listener is not None
        await until("the wait listens", lambda: bool(listener._callbacks))
        assert await wake.wake("fake", "w")  # nothing changed at the vendor: a forged or replayed wake
        await until("the wake was handled", lambda: len(VENDOR.single_calls) == 1)
        await asyncio.sleep(0.5)
        assert not task.done() and VENDOR.single_calls == ["w"] and VENDOR.list_calls == 0
        VENDOR.jobs["w"] = "done"  # now the vendor says done, and a real callback wakes the wait
        assert await wake.wake("fake", "w")
        event = await asyncio.wait_for(task, 30)
        assert event["status"] == "success" and VENDOR.single_calls == ["w", "w"]

    asyncio.run(scenario())


def test_a_wake_file_written_while_nobody_listened_wakes_the_wait_when_it_arms() -> None:
    VENDOR.jobs["late"] = "done"

    async def scenario() -> dict[str, Any]:
        assert await wake.wake("fake", "late")  # e.g. during a triggerer restart
        waiting = trigger(
            "late",
            observed_status="running",
            observed_at=time.time(),
            poll_interval=LONG,
            max_poll_interval=LONG,
        )
        return await asyncio.wait_for(first_event(waiting), 30)

    assert asyncio.run(scenario())["status"] == "success"
    assert VENDOR.single_calls == ["late"]


def test_wake_keys_are_fixed_length_hashes_not_paths() -> None:
    key = wake.wake_key("rev", "../../etc/passwd")
    assert len(key) == wake.KEY_LENGTH and key.isalnum()
    assert key != wake.wake_key("akool", "../../etc/passwd")


# -- schedules -----------------------------------------------------------------------------------------
def test_the_default_schedules_meet_the_call_budgets_for_a_30_minute_job() -> None:
    polling = PollSchedule.parse("10,1.5,360")
    assert polling.calls_for(30 * 60) + 1 <= 15  # + the operator's check before deferring
    safety_net = PollSchedule.parse("1200,1,1200")
    assert polls_before(safety_net, 30 * 60) + 1 + 1 <= 3  # + the operator's check + the woken look


@pytest.mark.parametrize("text", ["10,1.5", "a,b,c", "0,1.5,10", "10,0.5,300", "10,1.5,5"])
def test_a_bad_schedule_names_the_setting_and_the_form(text: str) -> None:
    with pytest.raises(ValueError, match="first"):
        PollSchedule.parse(text, "poll_schedule_rev")


def test_a_list_entry_whose_status_did_not_change_is_answered_by_the_held_model() -> None:
    from video_localization.core.wait.status import split_unchanged

    held = {"a": "running", "b": "running"}
    entries = [
        {"id": "a", "status": "running", "anything": "else"},  # unchanged: the held model, not parsed
        {"id": "b", "status": "done"},  # changed: parsed
        {"id": "c", "status": "running"},  # never seen: parsed
    ]
    unchanged, to_parse = split_unchanged(entries, held, "id", lambda word: word)
    assert unchanged == ["running"]
    assert [entry["id"] for entry in to_parse] == ["b", "c"]


def test_a_fresh_deferral_is_announced_by_the_operator_and_a_restart_by_the_trigger(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The triggerer, shared by thousands of waits, logs only changes after a fresh deferral; a trigger
    started without that fresh check (a restart) says what it waits on itself."""
    VENDOR.jobs.update({"fresh": "done", "restarted": "done"})
    fresh = trigger("fresh", observed_status="running", observed_at=time.time(), poll_interval=0.2)
    announced = fresh.announce()  # what the operator logs in its worker before deferring
    assert announced.startswith("Waiting on fake job_id fresh until ")
    assert "the operator saw running; first check at " in announced
    restarted = trigger("restarted", observed_status="running", observed_at=time.time() - 600)
    lines: dict[str, list[str]] = {"fresh": [], "restarted": []}
    for waiting in (fresh, restarted):
        monkeypatch.setattr(
            waiting, "_info", lambda message, *args, job=waiting.job_id: lines[job].append(message % args)
        )
        assert asyncio.run(first_event(waiting))["status"] == "success"
    assert [line for line in lines["fresh"] if line.startswith("Waiting on")] == []
    assert lines["fresh"][-1] == "fake job_id fresh is done: the wait ends (success)"
    assert lines["restarted"][0].startswith("Waiting on fake job_id restarted until ")
