"""Unit-test fixtures: a Panjaya connection pointing at the sandbox, and a fake Airflow task context.

The connection comes from an `AIRFLOW_CONN_*` environment variable, exactly as a deployment may define
it, so hooks, triggers and operators read it through Airflow's own secrets lookup. The helpers behind
these fixtures live in `tests/support/vloc_test_support.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from video_localization.panjaya.hook import PanjayaHook
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import (
    FAST_RETRY,
    SANDBOX_PANJAYA_KEY,
    PanjayaObjects,
    fake_context,
    panjaya_connection_json,
)


@pytest.fixture
def make_context() -> Callable[..., dict[str, Any]]:
    """`make_context(ti=None, store=None)`: a fake task context (task instance + state store)."""
    return fake_context


@pytest.fixture(scope="session")
def sandbox_panjaya_pem(sandbox_server: RunningSandbox) -> str:
    """The PEM the sandbox signs Panjaya callbacks with, as published by the sandbox itself.

    Session-scoped, so it is fetched before any test's `sandbox` reset and never shows in a counter.
    """
    response = httpx.get(f"{sandbox_server.vendor_url('panjaya')}/_sandbox/public-key", timeout=5)
    response.raise_for_status()
    return response.text


@pytest.fixture
def panjaya_conn(
    sandbox_panjaya_pem: str, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> RunningSandbox:
    """`panjaya_default` pointing at the sandbox with its key and callback public key; answers the sandbox."""
    monkeypatch.setenv("AIRFLOW_CONN_PANJAYA_DEFAULT", panjaya_connection_json(sandbox, sandbox_panjaya_pem))
    return sandbox


@pytest.fixture
def panjaya_connection(
    panjaya_conn: RunningSandbox, sandbox_panjaya_pem: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, str], str]:
    """`panjaya_connection(conn_id, key)`: another Panjaya connection to the sandbox; answers its id."""

    def define(conn_id: str, key: str = SANDBOX_PANJAYA_KEY) -> str:
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{conn_id.upper()}", panjaya_connection_json(panjaya_conn, sandbox_panjaya_pem, key)
        )
        return conn_id

    return define


@pytest.fixture
def panjaya_hook(panjaya_conn: RunningSandbox) -> Iterator[PanjayaHook]:
    """A `PanjayaHook` on `panjaya_default` (the sandbox), retrying in milliseconds."""
    hook = PanjayaHook(retry=FAST_RETRY)
    yield hook
    hook.close()


@pytest.fixture
def panjaya(panjaya_hook: PanjayaHook, panjaya_conn: RunningSandbox) -> PanjayaObjects:
    """Assets and versions in the sandbox, made through the hook (see `PanjayaObjects`)."""
    return PanjayaObjects(panjaya_hook, panjaya_conn)
