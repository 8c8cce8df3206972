"""Helpers for the unit tests (importable by test modules; the fixtures that use them are in conftest.py).

- `fake_context()`: what an operator's `execute(context)` reads: a task instance (identity and a recorded
  `xcom_push`) and an in-memory durable task state store.
- `PanjayaObjects`: makes Panjaya assets and versions in the sandbox through the real hook, and waits for
  their states.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import pytest

from video_localization.core.http import RetryPolicy
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.models import (
    Asset,
    AssetOptions,
    AssetStatus,
    CreateAssetRequest,
    TargetLanguage,
    Version,
    VersionStatus,
)
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.server import RunningSandbox, free_port

SANDBOX_PANJAYA_KEY = "sandbox-key"
#: Retries in milliseconds, so tests that provoke them stay fast (a vendor's Retry-After still wins).
FAST_RETRY = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.05)


# -- a fake task context ---------------------------------------------------------------------------------
@dataclass
class FakeTaskInstance:
    """The part of a task instance the operators use: its identity and `xcom_push` (recorded)."""

    dag_id: str = "unit_dag"
    run_id: str = "manual__2026-01-01T00:00:00+00:00"
    task_id: str = "unit_task"
    map_index: int = -1
    id: str = (
        "0195f3a0-0000-7000-8000-000000000001"  # the task instance's UUID (HITL details are keyed by it)
    )
    pushed: list[tuple[str, Any]] = field(default_factory=list)

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed.append((key, value))

    def pushed_value(self, key: str) -> Any:
        values = [value for pushed_key, value in self.pushed if pushed_key == key]
        return values[-1] if values else None


class MemoryStateStore:
    """An in-memory stand-in for Airflow's durable task state store (`context["task_state_store"]`)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.retentions: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, retention: Any = None) -> None:
        self.values[key] = value
        self.retentions[key] = retention


def sample_run_conf(output: Any, targets: Sequence[str], **extra: Any) -> dict[str, Any]:
    """A `localize_video` run conf: the sample video (spoken en-US) into `targets`, delivered to `output`."""
    return {
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": list(targets),
        "output_location": str(output),
        **extra,
    }


def fake_context(ti: FakeTaskInstance | None = None, store: MemoryStateStore | None = None) -> dict[str, Any]:
    """A task context with a task instance and a state store (new ones unless given)."""
    return {"ti": ti or FakeTaskInstance(), "task_state_store": store or MemoryStateStore()}


# -- Panjaya in the sandbox -------------------------------------------------------------------------------
def panjaya_connection_json(sandbox: RunningSandbox, pem: str, key: str = SANDBOX_PANJAYA_KEY) -> str:
    """An `AIRFLOW_CONN_*` value (JSON form) for a Panjaya connection to the sandbox."""
    return json.dumps(
        {
            "conn_type": "panjaya",
            "host": sandbox.vendor_url("panjaya"),
            "password": key,
            "extra": {"callback_public_key": pem},
        }
    )


@contextmanager
def serve_app(app: Any, name: str = "test-app") -> Iterator[str]:
    """Serve an ASGI `app` with uvicorn from a thread on a free loopback port; answers its base URL."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), f"{name} did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until(
    what: str, probe: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 10.0
) -> Any:
    """Call `probe` until `done(result)`; fail the test with the last result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {timeout} s; last seen: {result!r}")
        time.sleep(0.02)


class VendorSandboxCounters:
    """What every vendor's test helpers share: the sandbox's sample media and its counters for one vendor.

    Mixed into each vendor's `...Objects` dataclass, which provides `sandbox` and names `vendor`.
    """

    vendor: ClassVar[str]
    sandbox: RunningSandbox

    def media_url(self, name: str = "sample.mp4") -> str:
        return f"{self.sandbox.url}/_sandbox/media/{name}"

    def counters(self) -> dict[str, Any]:
        return self.sandbox.counters()

    def requests_to(self, route: str) -> int:
        """How many requests reached one route, e.g. `"GET /panjaya/v1/assets/{asset_id}"`."""
        return self.counters()["requests"].get(f"{self.vendor} {route}", 0)

    def requests(self) -> int:
        """Every request this vendor's emulator answered."""
        return self.counters()["requests_by_vendor"].get(self.vendor, 0)


@dataclass
class PanjayaObjects(VendorSandboxCounters):
    """Makes Panjaya objects in the sandbox through the real hook and waits for their states."""

    vendor = "panjaya"
    hook: PanjayaHook
    sandbox: RunningSandbox

    def create_asset(
        self, media: str = "sample.mp4", targets: Sequence[str] = ("fr-FR",), **options: Any
    ) -> Asset:
        """`POST /v1/assets/` with a sample from the sandbox's media folder as `media_url`."""
        request = CreateAssetRequest(
            media_url=self.media_url(media),
            locale=options.pop("locale", "en-US"),
            target_languages=[TargetLanguage(locale=tag) for tag in targets],
            **options,
        )
        return self.hook.create_asset(request)

    def upload_asset(
        self,
        media: str = "sample.mp4",
        targets: Sequence[str] = ("fr-FR",),
        background: str | None = None,
        **options: Any,
    ) -> Asset:
        """`POST /v1/assets/upload` of a committed sample (and optionally a background file)."""
        asset_options = AssetOptions(
            locale=options.pop("locale", "en-US"),
            target_languages=[TargetLanguage(locale=tag) for tag in targets],
            **options,
        )
        with (media_dir() / media).open("rb") as video:
            if background is None:
                return self.hook.upload_asset(asset_options, video, media)
            with (media_dir() / background).open("rb") as background_file:
                return self.hook.upload_asset(asset_options, video, media, background_file, background)

    def omit_inferred_fields(self, omit: bool = True) -> None:
        """Make the sandbox answer without the fields the client only guesses (`locale`, `name`)."""
        response = httpx.post(
            f"{self.sandbox.vendor_url('panjaya')}/_sandbox/omit-inferred-fields",
            json={"omit": omit},
            timeout=5,
        )
        response.raise_for_status()

    def wait_asset(self, asset_id: str, timeout: float = 10.0) -> Asset:
        """The asset once Failed, or Ready with every language's first version prepared."""
        return wait_until(
            f"asset {asset_id} processed",
            lambda: self.hook.get_asset(asset_id),
            lambda asset: (
                asset.status is AssetStatus.FAILED
                or (asset.status is AssetStatus.READY and asset.all_versions_prepared)
            ),
            timeout,
        )

    def wait_version(self, version_id: str, *statuses: VersionStatus, timeout: float = 10.0) -> Version:
        return wait_until(
            f"version {version_id} in {statuses}",
            lambda: self.hook.get_version(version_id),
            lambda version: version.status in statuses,
            timeout,
        )

    def editable_version(self, locale: str = "fr-FR", **options: Any) -> Version:
        """A fresh uploaded asset's `locale` version, ReadyToEdit."""
        asset = self.wait_asset(self.upload_asset(targets=(locale,), **options).id)
        assert asset.status is AssetStatus.READY, asset.error
        version = self.hook.get_version(asset.versions_by_locale()[locale].id)
        assert version.status is VersionStatus.READY_TO_EDIT
        return version

    def completed_version(self, locale: str = "fr-FR") -> Version:
        """A fresh version, generated (Completed, with a signed `result_url`)."""
        version = self.editable_version(locale)
        self.hook.generate_version(version.id)
        return self.wait_version(version.id, VersionStatus.COMPLETED)
