"""Transport-level faults: answers lost after the vendor acted, dropped connections, held answers.

A plain fault rule (`state.Fault`) answers an error instead of the vendor, from the vendor router's
dependency. The faults a network or a crashing vendor causes need to act around the whole request, so
`FaultingApp` (the sandbox's ASGI app) serves the rules with `after_effect`, `drop` or `delay_seconds`:

- `after_effect`: the request runs through the vendor emulator as usual (the job is created and counted),
  its answer is kept in the fired-fault log (`vendor_status`, `vendor_body`) and the client gets `status`
  in the vendor's error shape, or nothing at all with `drop`;
- `drop`: the connection is closed without an answer: the client sees the server disconnect, as when a
  load balancer or the vendor's process dies (before the vendor acted, unless `after_effect`);
- `delay_seconds`: the answer is held this long first; longer than the client's timeout, the client
  gives up with a read timeout (the vendor acts after the delay only with `after_effect`, before it).

Every request under a vendor's prefix is counted in `Sandbox.seen`, the base of a fault rate. Sandbox
controls (`/<vendor>/_sandbox/...`, `/_sandbox/...`) are never faulted.

Closing a connection without an answer is not in ASGI: uvicorn's per-request `send` is a method of its
request cycle, whose `transport` is closed here. Under another server the drop falls back to an exception
inside the app (uvicorn would answer it with a plain 500).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import FastAPI

from video_localization_dev.sandbox.state import FAULTED_KEY, Fault, FiredFault, Sandbox

log = logging.getLogger(__name__)

#: The scope key holding the server's own `send` (its request cycle carries the connection).
RAW_SEND_KEY = "vloc.sandbox.raw_send"
_BODY_EXCERPT = 4000


class ConnectionDropped(RuntimeError):
    """Raised where the server offers no way to close the connection without an answer."""


def _vendor_of(path: str, vendors: set[str]) -> str | None:
    first = path.lstrip("/").split("/", 1)[0]
    if first not in vendors or path.startswith(f"/{first}/_sandbox"):
        return None
    return first


class FaultingApp(FastAPI):
    """The sandbox app: FastAPI, with the transport-level fault rules applied around each request."""

    sandbox: Sandbox

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope[RAW_SEND_KEY] = send
        vendor = _vendor_of(scope["path"], set(self.sandbox.error_bodies))
        if vendor is None:
            await super().__call__(scope, receive, send)
            return
        with self.sandbox.lock:
            self.sandbox.seen[vendor] += 1
            fault = self.sandbox.take_fault(vendor, scope["method"], scope["path"], transport=True)
            fired = (
                self.sandbox.record_fired(fault, scope["method"], scope["path"], scope.get("client"))
                if fault is not None
                else None
            )
        if fault is None or fired is None:
            await super().__call__(scope, receive, send)
            return
        await self._serve_fault(fault, fired, scope, receive, send)

    async def _serve_fault(
        self, fault: Fault, fired: FiredFault, scope: Any, receive: Any, send: Any
    ) -> None:
        scope[FAULTED_KEY] = True
        if fault.after_effect:
            status, body = await self._run_and_keep_answer(scope, receive)
            with self.sandbox.lock:
                fired.vendor_status = status
                fired.vendor_body = body
        if fault.delay_seconds > 0:
            await asyncio.sleep(fault.delay_seconds)
        if fault.drop:
            await _drop_connection(scope)
            return
        response = self.sandbox.error_bodies[fault.vendor](fault.status, fault.message)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        await response(scope, receive, send)

    async def _run_and_keep_answer(self, scope: Any, receive: Any) -> tuple[int | None, str]:
        """Let the vendor emulator handle the request; answer its status and body (never sent on)."""
        answer: dict[str, Any] = {"status": None, "body": bytearray()}

        async def keep(message: Any) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body" and len(answer["body"]) < _BODY_EXCERPT:
                answer["body"].extend(message.get("body", b"")[:_BODY_EXCERPT])

        await super().__call__(scope, receive, keep)
        return answer["status"], bytes(answer["body"]).decode("utf-8", "replace")


async def _drop_connection(scope: Any) -> None:
    raw_send = scope.get(RAW_SEND_KEY)
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDropped("injected fault: connection dropped")
    transport.abort()
    # Let the server see the connection lost before this request returns, so it writes nothing more.
    for _ in range(3):
        await asyncio.sleep(0)
