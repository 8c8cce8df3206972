"""RevOrderTrigger: its whole state is in serialize(), run() yields exactly one event, on_kill cancels.

Each trigger runs in a plain `asyncio.run`, as the triggerer would run it, reading `rev_default` from the
environment through `BaseHook.aget_connection`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from typing import Any

from rev_test_support import RevObjects
from video_localization.core.triggers import VendorPollingTrigger
from video_localization.rev.models import AttachmentKind, OrderStatus
from video_localization.rev.triggers import RevOrderTrigger

FAST_POLL = {"poll_interval": 0.02, "max_poll_interval": 0.1, "backoff_factor": 1.5}


def trigger_for(order_number: str, seconds: float = 10, **options: Any) -> RevOrderTrigger:
    return RevOrderTrigger(
        order_number=order_number,
        conn_id="rev_default",
        deadline=time.time() + seconds,
        **FAST_POLL,
        **options,
    )


def run_trigger(trigger: VendorPollingTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def test_the_trigger_serializes_everything_it_needs() -> None:
    deadline = time.time() + 3600
    trigger = RevOrderTrigger(
        order_number="CP0123456789",
        conn_id="rev_eu",
        deadline=deadline,
        poll_interval=5,
        cancel_on_kill=False,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "video_localization.rev.triggers.RevOrderTrigger"
    assert kwargs == {
        "order_number": "CP0123456789",
        "conn_id": "rev_eu",
        "deadline": deadline,
        "poll_interval": 5.0,
        "max_poll_interval": 60.0,
        "backoff_factor": 1.5,
        "cancel_on_kill": False,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    module, _, name = classpath.rpartition(".")
    again = getattr(importlib.import_module(module), name)(**kwargs)
    assert again.serialize() == (classpath, kwargs)


def test_a_complete_order_is_one_success_event(rev: RevObjects) -> None:
    number = rev.place()
    [event] = run_trigger(trigger_for(number))
    order = rev.hook.get_order(number)
    assert event == {
        "status": "success",
        "message": "",
        "vendor": "rev",
        "order_number": number,
        "vendor_status": "Complete",
        "caption_attachments": [a.id for a in order.attachments_of(AttachmentKind.CAPTION)],
    }


def test_a_cancelled_order_is_a_failed_event(rev: RevObjects) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    rev.hook.cancel_order(number)
    [event] = run_trigger(trigger_for(number))
    assert (event["status"], event["vendor_status"]) == ("failed", "Cancelled")
    assert event["message"] == f"order {number} was cancelled"


def test_an_unknown_order_ends_the_wait_with_rev_s_words(rev: RevObjects) -> None:
    [event] = run_trigger(trigger_for("CP0000000000"))
    assert (event["status"], event["http_status"], event["vendor_code"]) == ("error", 404, 404)
    assert "no order 'CP0000000000'" in event["message"]


def test_the_deadline_ends_the_wait(rev: RevObjects) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    [event] = run_trigger(trigger_for(rev.place(), seconds=0.2))
    assert (event["status"], event["vendor_status"]) == ("timeout", "In Progress")


def test_on_kill_cancels_the_order_and_a_refusal_is_only_logged(rev: RevObjects) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    asyncio.run(trigger_for(number).on_kill())
    assert rev.hook.get_order(number).status is OrderStatus.CANCELLED
    asyncio.run(trigger_for(number).on_kill())  # Rev refuses (400) a second cancel: logged, not raised
    asyncio.run(trigger_for(number, cancel_on_kill=False).on_kill())
    assert rev.requests_to("POST /rev/orders/{order_number}/cancel") == 2
