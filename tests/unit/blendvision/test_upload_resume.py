"""BlendVision uploads survive crashes and lost answers without a second library file.

The sandbox counts created library files (`created("file")`): after a crash between `files:upload`
and `:complete-upload`, or a complete whose answer was lost, the retry resumes the same file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from blendvision_support import (  # noqa: F401 (fixtures)
    BlendVisionObjects,
    fixture_bv,
    fixture_bv_conn,
    fixture_bv_hook,
)
from video_localization.blendvision.operators import BlendVisionUploadSourceOperator
from video_localization.blendvision.upload import UPLOAD_PROGRESS_KEY
from video_localization.core.errors import VendorError
from video_localization_dev.media import media_dir

SAMPLE = media_dir() / "sample.mp4"
SAMPLE_SHA256 = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
PUT_ROUTE = "PUT /blendvision/_storage/uploads/{upload_id}/parts/{part_number}"
ContextFactory = Callable[..., dict[str, Any]]


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs in this try (not even `except Exception`)."""


def operator() -> BlendVisionUploadSourceOperator:
    return BlendVisionUploadSourceOperator(task_id="upload", source_path=str(SAMPLE))


def kill_after_parts(
    op: BlendVisionUploadSourceOperator, monkeypatch: pytest.MonkeyPatch, parts: int
) -> None:
    real = op.hook.upload_part
    sent = []

    def upload_part(url: str, body: Any, length: int) -> str:
        if len(sent) == parts:
            raise Killed
        sent.append(url)
        return real(url, body, length)

    monkeypatch.setattr(op.hook, "upload_part", upload_part)


def test_a_crash_mid_upload_resumes_the_same_file_sending_only_the_missing_parts(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bv.upload_settings(part_size_bytes=40_000)  # 4 parts
    context = make_context()
    first = operator()
    kill_after_parts(first, monkeypatch, parts=2)
    with pytest.raises(Killed):
        first.execute(context)
    progress = context["task_state_store"].get(UPLOAD_PROGRESS_KEY)
    assert len(progress["parts"]) == 4 and set(progress["etags"]) == {"1", "2"}

    result = operator().execute(context)
    assert result["sha256"] == SAMPLE_SHA256 and result["file_id"] == progress["file_id"]
    assert bv.created("file") == 1
    assert bv.requests_to(PUT_ROUTE) == 4  # 2 before the crash, the 2 missing ones after
    link = bv.hook.get_download_link(result["file_id"])
    body = bv.hook.storage_api.request("GET", link.download_uri).content
    assert hashlib.sha256(body).hexdigest() == SAMPLE_SHA256


def test_a_crash_right_after_files_upload_resumes_that_file(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = operator()
    kill_after_parts(first, monkeypatch, parts=0)
    with pytest.raises(Killed):
        first.execute(context)
    result = operator().execute(context)
    assert result["sha256"] == SAMPLE_SHA256
    assert bv.created("file") == 1


def test_a_lost_complete_answer_reuses_the_completed_file(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = operator()
    real = first.hook.complete_upload

    def complete_then_lose(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Killed  # the complete was applied; its answer never reached this try

    monkeypatch.setattr(first.hook, "complete_upload", complete_then_lose)
    with pytest.raises(Killed):
        first.execute(context)
    puts = bv.requests_to(PUT_ROUTE)

    result = operator().execute(context)
    assert result["sha256"] == SAMPLE_SHA256
    assert bv.created("file") == 1
    assert bv.requests_to(PUT_ROUTE) == puts  # nothing sent again


def test_a_failed_complete_answer_is_checked_against_the_file_state(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    op = operator()
    real = op.hook.complete_upload

    def complete_then_500(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise VendorError("blendvision", "HTTP 500 after the complete", status_code=500, retryable=True)

    monkeypatch.setattr(op.hook, "complete_upload", complete_then_500)
    result = op.execute(context)  # the same try finds the file complete and carries on
    assert result["sha256"] == SAMPLE_SHA256 and not result["reused"]
    assert bv.created("file") == 1


def test_an_upload_the_vendor_forgot_is_announced_afresh(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = operator()
    kill_after_parts(first, monkeypatch, parts=0)
    with pytest.raises(Killed):
        first.execute(context)
    progress = dict(context["task_state_store"].get(UPLOAD_PROGRESS_KEY))
    context["task_state_store"].set(UPLOAD_PROGRESS_KEY, {**progress, "file_id": "no-such-file"})

    result = operator().execute(context)
    assert result["sha256"] == SAMPLE_SHA256 and result["file_id"] != "no-such-file"
    assert bv.created("file") == 2  # the forgotten one, and the one that replaced it (logged)


def test_a_journal_of_another_source_is_not_resumed(
    bv: BlendVisionObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    context["task_state_store"].set(UPLOAD_PROGRESS_KEY, {"source": "/other.mp4", "file_id": "x"})
    result = operator().execute(context)
    assert result["sha256"] == SAMPLE_SHA256
    assert bv.created("file") == 1
