"""HTTP client base for every vendor: sync and async twins, retries with backoff, one error type.

Why its own layer: every vendor call must time out, retry what is safe to retry (429, 5xx, timeouts,
connection errors, a vendor's "try again later"), honour `Retry-After`, and turn any failure into one
`VendorError` with the vendor's own words. The async side shares one `httpx.AsyncClient` per event loop,
so a triggerer polling a hundred jobs keeps one connection pool, not a hundred.

A request that creates something paid (`creates=True`) is retried only when the vendor cannot have acted
on it: a 429, a 503, or a connection that never opened. A 500 or a read timeout after a create may have
made the job; the operator's submit-once lookup (see `core.submit_once`) decides that instead of a blind
resend.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from video_localization import __version__
from video_localization.core.errors import VendorError
from video_localization.core.wait.limiter import in_flight

log = logging.getLogger(__name__)

USER_AGENT = f"video-localization/{__version__} httpx/{httpx.__version__}"

#: Statuses after which a request that creates something may be sent again: the vendor did not act.
_SAFE_TO_RESEND_STATUSES = frozenset({429, 503})

ErrorParser = Callable[[httpx.Response], VendorError]
ResponseCheck = Callable[[httpx.Response], None]


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter; a vendor's `Retry-After` wins when it asks for longer."""

    max_attempts: int = 6
    initial_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts from 1)."""
        backoff = min(self.max_delay, self.initial_delay * (2 ** (attempt - 1)))
        jittered = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            return min(max(retry_after, jittered), self.max_retry_after)
        return jittered


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: either a number of seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def vendor_did_not_act(error: BaseException) -> bool:
    """True when a failed request provably created nothing, so a create may simply be sent again.

    That is: a 429/503 answer, a connection that never opened (no byte of the request was sent), or an
    answer the vendor's `check` marked `vendor_did_not_act` (Akool's "try again later" codes). A read
    timeout, a dropped connection or a 500 after the request was sent prove nothing either way.
    """
    if not isinstance(error, VendorError):
        return False
    return (
        error.status_code in _SAFE_TO_RESEND_STATUSES
        or (error.status_code is None and bool(getattr(error, "connect_failed", False)))
        or bool(getattr(error, "vendor_did_not_act", False))
    )


def default_error_parser(vendor: str) -> ErrorParser:
    def parse(response: httpx.Response) -> VendorError:
        return VendorError(
            vendor, response.text[:2000] or response.reason_phrase, status_code=response.status_code
        )

    return parse


def is_retryable_status(status_code: int) -> bool:
    return status_code == 429 or status_code >= 500


def _proxies_configured() -> bool:
    """True when the environment names an HTTP(S) proxy, which httpx's default transport would use."""
    import urllib.request

    proxies = urllib.request.getproxies()
    return any(key in proxies for key in ("http", "https", "all"))


# One AsyncClient per running event loop (the triggerer runs one loop; tests may run several).
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def shared_async_client() -> httpx.AsyncClient:
    """The event loop's shared client: connection pooling across every trigger polling on this loop."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, follow_redirects=True)
        _async_clients[loop] = client
    return client


class VendorApi:
    """Calls one vendor's API: base URL, auth headers, timeouts, retries and error parsing in one place.

    `auth_headers` is called for every attempt, so a hook can refresh a token between attempts.
    `check` (per call) lets a vendor that answers HTTP 200 with an error code (Akool) raise a
    `VendorError`; a retryable one is retried, and after a create only when the check also set
    `vendor_did_not_act = True` on it (the vendor's code proves nothing was made, like a 503).
    """

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        auth_headers: Callable[[], Mapping[str, str]] | None = None,
        error_parser: ErrorParser | None = None,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self._auth_headers = auth_headers or (lambda: {})
        self._error_parser = error_parser or default_error_parser(vendor)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=10.0)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._client: httpx.Client | None = None
        self._own_client: httpx.Client | None = None
        self._download_client: httpx.Client | None = None

    # -- plumbing ---------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    @property
    def client(self) -> httpx.Client:
        if self._client is None or self._client.is_closed:
            self._client = self._own_client = httpx.Client(
                headers={"User-Agent": USER_AGENT}, follow_redirects=True
            )
        return self._client

    @property
    def download_client(self) -> httpx.Client:
        """The client for large downloads: `core.bulk_http.ReadintoTransport` unless that cannot apply.

        A client set from outside (`api._client = ...`, as tests do with a `MockTransport`) is used for
        downloads too, and so is the plain client when the environment names a proxy (the bulk
        transport speaks to the origin directly).
        """
        injected = self._client is not None and self._client is not self._own_client
        if injected or _proxies_configured():
            return self.client
        if self._download_client is None or self._download_client.is_closed:
            from video_localization.core.bulk_http import ReadintoTransport

            self._download_client = httpx.Client(
                headers={"User-Agent": USER_AGENT}, follow_redirects=True, transport=ReadintoTransport()
            )
        return self._download_client

    def close(self) -> None:
        for client in (self._client, self._download_client):
            if client is not None:
                client.close()

    def _headers(self, extra: Mapping[str, str] | None, authenticated: bool) -> dict[str, str]:
        headers = dict(self._auth_headers()) if authenticated else {}
        if extra:
            headers.update(extra)
        return headers

    def _failure(self, response: httpx.Response) -> VendorError:
        error = self._error_parser(response)
        if error.status_code is None:
            error.status_code = response.status_code
        if is_retryable_status(response.status_code):
            error.retryable = True
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return error

    def _may_retry(self, error: VendorError, creates: bool, attempt: int) -> bool:
        if attempt >= self.retry.max_attempts or not error.retryable:
            return False
        if not creates:
            return True
        return vendor_did_not_act(error)

    def _transport_error(self, exc: httpx.TransportError, method: str, path: str) -> VendorError:
        error = VendorError(
            self.vendor, f"{method} {path} failed: {type(exc).__name__}: {exc}", retryable=True
        )
        # No byte of the request left: the connection never opened, or no pooled connection was free.
        error.connect_failed = isinstance(  # type: ignore[attr-defined]
            exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
        )
        return error

    def _log_retry(self, method: str, path: str, error: VendorError, attempt: int, wait: float) -> None:
        log.warning(
            "%s %s %s failed (attempt %d of %d): %s; retrying in %.1f s",
            self.vendor,
            method,
            path,
            attempt,
            self.retry.max_attempts,
            error,
            wait,
        )

    def _wait_before_retry(
        self, error: VendorError, creates: bool, attempt: int, method: str, path: str
    ) -> float:
        """Raise `error` when it may not be retried; else log the retry and answer the wait in seconds."""
        if not self._may_retry(error, creates, attempt):
            raise error
        wait = self.retry.delay(attempt, error.retry_after)
        self._log_retry(method, redact_query(path), error, attempt, wait)
        return wait

    # -- sync -------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        expected: tuple[int, ...] = (200,),
        creates: bool = False,
        check: ResponseCheck | None = None,
        authenticated: bool = True,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request, retrying what is safe; answer the response or raise `VendorError`."""
        attempt = 0
        while True:
            attempt += 1
            _rewind_files(kwargs.get("files"))
            try:
                response = self.client.request(
                    method,
                    self.url(path),
                    headers=self._headers(headers, authenticated),
                    timeout=self.timeout,
                    **kwargs,
                )
                error = self._evaluate(response, expected, check)
            except httpx.TransportError as exc:
                error = self._transport_error(exc, method, redact_query(path))
            if error is None:
                return response
            wait = self._wait_before_retry(error, creates, attempt, method, path)
            self._sleep(wait)

    def _evaluate(
        self, response: httpx.Response, expected: tuple[int, ...], check: ResponseCheck | None
    ) -> VendorError | None:
        log.debug(
            "%s %s %s -> %s",
            self.vendor,
            response.request.method,
            response.request.url.path,
            response.status_code,
        )
        if response.status_code not in expected:
            return self._failure(response)
        if check is not None:
            try:
                check(response)
            except VendorError as error:
                return error
        return None

    @contextmanager
    def stream(
        self,
        method: str,
        url: str,
        *,
        authenticated: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Iterator[httpx.Response]:
        """Open a streamed response (for downloads); retries the opening, not a half-read body.

        Uses `download_client`, so the body may be read with the `core.bulk_http.READINTO` extension.
        An error raised while the caller reads the body propagates as it is (it is not a retry here).
        """
        attempt = 0
        while True:
            attempt += 1
            handed_out = False
            try:
                with self.download_client.stream(
                    method,
                    self.url(url),
                    headers=self._headers(headers, authenticated),
                    timeout=self.timeout,
                    **kwargs,
                ) as response:
                    if response.status_code == 200:
                        handed_out = True
                        yield response
                        return
                    response.read()
                    error = self._failure(response)
            except httpx.TransportError as exc:
                if handed_out:
                    raise
                error = self._transport_error(exc, method, redact_query(url))
            wait = self._wait_before_retry(error, False, attempt, method, url)
            self._sleep(wait)

    # -- async ------------------------------------------------------------------------------------
    async def arequest(
        self,
        method: str,
        path: str,
        *,
        expected: tuple[int, ...] = (200,),
        creates: bool = False,
        check: ResponseCheck | None = None,
        authenticated: bool = True,
        headers: Mapping[str, str] | None = None,
        auth_headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The async twin of `request`, on the event loop's shared client.

        `auth_headers`, when given, replaces the sync header factory (an async hook fetches its token
        without blocking the loop).
        """
        client = shared_async_client()
        attempt = 0
        while True:
            attempt += 1
            merged = dict(auth_headers) if auth_headers is not None else self._headers(None, authenticated)
            if headers:
                merged.update(headers)
            try:
                # Bounded below the pool's size, so no request queues inside httpx (see core.wait.limiter).
                async with in_flight(self.vendor, self.base_url):
                    response = await client.request(
                        method, self.url(path), headers=merged, timeout=self.timeout, **kwargs
                    )
                error = self._evaluate(response, expected, check)
            except httpx.TransportError as exc:
                error = self._transport_error(exc, method, redact_query(path))
            if error is None:
                return response
            wait = self._wait_before_retry(error, creates, attempt, method, path)
            await asyncio.sleep(wait)


def _rewind_files(files: Any) -> None:
    """A resent multipart upload must start its files from the beginning again."""
    if not isinstance(files, Mapping):
        return
    for value in files.values():
        fileobj = value[1] if isinstance(value, tuple) else value
        if hasattr(fileobj, "seek"):
            fileobj.seek(0)


def redact_query(url: str) -> str:
    """A signed link's query string and a URL's `user:pass@` are credentials: keep them out of logs and
    error messages (the fragment goes too: it follows the query)."""
    text = str(url)
    base = text.split("?", 1)[0].split("#", 1)[0]
    scheme, sep, rest = base.partition("://")
    if sep:
        authority, slash, path = rest.partition("/")
        if "@" in authority:
            authority = "<redacted>@" + authority.rsplit("@", 1)[1]
        base = f"{scheme}{sep}{authority}{slash}{path}"
    return base + ("?<redacted>" if "?" in text else "")
