"""Extra link on Rev tasks: the caption order.

Rev's documents name no web page for an API order, so the link is the order's own API URL
(`GET /orders/{order_number}` on the connection's host: `api-sandbox.rev.com` or the emulator for a sandbox
connection). Opened with Rev's credentials it shows the order's status, price, comments and attachments.
"""

from __future__ import annotations

from typing import Any

from video_localization.core.links import VendorJobLink

#: XCom key `RevCaptionOrderOperator` pushes the order number under, before it waits.
ORDER_XCOM_KEY = "order_number"


class RevOrderLink(VendorJobLink):
    """The Rev order of the task (`order_number`, pushed before waiting, or the operator's field).

    No argument: the link reads the order number from the task instance.
    """

    name = "Rev order"
    id_xcom_key = ORDER_XCOM_KEY
    id_field = "order_number"

    def url_for(self, hook: Any, job_id: str) -> str:
        return hook.order_url(job_id)
