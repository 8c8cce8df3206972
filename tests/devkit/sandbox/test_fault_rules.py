"""The sandbox's transport-level fault rules: lost answers after the vendor acted, drops, held answers.

Served by a real uvicorn (the drop closes the server's connection), against Rev's `POST /inputs`,
whose effect the `created` counter shows.
"""

from __future__ import annotations

import httpx
import pytest

from video_localization_dev.sandbox.rev.wire import SANDBOX_CLIENT_KEY, SANDBOX_USER_KEY
from video_localization_dev.sandbox.server import running_sandbox

AUTH = {"Authorization": f"Rev {SANDBOX_CLIENT_KEY}:{SANDBOX_USER_KEY}"}


@pytest.fixture
def sandbox():
    with running_sandbox() as running, httpx.Client(base_url=running.url, timeout=10) as client:
        yield client


def _rule(client: httpx.Client, **rule) -> None:
    client.post("/_sandbox/faults", json={"vendor": "rev", **rule}).raise_for_status()


def _created(client: httpx.Client) -> int:
    return client.get("/_sandbox/counters").json()["created"].get("rev:input", 0)


def _create(client: httpx.Client, **kwargs) -> httpx.Response:
    # Rev fetches the input itself: the sandbox's own sample media.
    source = {"url": str(client.base_url.join("/_sandbox/media/sample.mp4"))}
    return client.post("/rev/inputs", json=source, headers=AUTH, **kwargs)


def test_a_drop_before_the_vendor_closes_the_connection_and_creates_nothing(sandbox: httpx.Client):
    _rule(sandbox, method="POST", path_prefix="/rev/inputs", drop=True, label="d")
    with pytest.raises(httpx.RemoteProtocolError):
        _create(sandbox)
    assert _created(sandbox) == 0
    assert _create(sandbox).status_code == 201  # one rule, one fault
    fired = sandbox.get("/_sandbox/faults").json()["fired"]
    assert [(f["label"], f["drop"], f["vendor_status"]) for f in fired] == [("d", True, None)]
    assert fired[0]["client"][0] == "127.0.0.1"


def test_after_effect_the_vendor_creates_and_the_client_gets_the_fault(sandbox: httpx.Client):
    _rule(sandbox, method="POST", path_prefix="/rev/inputs", after_effect=True, status=500)
    lost = _create(sandbox)
    assert lost.status_code == 500
    assert _created(sandbox) == 1
    fired = sandbox.get("/_sandbox/faults").json()["fired"]
    assert fired[0]["vendor_status"] == 201
    assert "Location" not in lost.headers  # the vendor's answer was not sent on


def test_after_effect_drop_creates_then_disconnects(sandbox: httpx.Client):
    _rule(sandbox, method="POST", after_effect=True, drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        _create(sandbox)
    assert _created(sandbox) == 1


def test_a_held_answer_is_a_read_timeout_for_a_shorter_client_timeout(sandbox: httpx.Client):
    _rule(sandbox, method="POST", delay_seconds=3, status=504)
    with pytest.raises(httpx.ReadTimeout):
        _create(sandbox, timeout=httpx.Timeout(10, read=0.5))
    assert _created(sandbox) == 0


def test_skip_lets_requests_pass_first_and_clear_drops_pending_rules(sandbox: httpx.Client):
    _rule(sandbox, status=503, skip=2, retry_after=2)
    assert _create(sandbox).status_code == 201
    assert _create(sandbox).status_code == 201
    third = _create(sandbox)
    assert third.status_code == 503 and third.headers["Retry-After"] == "2"
    _rule(sandbox, status=500, skip=5)
    assert sandbox.post("/_sandbox/faults/clear").json() == {"dropped": 1}
    counters = sandbox.get("/_sandbox/counters").json()
    assert counters["faults_fired"] == 1
    assert counters["seen_by_vendor"]["rev"] == 3


def test_a_request_gets_one_fault_only(sandbox: httpx.Client):
    """A transport-level rule that hits a request keeps plain rules off it: the vendor really acts."""
    _rule(sandbox, status=503, label="plain")
    _rule(sandbox, method="POST", after_effect=True, status=500, label="lost")
    assert _create(sandbox).status_code == 500
    assert _created(sandbox) == 1
    faults = sandbox.get("/_sandbox/faults").json()
    assert [f["label"] for f in faults["fired"]] == ["lost"]
    assert [f["label"] for f in faults["pending"]] == ["plain"]
