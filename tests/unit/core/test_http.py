"""The vendor HTTP client: backoff bounds, Retry-After, what is retried (and what a create never resends).

Run against the sandbox with injected faults (`POST /_sandbox/faults`), reading the sandbox's request
counters to prove how many requests really reached the vendor.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Iterator

import httpx
import pytest

from video_localization import __version__
from video_localization.core.errors import VendorError
from video_localization.core.http import (
    USER_AGENT,
    RetryPolicy,
    VendorApi,
    default_error_parser,
    is_retryable_status,
    parse_retry_after,
    shared_async_client,
)
from video_localization.panjaya.hook import panjaya_error
from video_localization_dev.sandbox.server import RunningSandbox, free_port

FAST = RetryPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.05)
AUTH = {"Authorization": "Bearer panjaya-sandbox-key"}
LIST = "panjaya GET /panjaya/v1/assets/"
CREATE = "panjaya POST /panjaya/v1/assets/"


# -- RetryPolicy and Retry-After ------------------------------------------------------------------------
def test_delay_doubles_with_full_jitter_between_half_and_whole_backoff() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=100.0)
    for attempt, backoff in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(backoff / 2 <= delay <= backoff for delay in delays), (attempt, min(delays), max(delays))
        assert max(delays) - min(delays) > backoff / 10  # jittered, not a fixed value


def test_delay_is_capped_at_max_delay() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=5.0)
    delays = [policy.delay(30) for _ in range(200)]
    assert all(2.5 <= delay <= 5.0 for delay in delays)


def test_retry_after_wins_when_longer_and_is_capped() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=30.0, max_retry_after=300.0)
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert policy.delay(1, retry_after=10_000.0) == 300.0
    # A Retry-After shorter than the backoff does not shorten it.
    assert 4.0 <= policy.delay(5, retry_after=0.1) <= 8.0


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    now = time.time()
    in_90_s = email.utils.formatdate(now + 90, usegmt=True)
    assert parse_retry_after(in_90_s, now=now) == pytest.approx(90, abs=1)
    an_hour_ago = email.utils.formatdate(now - 3600, usegmt=True)
    assert parse_retry_after(an_hour_ago, now=now) == 0.0


def test_retryable_statuses() -> None:
    assert [code for code in (400, 401, 403, 404, 409, 429, 500, 502, 503) if is_retryable_status(code)] == [
        429,
        500,
        502,
        503,
    ]


# -- against the sandbox ---------------------------------------------------------------------------------
@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[VendorApi]:
    """A VendorApi wired like PanjayaHook wires it: base URL, auth, Panjaya's error parser, fast retries."""
    client = VendorApi(
        "panjaya",
        sandbox.vendor_url("panjaya"),
        auth_headers=lambda: AUTH,
        error_parser=panjaya_error,
        retry=FAST,
        timeout=10,
    )
    yield client
    client.close()


def inject(sandbox: RunningSandbox, status: int, **fault: object) -> None:
    response = httpx.post(
        f"{sandbox.url}/_sandbox/faults", json={"vendor": "panjaya", "status": status, **fault}, timeout=5
    )
    response.raise_for_status()


def requests_to(sandbox: RunningSandbox, key: str) -> int:
    return sandbox.counters()["requests"].get(key, 0)


def create_body(sandbox: RunningSandbox) -> dict:
    return {
        "media_url": f"{sandbox.url}/_sandbox/media/sample.mp4",
        "locale": "en-US",
        "target_languages": [{"locale": "fr-FR"}],
    }


def test_429_with_retry_after_is_waited_out_then_succeeds(api: VendorApi, sandbox: RunningSandbox) -> None:
    inject(sandbox, 429, times=1, method="GET", path_prefix="/panjaya/v1/assets", retry_after=0.2)
    started = time.monotonic()
    response = api.request("GET", "/v1/assets/")
    waited = time.monotonic() - started
    assert response.json()["total"] == 0
    assert waited >= 0.2  # the vendor's Retry-After, not the 10 ms backoff
    assert requests_to(sandbox, LIST) == 2


def test_a_burst_of_503s_is_retried_until_it_succeeds(api: VendorApi, sandbox: RunningSandbox) -> None:
    inject(sandbox, 503, times=3, method="GET", path_prefix="/panjaya/v1/assets")
    assert api.request("GET", "/v1/assets/").status_code == 200
    assert requests_to(sandbox, LIST) == 4


def test_retries_stop_after_max_attempts_with_the_last_error(api: VendorApi, sandbox: RunningSandbox) -> None:
    inject(sandbox, 503, times=10, method="GET", path_prefix="/panjaya/v1/assets")
    with pytest.raises(VendorError) as caught:
        api.request("GET", "/v1/assets/")
    assert caught.value.status_code == 503
    assert caught.value.retryable
    assert caught.value.message == "injected fault"
    assert requests_to(sandbox, LIST) == FAST.max_attempts


def test_a_400_fails_at_once_with_the_vendors_detail(api: VendorApi, sandbox: RunningSandbox) -> None:
    with pytest.raises(VendorError) as caught:
        api.request("GET", "/v1/assets/", params={"page": 0})
    error = caught.value
    assert error.vendor == "panjaya"
    assert error.status_code == 400
    assert not error.retryable
    assert error.message.startswith("Invalid request: page:")
    assert error.details == {"detail": error.message}
    assert str(error).startswith("panjaya HTTP 400: Invalid request")
    assert requests_to(sandbox, LIST) == 1


def test_a_create_is_not_resent_after_a_500(api: VendorApi, sandbox: RunningSandbox) -> None:
    """A 500 after a create may have made the asset: resending could pay twice."""
    inject(sandbox, 500, times=1, method="POST", path_prefix="/panjaya/v1/assets")
    with pytest.raises(VendorError) as caught:
        api.request("POST", "/v1/assets/", json=create_body(sandbox), expected=(201,), creates=True)
    assert caught.value.status_code == 500
    assert caught.value.retryable  # a read may retry it; a create must not
    assert requests_to(sandbox, CREATE) == 1


def test_a_read_is_resent_after_a_500(api: VendorApi, sandbox: RunningSandbox) -> None:
    inject(sandbox, 500, times=1, method="GET", path_prefix="/panjaya/v1/assets")
    assert api.request("GET", "/v1/assets/").status_code == 200
    assert requests_to(sandbox, LIST) == 2


def test_a_create_is_resent_after_a_429(api: VendorApi, sandbox: RunningSandbox) -> None:
    """A 429 means the vendor did not act on the request: resending it is safe."""
    inject(sandbox, 429, times=1, method="POST", path_prefix="/panjaya/v1/assets", retry_after=0.2)
    started = time.monotonic()
    response = api.request("POST", "/v1/assets/", json=create_body(sandbox), expected=(201,), creates=True)
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 201
    counters = sandbox.counters()
    assert counters["requests"][CREATE] == 2
    assert counters["created"] == {"panjaya:asset": 1}


def test_a_connection_refused_is_retried_then_raised() -> None:
    waits: list[float] = []
    closed = VendorApi(
        "panjaya",
        f"http://127.0.0.1:{free_port()}/panjaya",
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.02),
        sleep=waits.append,
    )
    with pytest.raises(VendorError) as caught:
        closed.request("POST", "/v1/assets/", json={}, creates=True)  # never reached: safe to resend
    error = caught.value
    assert error.retryable
    assert error.status_code is None
    assert "ConnectError" in error.message
    assert len(waits) == 2  # three attempts, two waits
    assert all(0.005 <= wait <= 0.02 for wait in waits)


def test_default_error_parser_keeps_the_raw_body() -> None:
    response = httpx.Response(418, text="short and stout", request=httpx.Request("GET", "http://x/"))
    error = default_error_parser("teapot")(response)
    assert (error.vendor, error.status_code, error.message) == ("teapot", 418, "short and stout")


def test_panjaya_error_parser_keeps_an_unexpected_body_raw() -> None:
    request = httpx.Request("GET", "http://x/")
    error = panjaya_error(httpx.Response(502, text="<html>Bad gateway</html>", request=request))
    assert error.status_code == 502
    assert "<html>Bad gateway</html>" in error.message


# -- async ----------------------------------------------------------------------------------------------
def test_arequest_answers_and_retries_like_request(api: VendorApi, sandbox: RunningSandbox) -> None:
    inject(sandbox, 429, times=1, method="GET", path_prefix="/panjaya/v1/assets", retry_after=0.2)

    async def call() -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = await api.arequest("GET", "/v1/assets/", params={"page_size": 5})
        return response, time.monotonic() - started

    response, waited = asyncio.run(call())
    assert response.json() == {"items": [], "page": 1, "page_size": 5, "total": 0}
    assert waited >= 0.2
    assert requests_to(sandbox, LIST) == 2


def test_arequest_raises_the_vendors_error(api: VendorApi, sandbox: RunningSandbox) -> None:
    with pytest.raises(VendorError) as caught:
        asyncio.run(api.arequest("GET", "/v1/assets/does-not-exist"))
    assert caught.value.status_code == 404
    assert caught.value.message == "Asset does-not-exist not found"


def test_one_shared_async_client_per_event_loop() -> None:
    async def clients() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        return shared_async_client(), shared_async_client()

    first, again = asyncio.run(clients())
    other, _ = asyncio.run(clients())
    assert first is again
    assert other is not first

    async def after_close() -> bool:
        client = shared_async_client()
        await client.aclose()
        return shared_async_client() is not client

    assert asyncio.run(after_close())


def test_requests_carry_the_package_version_in_user_agent(api: VendorApi) -> None:
    assert __version__ in USER_AGENT
    sent: list[httpx.Request] = []
    api.client.event_hooks["request"].append(sent.append)
    api.request("GET", "/v1/assets/")
    assert sent[0].headers["User-Agent"] == USER_AGENT
    assert sent[0].headers["Authorization"] == "Bearer panjaya-sandbox-key"

    async def async_headers() -> str:
        return shared_async_client().headers["User-Agent"]

    assert asyncio.run(async_headers()) == USER_AGENT
