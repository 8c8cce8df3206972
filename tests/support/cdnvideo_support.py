"""Fixtures and helpers of the CDNvideo unit tests (import the fixtures into a test module to use them).

`cdnvideo_conn` defines `cdnvideo_default` on the sandbox account through `AIRFLOW_CONN_CDNVIDEO_DEFAULT`,
with a pacing ledger of the test's own, and forgets the process's cached tokens (the sandbox reset
forgot them too). `CDNVideoObjects` makes tasks through the real hook and drives the sandbox controls.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from video_localization.cdnvideo.auth import TOKENS
from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.models import Actor, GenerateRequest, TaskInfo, TaskStatus
from video_localization.cdnvideo.operators import CDNVideoGenerateOperator
from video_localization_dev.sandbox.cdnvideo import constants as sandbox_constants
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY, FakeTaskInstance, fake_context

ROUTE = "cdnvideo {method} /cdnvideo/app/th-api/v1/accounts/{{account}}/{tail}"
GENERATE_ROUTE = ROUTE.format(method="POST", tail="generate")
TOKEN_ROUTE = "cdnvideo POST /cdnvideo/app/oauth/v1/token/"
DOC_EXAMPLE = GenerateRequest(
    script="Hello! This is the text I am speaking.",
    actor=Actor(name="Natalia", version="4.0.0", style="dressshirt", shot="waist", size="HD"),
    voice="Sara",
    background="green_screen",
    video_name="Awesome Video!",
)


def connection_json(
    sandbox: RunningSandbox,
    pacing_dir: Path,
    password: str = sandbox_constants.SANDBOX_PASSWORD,
    **extra: Any,
) -> str:
    return json.dumps(
        {
            "conn_type": "cdnvideo",
            "host": sandbox.vendor_url("cdnvideo"),
            "login": sandbox_constants.SANDBOX_USERNAME,
            "password": password,
            "extra": {"account": sandbox_constants.SANDBOX_ACCOUNT, "pacing_dir": str(pacing_dir), **extra},
        }
    )


@pytest.fixture
def cdnvideo_conn(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningSandbox:
    monkeypatch.setenv("AIRFLOW_CONN_CDNVIDEO_DEFAULT", connection_json(sandbox, tmp_path / "pacing"))
    TOKENS.clear()
    yield sandbox
    TOKENS.clear()


@pytest.fixture
def cdnvideo_hook(cdnvideo_conn: RunningSandbox) -> Iterator[CDNVideoHook]:
    hook = CDNVideoHook(retry=FAST_RETRY)
    yield hook
    hook.close()


@dataclass
class CDNVideoObjects:
    """Tasks made through the real hook, and the sandbox's CDNvideo controls."""

    hook: CDNVideoHook
    sandbox: RunningSandbox

    def generate(self, **changes: Any) -> str:
        return self.hook.generate(DOC_EXAMPLE.model_copy(update=changes))

    def wait(self, job_id: str, *statuses: TaskStatus, timeout: float = 10.0) -> TaskInfo:
        deadline = time.monotonic() + timeout
        while True:
            task = self.hook.get_status(job_id)
            if task.status in statuses or time.monotonic() > deadline:
                assert task.status in statuses, task
                return task
            time.sleep(0.02)

    def counters(self) -> dict[str, Any]:
        return self.sandbox.counters()

    def requests_to(self, route: str) -> int:
        return self.counters()["requests"].get(route, 0)

    def posts(self) -> int:
        return self.requests_to(GENERATE_ROUTE)

    def created(self) -> int:
        return self.counters()["created"].get("cdnvideo:task", 0)

    def vendor_requests(self) -> int:
        return self.counters()["requests_by_vendor"].get("cdnvideo", 0)

    def control(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{self.sandbox.vendor_url('cdnvideo')}/_sandbox/{name}", json=body or {}, timeout=5
        )
        response.raise_for_status()
        return response.json()

    def fault(self, status: int, **fault: Any) -> None:
        body = {"vendor": "cdnvideo", "status": status, **fault}
        httpx.post(f"{self.sandbox.url}/_sandbox/faults", json=body, timeout=5).raise_for_status()


@pytest.fixture
def cdnvideo(cdnvideo_hook: CDNVideoHook, cdnvideo_conn: RunningSandbox) -> CDNVideoObjects:
    return CDNVideoObjects(cdnvideo_hook, cdnvideo_conn)


# -- fan-outs of generate tasks in several processes -------------------------------------------------------
TEN_LOCALES = ["ru-RU", "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "pt-BR", "ja-JP", "pl-PL"]


class FakeTime:
    """An injectable clock and sleep for a pacer: time moves only when something sleeps (kept in `sleeps`)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def generate_in_a_process(conn_id: str, index: int, locale: str, results: Any) -> None:
    """One mapped generate task instance in a process of its own (a LocalExecutor worker, a container)."""
    try:
        operator = CDNVideoGenerateOperator(
            task_id="generate",
            cdnvideo_conn_id=conn_id,
            script=f"A short script for {locale}.",
            video_name="Fan-out",
            actor="Natalia",
            shot="waist",
            locale=locale,
            deferrable=False,
            poll_interval=0.05,
            max_poll_interval=0.1,
            wait_timeout=60,
        )
        result = operator.execute(fake_context(FakeTaskInstance(task_id="fan_out", map_index=index)))
        results.put((locale, result["status"]))
    except Exception as error:  # reported to the parent, which fails the test with it
        results.put((locale, f"{type(error).__name__}: {error}"))


def ten_languages_at_once(conn_id_of: Callable[[int], str], timeout: float = 120.0) -> None:
    """Ten generate tasks (`TEN_LOCALES`, task `index` on connection `conn_id_of(index)`) started at once
    in ten forked processes; every one must end `processed`."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=generate_in_a_process, args=(conn_id_of(index), index, locale, results))
        for index, locale in enumerate(TEN_LOCALES)
    ]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=timeout) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert outcomes == dict.fromkeys(TEN_LOCALES, "processed")
