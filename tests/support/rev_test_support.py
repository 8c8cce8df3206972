"""Helpers for the Rev unit tests: a sandbox connection, sandbox controls, orders made through the hook.

Fixtures that use them are defined in each Rev test module (tests/unit/conftest.py is shared).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from video_localization.core.captions.formats import CaptionFormat
from video_localization.rev.hook import RevHook
from video_localization.rev.models import (
    AutomatedCaptionOptions,
    Order,
    OrderInput,
    OrderRequest,
    OrderStatus,
)
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.rev.wire import PRODUCTION_USER_KEY, SANDBOX_CLIENT_KEY, SANDBOX_USER_KEY
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY, VendorSandboxCounters, wait_until

HTTP = httpx.Client(timeout=30)
SAMPLE = media_dir() / "sample.mp4"
ORDERS_ROUTE = "POST /rev/orders"
LIST_ROUTE = "GET /rev/orders"
ORDER_ROUTE = "GET /rev/orders/{order_number}"
INPUTS_ROUTE = "POST /rev/inputs"
#: Poll the sandbox every 50 ms and wait in the worker, not the triggerer.
QUICK = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 20}

__all__ = ["PRODUCTION_USER_KEY", "SANDBOX_USER_KEY"]


def rev_connection_json(
    sandbox: RunningSandbox,
    *,
    login: str | None = SANDBOX_CLIENT_KEY,
    password: str | None = SANDBOX_USER_KEY,
    **extra: Any,
) -> str:
    """An `AIRFLOW_CONN_*` value (JSON form) for a Rev connection to the sandbox (sandbox mode on)."""
    connection: dict[str, Any] = {"conn_type": "rev", "host": sandbox.vendor_url("rev")}
    if login is not None:
        connection["login"] = login
    if password is not None:
        connection["password"] = password
    connection["extra"] = {"sandbox_mode": True, **extra}
    return json.dumps(connection)


def set_account(sandbox: RunningSandbox, user_key: str = SANDBOX_USER_KEY, **changes: Any) -> dict[str, Any]:
    """Change a sandbox Rev account (`PATCH /rev/_sandbox/accounts/{key}`, not counted as a Rev request)."""
    response = HTTP.patch(f"{sandbox.vendor_url('rev')}/_sandbox/accounts/{user_key}", json=changes)
    response.raise_for_status()
    return response.json()


def inject_fault(sandbox: RunningSandbox, status: int, method: str, path: str, **options: Any) -> None:
    body = {"vendor": "rev", "status": status, "method": method, "path_prefix": f"/rev{path}", **options}
    HTTP.post(f"{sandbox.url}/_sandbox/faults", json=body).raise_for_status()


@dataclass
class RevObjects(VendorSandboxCounters):
    """Makes Rev inputs and orders in the sandbox through the real hook and reads the sandbox's counters."""

    hook: RevHook
    sandbox: RunningSandbox
    vendor = "rev"

    def orders_created(self) -> int:
        return self.counters()["created"].get("rev:order", 0)

    def upload(self, name: str = "sample.mp4") -> str:
        return self.hook.upload_input_file(str(media_dir() / name))

    def request(
        self,
        uri: str | None = None,
        *,
        language: str = "en",
        formats: Sequence[CaptionFormat] | None = None,
        **options: Any,
    ) -> OrderRequest:
        return OrderRequest(
            sandbox_mode=options.pop("sandbox_mode", True),
            automated_caption_options=AutomatedCaptionOptions(
                inputs=[OrderInput(uri=uri or self.upload())],
                output_file_formats=list(formats) if formats else None,
                inputs_language=language,
                burned_in_captions=options.pop("burned_in_captions", None),
            ),
            **options,
        )

    def place(self, uri: str | None = None, **options: Any) -> str:
        return self.hook.submit_order(self.request(uri, **options))

    def wait_order(self, order_number: str, timeout: float = 10.0) -> Order:
        return wait_until(
            f"order {order_number} finished",
            lambda: self.hook.get_order(order_number),
            lambda order: order.status.is_terminal,
            timeout,
        )

    def complete_order(self, **options: Any) -> Order:
        order = self.wait_order(self.place(**options))
        assert order.status is OrderStatus.COMPLETE, order
        return order

    def post_order(self, body: dict[str, Any]) -> httpx.Response:
        """A raw order body through the hook's client (for bodies the models refuse to build)."""
        return self.hook.api.request("POST", "/orders", json=body, expected=(201,), creates=True)


def fast_hook(conn_id: str | None = None) -> RevHook:
    return RevHook(conn_id, retry=FAST_RETRY)


def rev_objects(sandbox: RunningSandbox, monkeypatch: Any, **extra: Any) -> Iterator[RevObjects]:
    """Body of each module's `rev` fixture: `rev_default` on the sandbox (sandbox mode), a fast hook."""
    monkeypatch.setenv("AIRFLOW_CONN_REV_DEFAULT", rev_connection_json(sandbox, **extra))
    hook = fast_hook()
    yield RevObjects(hook, sandbox)
    hook.close()
