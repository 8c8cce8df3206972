"""From a callback the receiver believed (or, for Rev, a hint it cannot verify) to the waiting trigger.

The receivers in `app.py` call these after verification succeeded; each only wakes the trigger waiting on
the named job (`core.wait.wake`). The trigger then asks the vendor once and believes only that answer, so
nothing here decides a job's fate, and a wake that reaches no waiting trigger costs nothing.

Rev signs nothing: its notification is parsed strictly (size, shape, order number) and then only used as
a hint, which is all a forged one could ever be.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from video_localization.akool.models import VENDOR as AKOOL
from video_localization.core.wait.wake import wake
from video_localization.panjaya.models import CallbackPayload
from video_localization.rev.models import VENDOR as REV

PANJAYA = "panjaya"
#: A Rev notification is a handful of form fields; anything far larger is not Rev.
MAX_REV_NOTIFICATION_BYTES = 16 * 1024
#: Rev order numbers as Rev prints them (e.g. CP0123456789); the receiver refuses anything else.
REV_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


async def wake_panjaya(payload: CallbackPayload) -> None:
    """Asset events wake the asset's wait; version events also wake the version's."""
    await wake(PANJAYA, payload.asset_id)
    if payload.version_id:
        await wake(PANJAYA, payload.version_id)


async def wake_akool(job_id: str) -> None:
    await wake(AKOOL, job_id)


class RevNotificationRefused(ValueError):
    """A body that is not a Rev order notification (why, without echoing it whole)."""


def rev_order_number(body: bytes, content_type: str | None) -> str:
    """The `order_number` of a Rev notification (form-urlencoded, or JSON when asked for)."""
    if len(body) > MAX_REV_NOTIFICATION_BYTES:
        raise RevNotificationRefused(f"body of {len(body)} bytes is over {MAX_REV_NOTIFICATION_BYTES}")
    text = body.decode("utf-8", errors="replace")
    if (content_type or "").split(";")[0].strip().lower() == "application/json":
        try:
            fields = json.loads(text)
        except json.JSONDecodeError:
            raise RevNotificationRefused("body is not JSON") from None
        number = fields.get("order_number") if isinstance(fields, dict) else None
    else:
        number = (parse_qs(text).get("order_number") or [None])[0]
    if not isinstance(number, str) or not REV_ORDER_NUMBER.match(number):
        raise RevNotificationRefused(f"order_number {str(number)[:80]!r} is not a Rev order number")
    return number


async def wake_rev(order_number: str) -> None:
    await wake(REV, order_number)
