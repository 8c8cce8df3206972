"""Deferrable wait on a Rev order: polls it in the triggerer until Complete or Cancelled.

Killing the task (mark failed/success, clear) cancels the order, which Rev allows until work on it has
begun; a refusal is logged, not raised (the order is then left to finish).
"""

from __future__ import annotations

from typing import Any

from video_localization.core.errors import VendorError
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.rev.hook import RevHook
from video_localization.rev.models import VENDOR, AttachmentKind, Order, OrderStatus


def order_outcome(order: Order) -> PollOutcome:
    """Done when the order is Complete (success) or Cancelled (failure, with Rev's comments)."""
    status = order.status
    if status is OrderStatus.CANCELLED:
        comments = f": {order.comment_text}" if order.comment_text else ""
        return PollOutcome(
            terminal=True,
            success=False,
            status=status.value,
            message=f"order {order.order_number} was cancelled{comments}",
        )
    if status is OrderStatus.COMPLETE:
        captions = order.attachments_of(AttachmentKind.CAPTION)
        return PollOutcome(
            terminal=True,
            success=True,
            status=status.value,
            payload={"caption_attachments": [attachment.id for attachment in captions]},
        )
    return PollOutcome(terminal=False, status=status.value)


class RevOrderTrigger(VendorPollingTrigger):
    """Waits until a Rev order is Complete or Cancelled; `on_kill` cancels the order."""

    vendor = VENDOR

    def __init__(self, *, order_number: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_number = order_number

    def job_kwargs(self) -> dict[str, Any]:
        return {"order_number": self.order_number}

    async def poll(self) -> PollOutcome:
        return order_outcome(await RevHook(self.conn_id).aget_order(self.order_number))

    async def cancel(self) -> None:
        try:
            await RevHook(self.conn_id).acancel_order(self.order_number)
        except VendorError as error:
            self.log.warning("Rev order %s was not cancelled: %s", self.order_number, error)
        else:
            self.log.info("Cancelled Rev order %s", self.order_number)
