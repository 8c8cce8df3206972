"""Shared machinery of the sandbox emulators: settings, counters, injected faults, signed links, callbacks.

Each vendor emulator (one module per vendor) gets the one `Sandbox` object of the app. Tests read the
counters over HTTP to prove "no vendor call was made" and "no second paid job was created".
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
import secrets
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response

log = logging.getLogger(__name__)

ErrorBodyFactory = Callable[[int, str], Response]
#: Set on a request a transport-level rule hit (`sandbox.faults`): no plain rule faults it too.
FAULTED_KEY = "vloc.sandbox.faulted"


@dataclass
class SandboxSettings:
    """How the emulators behave.

    `step_seconds` is how long each vendor processing stage lasts: near zero for tests, a few seconds for
    the demo. `public_url` is the address the sandbox is reached at, used to build result links.
    """

    step_seconds: float = 0.05
    public_url: str = "http://127.0.0.1:8900"
    link_ttl_seconds: int = 3600
    callback_timeout_seconds: float = 5.0
    # Account limits that drive the vendors' documented limit errors through real causes.
    account_duration_limit_seconds: float = 3600.0
    max_upload_bytes: int = 300 * 1024 * 1024


@dataclass
class Fault:
    """An injected answer: the next `times` matching requests get `status` instead of the real answer.

    The plain rule answers in the vendor's error shape before the vendor acts. Four optional fields make
    the faults a network or a crashing vendor causes (served by `sandbox.faults`, see there):

    - `skip`: the first `skip` matching requests pass this rule untouched (a fault "every few requests");
    - `after_effect`: the vendor acts first (the job is created, the upload stored), then its answer is
      lost: replaced by `status`, or by a dropped connection;
    - `drop`: close the connection without any answer (the client sees the server disconnect);
    - `delay_seconds`: hold the answer this long first; longer than the client's timeout, a read timeout.
    - `label`: the caller's name for the rule, echoed in the log of fired faults.
    """

    vendor: str
    status: int = 500
    times: int = 1
    method: str | None = None
    path_prefix: str | None = None
    retry_after: float | None = None
    message: str = "injected fault"
    skip: int = 0
    after_effect: bool = False
    drop: bool = False
    delay_seconds: float = 0.0
    label: str | None = None

    def matches(self, vendor: str, method: str, path: str) -> bool:
        if self.vendor != vendor or self.times <= 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path_prefix and not path.startswith(self.path_prefix))

    @property
    def acts_on_transport(self) -> bool:
        """True for the rules the transport-level handler serves (lost answers, drops, delays)."""
        return self.after_effect or self.drop or self.delay_seconds > 0

    def take(self) -> bool:
        """Count one matching request: False while skipping, else use one of `times` (True: it fires)."""
        if self.skip > 0:
            self.skip -= 1
            return False
        self.times -= 1
        return True


@dataclass
class FiredFault:
    """One injected fault that fired: what it hit, who sent the request, and what the vendor did.

    `client` is the sender's (host, port): on one machine the port names the socket, and so the process,
    that sent the request (a chaos driver finds the task process that sent a create this way).
    `vendor_status` and `vendor_body` are the answer the vendor gave and the client never saw (only for
    `after_effect` rules, once the vendor has acted).
    """

    label: str | None
    vendor: str
    method: str
    path: str
    status: int
    drop: bool
    after_effect: bool
    delay_seconds: float
    client: tuple[str, int] | None
    at: float
    vendor_status: int | None = None
    vendor_body: str | None = None


@dataclass
class JobFault:
    """An injected vendor-side failure: the next `times` paid jobs for `locale` at `vendor` fail, each in
    that vendor's documented failure shape (a Failed version, a failed job with its error code, a FAILED
    dubbing job with its error info). For demos and tests of fallback."""

    vendor: str
    locale: str
    times: int = 1


@dataclass
class SentCallback:
    vendor: str
    url: str
    body: bytes
    headers: dict[str, str]
    status_code: int | None
    error: str | None = None


class FaultInjected(Exception):
    """Raised inside a request to answer with an injected fault in the vendor's own error shape."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass
class Sandbox:
    """State shared by all vendor emulators of one app."""

    settings: SandboxSettings = field(default_factory=SandboxSettings)
    requests: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    fired: list[FiredFault] = field(default_factory=list)
    #: Every request under a vendor's prefix, faulted or not, by vendor (the base of a fault rate).
    seen: Counter = field(default_factory=Counter)
    job_faults: list[JobFault] = field(default_factory=list)
    callbacks: list[SentCallback] = field(default_factory=list)
    error_bodies: dict[str, ErrorBodyFactory] = field(default_factory=dict)
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)
    link_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    lock: threading.RLock = field(default_factory=threading.RLock)
    _pending: set = field(default_factory=set)  # webhook tasks in flight, kept so they are not collected

    # -- counters ---------------------------------------------------------------------------------
    def record_created(self, vendor: str, kind: str) -> None:
        """Count one billable object (asset, job, order, task) created at a vendor."""
        with self.lock:
            self.created[f"{vendor}:{kind}"] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            by_vendor: Counter = Counter()
            for key, count in self.requests.items():
                by_vendor[key.split(" ", 1)[0]] += count
            return {
                "requests": dict(self.requests),
                "requests_by_vendor": dict(by_vendor),
                "created": dict(self.created),
                "seen_by_vendor": dict(self.seen),
                "faults_fired": len(self.fired),
            }

    def reset(self) -> None:
        """Forget every object, counter, fault and callback (between tests)."""
        with self.lock:
            self.requests.clear()
            self.created.clear()
            self.faults.clear()
            self.fired.clear()
            self.seen.clear()
            self.job_faults.clear()
            self.callbacks.clear()
            for hook in self.reset_hooks:
                hook()

    # -- faults -----------------------------------------------------------------------------------
    def vendor_dependency(self, vendor: str, error_body: ErrorBodyFactory) -> Callable:
        """A FastAPI dependency for a vendor router: counts the request, then applies any injected fault."""
        self.error_bodies[vendor] = error_body

        async def count_and_inject(request: Request) -> None:
            route = request.scope.get("route")
            template = getattr(route, "path", request.url.path)
            with self.lock:
                self.requests[f"{vendor} {request.method} {template}"] += 1
                if request.scope.get(FAULTED_KEY):  # a transport-level rule has this request
                    return
                fault = self.take_fault(vendor, request.method, request.url.path, transport=False)
                if fault is not None:
                    self.record_fired(fault, request.method, request.url.path, request.scope.get("client"))
            if fault is not None:
                response = error_body(fault.status, fault.message)
                if fault.retry_after is not None:
                    response.headers["Retry-After"] = f"{fault.retry_after:g}"
                raise FaultInjected(response)

        return count_and_inject

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, vendor: str, method: str, path: str, *, transport: bool) -> Fault | None:
        """The rule that fires on this request, if any (call under `lock`).

        Plain rules are served by the vendor routers' dependency (`transport=False`), the others by the
        transport-level handler (`transport=True`); each matching rule of the kind counts the request.
        """
        chosen = None
        for fault in self.faults:
            if fault.acts_on_transport != transport or not fault.matches(vendor, method, path):
                continue
            if fault.take():  # the first rule that fires answers; the rest do not see the request
                chosen = fault
                break
        self.faults = [fault for fault in self.faults if fault.times > 0]
        return chosen

    def record_fired(self, fault: Fault, method: str, path: str, client: Any) -> FiredFault:
        """Log a fault that fires (call under `lock`)."""
        fired = FiredFault(
            label=fault.label,
            vendor=fault.vendor,
            method=method,
            path=path,
            status=fault.status,
            drop=fault.drop,
            after_effect=fault.after_effect,
            delay_seconds=fault.delay_seconds,
            client=tuple(client) if client else None,
            at=time.time(),
        )
        self.fired.append(fired)
        return fired

    def add_job_fault(self, fault: JobFault) -> None:
        with self.lock:
            self.job_faults.append(fault)

    def take_job_fault(self, vendor: str, locale: str) -> bool:
        """Whether the job being created for `locale` at `vendor` must fail (and count that one down).

        `locale` matches a fault's tag exactly or by its language (`fr` matches a fault on `fr-FR`), since
        some vendors name languages by two-letter codes."""
        with self.lock:
            for fault in self.job_faults:
                if fault.vendor != vendor or fault.times <= 0:
                    continue
                if locale.lower() in (fault.locale.lower(), fault.locale.split("-")[0].lower()):
                    fault.times -= 1
                    return True
        return False

    # -- signed, expiring links -------------------------------------------------------------------
    def sign_path(self, path: str, ttl_seconds: int | None = None) -> str:
        """An absolute URL to `path` that stops working after `ttl_seconds` (like a vendor's signed link)."""
        expires = int(time.time() + (ttl_seconds or self.settings.link_ttl_seconds))
        signature = self._link_signature(path, expires)
        return f"{self.settings.public_url.rstrip('/')}{path}?expires={expires}&signature={signature}"

    def link_is_valid(self, path: str, expires: int, signature: str) -> bool:
        expected = self._link_signature(path, expires)
        return hmac.compare_digest(expected, signature) and time.time() < expires

    def _link_signature(self, path: str, expires: int) -> str:
        return hmac.new(self.link_secret, f"{path}|{expires}".encode(), hashlib.sha256).hexdigest()

    # -- timing -----------------------------------------------------------------------------------
    def stages_elapsed(self, started_at: float) -> int:
        """How many processing stages have passed since `started_at` (each lasts `step_seconds`)."""
        step = self.settings.step_seconds
        if step <= 0:
            return 1_000_000
        return int((time.monotonic() - started_at) / step)

    # -- callbacks --------------------------------------------------------------------------------
    async def post_callback(
        self, vendor: str, url: str, body: bytes, headers: dict[str, str]
    ) -> SentCallback:
        """POST a webhook to a user's URL and remember it; failures are recorded, never raised."""
        sent = SentCallback(vendor=vendor, url=url, body=body, headers=headers, status_code=None)
        try:
            async with httpx.AsyncClient(
                timeout=self.settings.callback_timeout_seconds, verify=_ssl_context()
            ) as client:
                response = await client.post(url, content=body, headers=headers)
            sent.status_code = response.status_code
        except httpx.HTTPError as exc:
            sent.error = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.callbacks.append(sent)
        return sent

    def fire_callback(self, vendor: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        """Schedule a webhook POST without blocking the request that caused it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            threading.Thread(
                target=lambda: asyncio.run(self.post_callback(vendor, url, body, headers)), daemon=True
            ).start()
            return
        task = loop.create_task(self.post_callback(vendor, url, body, headers))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Built once: creating a default SSL context per webhook blocks the event loop for ~0.1-0.3 s."""
    return ssl.create_default_context()


def fault_response_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FaultInjected)
    return exc.response


def json_error(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(status_code=status, content=body)
