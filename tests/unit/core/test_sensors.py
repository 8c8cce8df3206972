"""Vendor sensors in deferrable mode: done at once -> result without deferring; else defer, never cancel."""

from __future__ import annotations

import asyncio

import pytest
from airflow.sdk.exceptions import TaskDeferred

from video_localization.core.errors import VendorJobFailed
from video_localization.panjaya.sensors import PanjayaVersionSensor
from video_localization.panjaya.triggers import PanjayaVersionTrigger
from vloc_test_support import PanjayaObjects, fake_context


def test_deferrable_sensor_on_a_finished_version_answers_without_deferring(panjaya: PanjayaObjects):
    version = panjaya.completed_version("de-DE")
    sensor = PanjayaVersionSensor(task_id="wait", version_id=version.id, deferrable=True)
    result = sensor.execute(fake_context())
    assert result["status"] == "success"
    assert result["version_id"] == version.id


def test_deferrable_sensor_defers_to_a_watch_only_trigger_that_then_succeeds(panjaya: PanjayaObjects):
    version = panjaya.editable_version("fr-FR")
    settings = panjaya.sandbox.sandbox.settings
    fast = settings.step_seconds
    # Deterministic on a loaded machine: the generation cannot finish before the sensor's first poke
    # (it used to, now and then, and the sensor then rightly answered without deferring) ...
    settings.step_seconds = 3600
    panjaya.hook.generate_version(version.id)
    sensor = PanjayaVersionSensor(
        task_id="wait", version_id=version.id, deferrable=True, poke_interval=0.05, timeout=30
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(fake_context())
    settings.step_seconds = fast  # ... and, once deferred, it finishes for the trigger to see
    trigger = deferred.value.trigger
    assert isinstance(trigger, PanjayaVersionTrigger)
    assert trigger.cancel_on_kill is False  # the sensor does not own the job

    async def first_event():
        async for event in trigger.run():
            return event.payload

    event = asyncio.run(first_event())
    assert sensor.execute_complete(fake_context(), event)["status"] == "success"


def test_sensor_fails_with_the_vendors_words_when_the_generation_fails(panjaya: PanjayaObjects):
    import httpx

    version = panjaya.editable_version("it-IT")
    httpx.post(f"{panjaya.sandbox.url}/panjaya/_sandbox/fail-next-generate", timeout=5)
    panjaya.hook.generate_version(version.id)
    sensor = PanjayaVersionSensor(task_id="wait", version_id=version.id, poke_interval=0.05, timeout=30)
    with pytest.raises(VendorJobFailed, match="generation_failed"):
        sensor.execute(fake_context())
