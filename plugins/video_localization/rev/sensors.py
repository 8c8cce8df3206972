"""RevOrderSensor: wait for an order placed elsewhere (by hand, by another DAG), poke or deferrable."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from video_localization.core.sensors import VendorSensor
from video_localization.core.triggers import PollOutcome
from video_localization.rev.hook import RevHook
from video_localization.rev.links import RevOrderLink
from video_localization.rev.models import VENDOR
from video_localization.rev.triggers import RevOrderTrigger, order_outcome


class RevOrderSensor(VendorSensor):
    """Done when the order is Complete; a Cancelled order fails the sensor with Rev's comments.

    Returns `{"status": "success", "order_number", "vendor_status", "caption_attachments": [...], ...}`.
    Deferred, it waits with `RevOrderTrigger`, which never cancels the order (a sensor only watches).

    :param order_number: the Rev order to wait for.
    :param rev_conn_id: the Rev connection (default `rev_default`).

    It also takes the arguments of `VendorSensor` (`deferrable`, `max_poll_interval`) and of Airflow's
    `BaseSensorOperator` (`poke_interval`, `timeout`, `mode`).
    """

    vendor = VENDOR
    template_fields: Sequence[str] = ("order_number",)
    operator_extra_links = (RevOrderLink(),)

    def __init__(
        self, *, order_number: str, rev_conn_id: str = RevHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.order_number = order_number
        self.rev_conn_id = rev_conn_id

    @cached_property
    def hook(self) -> RevHook:
        return RevHook(self.rev_conn_id)

    def job_ids(self) -> dict[str, Any]:
        return {"order_number": self.order_number}

    def outcome(self) -> PollOutcome:
        return order_outcome(self.hook.get_order(self.order_number))

    def build_trigger(self, **schedule: Any) -> RevOrderTrigger:
        return RevOrderTrigger(order_number=self.order_number, conn_id=self.rev_conn_id, **schedule)
