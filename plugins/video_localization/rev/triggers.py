"""Deferrable wait on a Rev order: polls it in the triggerer until Complete or Cancelled.

Status calls go through the triggerer's shared status loop (`core.wait.status`): Rev lists orders newest
first (`GET /orders?page=N`, vendor-notes "found"), so one list call answers many waits; an order not on
the pages read falls back to `GET /orders/{n}`. A Rev notification (unsigned, `callbacks/app.py`) only
wakes the wait, which then asks Rev once.

Killing the task (mark failed/success, clear) cancels the order, which Rev allows until work on it has
begun; a refusal is logged, not raised (the order is then left to finish).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from video_localization.core.errors import VendorError
from video_localization.core.triggers import PollOutcome, VendorPollingTrigger
from video_localization.core.wait.status import StatusKind, page_through
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


async def _list_orders(
    hook: RevHook, wanted: set[str], watched: set[str], max_pages: int, held: Mapping[str, Order]
) -> dict[str, Order]:
    async def fetch_page(page: int, interesting: set[str]) -> tuple[list[Order], bool]:
        listing = await hook.alist_orders(page, only=interesting, held=held)
        more = (page + 1) * listing.results_per_page < listing.total_count
        return listing.orders, more

    return await page_through(fetch_page, lambda order: order.order_number, 0, wanted, watched, max_pages)


async def _get_order(hook: RevHook, order_number: str) -> Order:
    return await hook.aget_order(order_number)


REV_ORDER: StatusKind[RevHook, Order] = StatusKind(
    name="rev.order",
    make_hook=RevHook,
    fetch_one=_get_order,
    word=lambda order: order.status.value,
    fetch_many=_list_orders,
)


class RevOrderTrigger(VendorPollingTrigger):
    """Waits until a Rev order is Complete or Cancelled; `on_kill` cancels the order."""

    vendor = VENDOR

    def __init__(self, *, order_number: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_number = order_number

    def job_kwargs(self) -> dict[str, Any]:
        return {"order_number": self.order_number}

    def wake_ids(self) -> list[str]:
        return [self.order_number]

    def describe(self) -> str:
        return f"Rev order {self.order_number}"

    async def poll(self) -> PollOutcome:
        return order_outcome(await self.look(REV_ORDER, self.order_number))

    async def cancel(self) -> None:
        try:
            await RevHook(self.conn_id).acancel_order(self.order_number)
        except VendorError as error:
            self.log.warning("Rev order %s was not cancelled: %s", self.order_number, error)
        else:
            self.log.info("Cancelled Rev order %s", self.order_number)
