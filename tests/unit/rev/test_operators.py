"""Rev operators and sensor, run with a fake task context against the sandbox.

What they promise: bad input never reaches Rev (the sandbox's request counter stays 0, and the error
names the field, the value and what is allowed); an order is placed once per task instance whatever
retries and crashes happen around it (the sandbox's `created` counter); every requested format is
saved verified into `<output_dir>/captions/`, and only ids and URIs go to XCom.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import fsspec
import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred
from airflow.sdk.io import attach

from rev_test_support import (
    HTTP,
    INPUTS_ROUTE,
    LIST_ROUTE,
    ORDERS_ROUTE,
    QUICK,
    SAMPLE,
    RevObjects,
    inject_fault,
    rev_connection_json,
)
from video_localization.core.captions.formats import CaptionFormat, caption_filename
from video_localization.core.captions.operators import ConvertCaptionsOperator
from video_localization.core.errors import InvalidInputError, InvalidInputs, VendorError, VendorJobFailed
from video_localization.core.submit_once import idempotency_reference
from video_localization.rev.models import AttachmentKind, OrderStatus
from video_localization.rev.operators import (
    INPUT_STATE_KEY,
    ORDER_STATE_KEY,
    RevCaptionOrderOperator,
    RevDownloadCaptionsOperator,
    RevUploadInputOperator,
    media_length_seconds,
)
from video_localization.rev.sensors import RevOrderSensor
from video_localization.rev.triggers import RevOrderTrigger
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FakeTaskInstance, MemoryStateStore, wait_until

ContextFactory = Callable[..., dict[str, Any]]


def order_operator(**overrides: Any) -> RevCaptionOrderOperator:
    arguments: dict[str, Any] = {
        "task_id": "captions",
        "source": str(SAMPLE),
        "locale": "fr-FR",
        "formats": ["SubRip", "WebVtt"],
        **QUICK,
    }
    arguments.update(overrides)
    return RevCaptionOrderOperator(**arguments)


# -- bad input never reaches Rev ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "value", "words"),
    [
        ({"locale": "th-TH"}, "locale", "th-TH", "Rev does not caption it"),
        ({"locale": "ja-JP", "formats": ["Scc"]}, "caption_formats", "Scc", "CEA-608 character set"),
        ({"locale": "hi-IN", "formats": ["EbuStl"]}, "caption_formats", "EbuStl", "character code tables"),
        ({"formats": ["Srt"]}, "caption_formats", "Srt", "not a caption format"),
        ({"formats": []}, "caption_formats", [], "none given"),
        ({"notification_url": "hooks.example/rev"}, "notification_url", "hooks.example/rev", "http"),
        ({"notification_level": "Sometimes"}, "notification_level", "Sometimes", "FinalOnly"),
        ({"video_length_seconds": 0}, "video_length_seconds", 0, "a whole number >= 1"),
        ({"burned_in": "maybe"}, "burned_in", "maybe", "true or false"),
        ({"source": "/no/such/video.mp4"}, "source", "/no/such/video.mp4", "no such file"),
        ({"source": "memory://bucket/launch.mp4"}, "source", "memory://bucket/launch.mp4", "no such file"),
        ({"source": None}, "source", None, "input_uri"),
    ],
)
def test_bad_input_is_rejected_before_any_call_to_rev(
    rev: RevObjects,
    make_context: ContextFactory,
    overrides: dict[str, Any],
    field: str,
    value: Any,
    words: str,
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        order_operator(**overrides).execute(make_context())
    assert (caught.value.field, caught.value.value) == (field, value)
    assert words in str(caught.value)
    assert rev.requests() == 0
    assert rev.counters()["requests_by_vendor"] == {}


def test_every_bad_field_is_reported_at_once(rev: RevObjects, make_context: ContextFactory) -> None:
    operator = order_operator(locale="ja-JP", formats=["Scc", "Mcc"], video_length_seconds=-3, burned_in="x")
    with pytest.raises(InvalidInputs) as caught:
        operator.execute(make_context())
    assert [(e.field, e.value) for e in caught.value.errors] == [
        ("caption_formats", "Scc"),
        ("caption_formats", "Mcc"),
        ("burned_in", "x"),
        ("video_length_seconds", -3),
    ]
    assert rev.requests() == 0


# -- order once -------------------------------------------------------------------------------------------
def test_the_order_operator_uploads_orders_once_and_waits(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    result = order_operator(formats=["SubRip", "Scc"]).execute(context)
    number = result["order_number"]
    assert result == {"order_number": number, "locale": "fr-FR", "status": "Complete", "reused": False}
    assert context["ti"].pushed == [("order_number", number)]
    assert context["task_state_store"].values[ORDER_STATE_KEY] == number
    order = rev.hook.get_order(number)
    assert order.client_ref == idempotency_reference(context, "fr-FR")
    assert order.status is OrderStatus.COMPLETE
    assert rev.counters()["created"] == {"rev:input": 1, "rev:order": 1}
    [caption] = order.attachments_of(AttachmentKind.CAPTION)
    assert "Bonjour et bienvenue." in rev.hook.get_content(caption.id, CaptionFormat.SUBRIP).decode()


def test_a_retry_reattaches_through_the_state_store(rev: RevObjects, make_context: ContextFactory) -> None:
    context = make_context()
    first = order_operator().execute(context)
    again = order_operator().execute(context)
    assert again == {**first, "reused": True}
    assert rev.orders_created() == 1
    assert rev.requests_to(ORDERS_ROUTE) == 1
    assert rev.requests_to(INPUTS_ROUTE) == 1  # nothing uploaded again either


def test_a_crash_before_the_state_store_write_is_covered_by_the_client_ref_lookup(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    first = order_operator().execute(make_context())
    fresh_store = MemoryStateStore()  # same task instance, but the order number never reached the store
    second = order_operator().execute(make_context(FakeTaskInstance(), fresh_store))
    assert second["order_number"] == first["order_number"] and second["reused"]
    assert rev.orders_created() == 1
    assert rev.requests_to(LIST_ROUTE) >= 1  # GET /orders?clientRef=...
    assert fresh_store.values == {ORDER_STATE_KEY: first["order_number"]}


def test_a_retry_after_a_failed_order_orders_the_input_the_first_try_sent(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    inject_fault(rev.sandbox, 500, "POST", "/orders", times=1)  # Rev never acted on it
    context = make_context()
    with pytest.raises(VendorError, match="500"):
        order_operator().execute(context)
    kept = context["task_state_store"].get(INPUT_STATE_KEY)
    assert kept["source"] == str(SAMPLE) and kept["uri"].startswith("urn:rev:inputmedia:")

    result = order_operator().execute(context)
    assert result["status"] == "Complete"
    assert rev.counters()["created"] == {"rev:input": 1, "rev:order": 1}
    assert rev.requests_to(INPUTS_ROUTE) == 1


def test_a_kept_input_of_another_source_is_not_reused(rev: RevObjects, make_context: ContextFactory) -> None:
    context = make_context()
    context["task_state_store"].set(
        INPUT_STATE_KEY, {"source": "/elsewhere.mp4", "uri": "urn:rev:inputmedia:x"}
    )
    order_operator().execute(context)
    assert rev.counters()["created"] == {"rev:input": 1, "rev:order": 1}
    assert context["task_state_store"].get(INPUT_STATE_KEY)["source"] == str(SAMPLE)


def test_each_mapped_task_instance_orders_its_own_captions(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    numbers = {
        order_operator().execute(make_context(FakeTaskInstance(map_index=index)))["order_number"]
        for index in (0, 1)
    }
    assert len(numbers) == 2
    assert rev.orders_created() == 2


def test_a_cancelled_order_is_not_reused_by_the_retry(rev: RevObjects, make_context: ContextFactory) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    context = make_context()
    first = order_operator(wait=False).execute(context)
    rev.hook.cancel_order(first["order_number"])
    rev.sandbox.sandbox.settings.step_seconds = 0.05
    second = order_operator().execute(make_context(FakeTaskInstance(), MemoryStateStore()))
    assert second["order_number"] != first["order_number"]
    assert rev.orders_created() == 2


def test_an_order_from_a_url_lets_rev_fetch_the_media(rev: RevObjects, make_context: ContextFactory) -> None:
    result = order_operator(source=rev.media_url(), locale="de-DE").execute(make_context())
    assert result["status"] == "Complete"
    assert rev.counters()["created"] == {"rev:input": 1, "rev:order": 1}


def test_an_order_from_an_uploaded_input(rev: RevObjects, make_context: ContextFactory) -> None:
    uploaded = RevUploadInputOperator(task_id="upload", source=str(SAMPLE)).execute(make_context())
    assert uploaded["input_uri"].startswith("urn:rev:inputmedia:")
    result = order_operator(source=None, input_uri=uploaded["input_uri"]).execute(make_context())
    assert result["status"] == "Complete"
    assert rev.counters()["created"] == {"rev:input": 1, "rev:order": 1}


def test_an_order_from_object_storage_streams_it_and_gives_rev_its_length(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    memory = fsspec.filesystem("memory")
    attach("memory", fs=memory)  # an object store Airflow knows by scheme, as s3:// would be
    memory.pipe("/rev-media/launch.mp4", SAMPLE.read_bytes())
    source = "memory://rev-media/launch.mp4"
    try:
        assert media_length_seconds(source) == 8  # read from the MP4's headers, rounded up
        result = order_operator(source=source).execute(make_context())
    finally:
        memory.rm("/rev-media", recursive=True)
    assert media_length_seconds(rev.media_url()) is None  # Rev fetches URLs and measures them itself
    order = rev.hook.get_order(result["order_number"])
    [media] = order.attachments_of(AttachmentKind.MEDIA)
    assert (media.name, media.video_length_seconds) == ("launch.mp4", 8)
    assert rev.hook.get_content(media.id) == SAMPLE.read_bytes()


def test_sandbox_mode_comes_from_the_connection_unless_given(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    with pytest.raises(VendorError) as caught:  # the sandbox user's keys: real orders are refused
        order_operator(sandbox_mode="False").execute(make_context())  # as a rendered template gives it
    assert (caught.value.code, caught.value.status_code) == (50002, 400)
    assert rev.orders_created() == 0
    assert order_operator().execute(make_context(FakeTaskInstance(map_index=1)))["status"] == "Complete"


def test_notifications_go_to_the_connection_s_url(
    sandbox: RunningSandbox, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{sandbox.url}/_sandbox/health"  # anything that answers; Rev ignores the answer
    monkeypatch.setenv("AIRFLOW_CONN_REV_DEFAULT", rev_connection_json(sandbox, notification_url=url))
    result = order_operator().execute(make_context())

    def notifications() -> list[dict[str, Any]]:
        return [
            sent for sent in HTTP.get(f"{sandbox.url}/_sandbox/callbacks").json() if sent["vendor"] == "rev"
        ]

    deadline = time.monotonic() + 5
    while not notifications() and time.monotonic() < deadline:
        time.sleep(0.02)
    [sent] = notifications()  # FinalOnly: one notification, when the order is Complete
    assert sent["url"] == url
    assert f"order_number={result['order_number']}" in sent["body"]
    assert "status=Complete" in sent["body"]


async def collect(trigger: RevOrderTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


# -- waiting: deferred, cancelled, killed -------------------------------------------------------------------
def test_deferrable_defers_to_the_trigger_and_resumes_from_its_event(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 0.3
    operator = order_operator(deferrable=True)
    context = make_context()
    with pytest.raises(TaskDeferred) as caught:
        operator.execute(context)
    trigger = caught.value.trigger
    assert isinstance(trigger, RevOrderTrigger)
    number = context["ti"].pushed_value("order_number")
    assert trigger.order_number == number and trigger.cancel_on_kill

    [event] = asyncio.run(collect(trigger))
    assert operator.execute_complete(context, event) == {
        "order_number": number,
        "locale": "fr-FR",
        "status": "Complete",
        "reused": False,
    }


def test_a_cancelled_order_fails_the_task_deferred_or_not(
    rev: RevObjects, make_context: ContextFactory
) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    operator = order_operator(deferrable=True)
    context = make_context()
    with pytest.raises(TaskDeferred) as caught:
        operator.execute(context)
    rev.hook.cancel_order(caught.value.trigger.order_number)
    [event] = asyncio.run(collect(caught.value.trigger))
    with pytest.raises(VendorJobFailed, match="was cancelled"):
        operator.execute_complete(context, event)

    waiting = order_operator(locale="de-DE")  # waits here, polling every 50 ms
    context = make_context(FakeTaskInstance(map_index=1))
    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(waiting.execute, context)
        number = wait_until("order placed", lambda: context["ti"].pushed_value("order_number"), bool)
        rev.hook.cancel_order(number)
        with pytest.raises(VendorJobFailed, match=f"order {number} was cancelled"):
            outcome.result(timeout=10)


def test_on_kill_cancels_the_order(rev: RevObjects, make_context: ContextFactory) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    operator = order_operator(wait=False)
    number = operator.execute(make_context())["order_number"]
    operator.on_kill()
    assert rev.hook.get_order(number).status is OrderStatus.CANCELLED
    operator.on_kill()  # refused now (already cancelled): logged, not raised
    order_operator().on_kill()  # nothing ordered yet: nothing to cancel


# -- download ---------------------------------------------------------------------------------------------
def test_download_saves_every_format_and_the_burned_in_video(
    rev: RevObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    formats = [fmt.value for fmt in CaptionFormat]
    number = order_operator(locale="en-US", formats=formats, burned_in=True).execute(make_context())[
        "order_number"
    ]
    output = tmp_path / "run" / "en-US"
    result = RevDownloadCaptionsOperator(
        task_id="download", order_number=number, output_dir=str(output), locale="en-US", formats=formats,
        include_burned_in=True,
    ).execute(make_context())  # fmt: skip
    names = [caption_filename(CaptionFormat(name), "en-US") for name in formats] + ["video.burned-in.mp4"]
    assert [file["name"] for file in result["files"]] == names
    assert sorted(p.name for p in (output / "captions").iterdir()) == sorted(names)  # nothing half-written
    for file in result["files"]:
        data = (output / "captions" / file["name"]).read_bytes()
        assert (file["size_bytes"], file["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert (output / "captions" / "video.burned-in.mp4").read_bytes() == SAMPLE.read_bytes()
    assert "Hello and welcome." in (output / "captions" / "en-US.srt").read_text()
    assert (result["locale"], result["order_number"], result["comments"]) == ("en-US", number, [])
    as_text = json.dumps(result)
    assert "/attachments/" not in as_text and "sandbox-user-key" not in as_text


def test_download_refuses_an_order_that_is_not_complete(
    rev: RevObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    operator = RevDownloadCaptionsOperator(
        task_id="download", order_number=number, output_dir=str(tmp_path), locale="en-US", formats=["SubRip"]
    )
    with pytest.raises(AirflowException, match="only a Complete order can be downloaded"):
        operator.execute(make_context())
    assert list(tmp_path.iterdir()) == []


def test_download_of_a_burned_in_video_that_was_not_ordered_fails_with_rev_s_comments(
    rev: RevObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    number = rev.complete_order().order_number
    operator = RevDownloadCaptionsOperator(
        task_id="download", order_number=number, output_dir=str(tmp_path), locale="en-US", formats=["SubRip"],
        include_burned_in=True,
    )  # fmt: skip
    with pytest.raises(VendorJobFailed, match="has no burned-in caption video"):
        operator.execute(make_context())


def test_rev_s_subrip_converts_locally_into_the_other_formats(
    rev: RevObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    number = order_operator(locale="de-DE", formats=["SubRip"]).execute(make_context())["order_number"]
    RevDownloadCaptionsOperator(
        task_id="download", order_number=number, output_dir=str(tmp_path), locale="de-DE", formats=["SubRip"]
    ).execute(make_context())
    converted = ConvertCaptionsOperator(
        task_id="convert",
        srt_path=str(tmp_path / "captions" / "de-DE.srt"),
        output_dir=str(tmp_path),
        locale="de-DE",
        formats=["Scc", "EbuStl", "Stl"],
    ).execute(make_context())
    assert [file["name"] for file in converted["files"]] == ["de-DE.scc", "de-DE.ebu.stl", "de-DE.stl"]
    assert "Hallo und willkommen." in (tmp_path / "captions" / "de-DE.stl").read_text(encoding="utf-8")


# -- sensor ------------------------------------------------------------------------------------------------
SENSOR = {"mode": "poke", "poke_interval": 0.05, "timeout": 20, "deferrable": False}


def test_sensor_pokes_until_complete(rev: RevObjects, make_context: ContextFactory) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 0.2
    number = rev.place()
    sensor = RevOrderSensor(task_id="captioned", order_number=number, **SENSOR)
    assert sensor.poke(make_context()) is False
    result = sensor.execute(make_context())
    assert (result["status"], result["order_number"], result["vendor_status"]) == (
        "success",
        number,
        "Complete",
    )
    assert len(result["caption_attachments"]) == 1


def test_sensor_fails_on_a_cancelled_order(rev: RevObjects, make_context: ContextFactory) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    rev.hook.cancel_order(number)
    with pytest.raises(VendorJobFailed, match="was cancelled"):
        RevOrderSensor(task_id="captioned", order_number=number, **SENSOR).poke(make_context())


def test_sensor_defers_without_cancelling_on_kill(rev: RevObjects, make_context: ContextFactory) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    sensor = RevOrderSensor(
        task_id="captioned", order_number=number, poke_interval=1, timeout=60, deferrable=True
    )
    with pytest.raises(TaskDeferred) as caught:
        sensor.execute(make_context())
    assert isinstance(caught.value.trigger, RevOrderTrigger)
    assert caught.value.trigger.serialize()[1]["cancel_on_kill"] is False
