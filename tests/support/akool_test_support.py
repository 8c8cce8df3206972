"""Helpers for the Akool unit tests: a sandbox connection, sandbox controls, jobs made through the hook.

Fixtures that use them are defined in each Akool test module (tests/unit/conftest.py is shared).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from video_localization.akool.hook import AkoolHook, clear_caches
from video_localization.akool.models import CreateAnswer, TranslationRequest, VideoJob, VideoStatus
from video_localization.akool.operators import AkoolTranslateVideoOperator
from video_localization.core.errors import VendorError
from video_localization_dev.sandbox.akool.wire import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FAST_RETRY, VendorSandboxCounters, wait_until

HTTP = httpx.Client(timeout=30)
CREATE_ROUTE = "POST /akool/content/video/createbytranslate"
INFO_ROUTE = "GET /akool/content/video/infobymodelid"
TOKEN_ROUTE = "POST /akool/getToken"
LANGUAGES_ROUTE = "GET /akool/language/list"
#: Poll the sandbox every 50 ms and wait in the worker, not the triggerer.
QUICK = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 20}


def akool_connection_json(
    sandbox: RunningSandbox,
    *,
    login: str | None = SANDBOX_CLIENT_ID,
    password: str | None = SANDBOX_CLIENT_SECRET,
    **extra: Any,
) -> str:
    """An `AIRFLOW_CONN_*` value (JSON form) for an Akool connection to the sandbox."""
    connection: dict[str, Any] = {"conn_type": "akool", "host": sandbox.vendor_url("akool")}
    if login is not None:
        connection["login"] = login
    if password is not None:
        connection["password"] = password
    if extra:
        connection["extra"] = extra
    return json.dumps(connection)


def control(sandbox: RunningSandbox, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a sandbox control under `/akool/_sandbox/` (not counted as an Akool request)."""
    response = HTTP.post(f"{sandbox.vendor_url('akool')}/_sandbox/{name}", json=body or {})
    response.raise_for_status()
    answer = response.json()
    assert answer["code"] == 1000, answer
    return answer


@dataclass
class AkoolObjects(VendorSandboxCounters):
    """Makes Akool jobs in the sandbox through the real hook and reads the sandbox's counters."""

    hook: AkoolHook
    sandbox: RunningSandbox
    vendor = "akool"

    def created(self) -> int:
        return self.counters()["created"].get("akool:translation", 0)

    def create(
        self, media: str = "sample.mp4", languages: Sequence[str] = ("fr",), **options: Any
    ) -> CreateAnswer:
        request = TranslationRequest(
            url=self.media_url(media),
            source_language=options.pop("source_language", "en"),
            language=",".join(languages),
            **options,
        )
        return self.hook.create_translation(request)

    def wait_job(self, job_id: str, timeout: float = 10.0) -> VideoJob:
        return wait_until(
            f"job {job_id} finished",
            lambda: self.hook.get_video_info(job_id),
            lambda job: job.video_status.is_terminal,
            timeout,
        )

    def completed_job(self, language: str = "fr", **options: Any) -> VideoJob:
        job = self.wait_job(self.create(languages=(language,), **options).data.id)
        assert job.video_status is VideoStatus.COMPLETED, job
        return job


def fast_hook(conn_id: str | None = None) -> AkoolHook:
    return AkoolHook(conn_id, retry=FAST_RETRY)


def translate_operator(akool: AkoolObjects, **overrides: Any) -> AkoolTranslateVideoOperator:
    """A quick (non-deferrable, 50 ms polls) translation of the sample from en-US into fr-FR by default."""
    arguments: dict[str, Any] = {
        "task_id": "translate",
        "source_url": akool.media_url(),
        "source_locale": "en-US",
        "target_locales": ["fr-FR"],
        **QUICK,
    }
    arguments.update(overrides)
    operator = AkoolTranslateVideoOperator(**arguments)
    operator.__dict__["hook"] = fast_hook()  # retries in milliseconds (the cached_property's slot)
    return operator


def akool_objects(sandbox: RunningSandbox, monkeypatch: Any) -> Iterator[AkoolObjects]:
    """Body of each module's `akool` fixture: `akool_default` on the sandbox, caches cleared around it."""
    monkeypatch.setenv("AIRFLOW_CONN_AKOOL_DEFAULT", akool_connection_json(sandbox))
    clear_caches()
    hook = fast_hook()
    yield AkoolObjects(hook, sandbox)
    hook.close()
    clear_caches()


def lose_the_answer(
    operator: AkoolTranslateVideoOperator, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[CreateAnswer, TranslationRequest]]:
    """Akool makes the jobs, the answer never arrives (a read timeout after the request was sent).

    Answers the list every create of `operator` appends `(Akool's answer, the request)` to."""
    made: list[tuple[CreateAnswer, TranslationRequest]] = []
    real = operator.hook.create_translation

    def create(request: TranslationRequest) -> CreateAnswer:
        made.append((real(request), request))
        raise VendorError(
            "akool", "POST /content/video/createbytranslate failed: ReadTimeout", retryable=True
        )

    monkeypatch.setattr(operator.hook, "create_translation", create)
    return made


def a_try_that_loses_the_answer(
    operator: AkoolTranslateVideoOperator, context: Any, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[CreateAnswer, TranslationRequest]]:
    """Run `operator` once with its create answer lost (see `lose_the_answer`); the try fails retryably."""
    made = lose_the_answer(operator, monkeypatch)
    with pytest.raises(VendorError, match="ReadTimeout"):
        operator.execute(context)
    return made
