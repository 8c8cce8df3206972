"""What a finished wait means: a trigger's (or a poke's) terminal event -> the result, or the vendor's error.

Shared by the operators and the sensors, so both judge an event the same way, and so a sensor module needs
no operator module (sensors and operators depend on this module, not on each other).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowException

from video_localization.core.errors import VendorJobFailed


class VendorWaitTimeout(AirflowException):
    """The vendor job did not finish before the operator's `wait_timeout`."""


def raise_for_event(event: dict[str, Any] | None) -> dict[str, Any]:
    """A trigger event -> the event when it is a success; the vendor's words as an exception otherwise."""
    if not event:
        raise AirflowException("resumed without a trigger event")
    status = event.get("status")
    message = event.get("message") or ""
    if status == "success":
        return event
    if status == "failed":
        raise VendorJobFailed(event.get("vendor", "vendor"), message, code=event.get("error_code"))
    if status == "timeout":
        raise VendorWaitTimeout(message)
    if status == "error":
        raise AirflowException(f"waiting on the vendor failed: {message}")
    raise AirflowException(f"unknown trigger event: {event!r}")
