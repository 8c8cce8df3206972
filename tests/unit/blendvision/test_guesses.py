"""BlendVision's undocumented behaviours are guesses: when they are wrong, nothing is paid twice or breaks.

- BLENDVISION_CLIENT_JOB_ID: a vendor that ignores the client-chosen `dubbing_job.id` (simulated by
  dropping the id before it is sent) still gets one job per task instance after a lost create answer:
  the retry reconciles by listing the source's jobs.
- BLENDVISION_UPLOAD_CHECKSUM: a vendor that refuses `checksum_sha1` on complete-upload (400 naming the
  field) gets the complete again without it; a real checksum mismatch is not retried.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowFailException

from blendvision_support import (  # noqa: F401 (fixtures)
    QUICK,
    BlendVisionObjects,
    fixture_bv,
    fixture_bv_conn,
    fixture_bv_hook,
)
from video_localization.blendvision.errors import rpc_error
from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.operators import BlendVisionDubbingJobOperator
from video_localization.blendvision.reconcile import CREATE_SENT_KEY
from video_localization.blendvision.upload import upload_source
from video_localization.blendvision.validation import validate_upload
from video_localization.core.guesses import GUESSES
from video_localization_dev.media import media_dir
from vloc_test_support import MemoryStateStore

ContextFactory = Callable[..., dict[str, Any]]
SAMPLE = media_dir() / "sample.mp4"


class Killed(BaseException):
    """Stands in for SIGKILL right after the vendor acted."""


def dub(file_id: str) -> BlendVisionDubbingJobOperator:
    return BlendVisionDubbingJobOperator(
        task_id="dub", source_file_id=file_id, source_language="en-US", target_language="fr-FR", **QUICK
    )


def ignore_client_ids(operator: BlendVisionDubbingJobOperator, monkeypatch: pytest.MonkeyPatch) -> None:
    real = BlendVisionHook.create_dubbing_job
    monkeypatch.setattr(
        operator.hook,
        "create_dubbing_job",
        lambda request: real(operator.hook, request.model_copy(update={"id": None})),
    )


def test_a_vendor_ignoring_client_ids_is_reconciled_by_listing_after_a_lost_answer(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_id = bv.upload().file_id
    context = make_context()
    first = dub(file_id)
    ignore_client_ids(first, monkeypatch)
    made: list = []
    real_ensure = first.hook.ensure_dubbing_job

    def ensure_then_die(request: Any) -> Any:
        made.append(real_ensure(request))
        raise Killed

    monkeypatch.setattr(first.hook, "ensure_dubbing_job", ensure_then_die)
    with pytest.raises(Killed):
        first.execute(context)
    assert context["task_state_store"].get(CREATE_SENT_KEY)["state"] == "sent"

    retry = dub(file_id)
    ignore_client_ids(retry, monkeypatch)
    result = retry.execute(context)
    assert result["job_id"] == made[0][0].id and result["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert bv.created("dubbing_job") == 1


def test_a_vendor_ignoring_client_ids_is_logged_and_its_id_recorded(
    bv: BlendVisionObjects,
    make_context: ContextFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    file_id = bv.upload().file_id
    operator = dub(file_id)
    ignore_client_ids(operator, monkeypatch)
    context = make_context()
    result = operator.execute(context)
    assert "guess BLENDVISION_CLIENT_JOB_ID is wrong here" in caplog.text
    assert context["task_state_store"].get("blendvision_dubbing_job") == result["job_id"]
    assert dub(file_id).execute(context)["job_id"] == result["job_id"]  # a retry reattaches
    assert bv.created("dubbing_job") == 1


def test_when_the_list_cannot_settle_it_the_task_stops_instead_of_paying(
    bv: BlendVisionObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_id = bv.upload().file_id
    context = make_context()
    context["task_state_store"].set(
        CREATE_SENT_KEY, {"state": "sent", "client_id": "vloc-lost-1", "at": "2026-01-01T00:00:00+00:00"}
    )
    operator = dub(file_id)

    def no_list(**_: Any) -> Any:
        raise rpc_error(httpx.Response(404, json={"code": 5, "message": "Not Found"}))

    monkeypatch.setattr(operator.hook, "iter_dubbing_jobs", no_list)
    with pytest.raises(AirflowFailException, match="stopping instead of possibly paying twice"):
        operator.execute(context)
    assert bv.created("dubbing_job") == 0


def refuse_checksum(hook: BlendVisionHook, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """A strict vendor: complete-upload with `checksum_sha1` is a 400 naming that unknown field."""
    sent: list[dict] = []
    real = hook.api.request

    def request(method: str, path: str, **kwargs: Any) -> Any:
        body = kwargs.get("json") or {}
        if path.endswith(":complete-upload"):
            sent.append(body)
            if "checksum_sha1" in body.get("complete_data", {}):
                violation = {"field": "complete_data.checksum_sha1", "description": "unknown field"}
                raise rpc_error(
                    httpx.Response(
                        400,
                        json={
                            "code": 3,
                            "message": "invalid complete_data",
                            "details": [
                                {
                                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                                    "field_violations": [violation],
                                }
                            ],
                        },
                    )
                )
        return real(method, path, **kwargs)

    monkeypatch.setattr(hook.api, "request", request)
    return sent


def test_a_refused_checksum_field_is_dropped_and_the_upload_completes(
    bv: BlendVisionObjects, bv_hook: BlendVisionHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = refuse_checksum(bv_hook, monkeypatch)
    uploaded = upload_source(bv_hook, validate_upload(source_path=str(SAMPLE), file_type="video"))
    assert uploaded.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert ["checksum_sha1" in body["complete_data"] for body in sent] == [True, False]
    assert bv.created("file") == 1


def test_every_guess_is_named_once_with_its_fallback() -> None:
    names = [guess.name for guess in GUESSES]
    assert len(names) == len(set(names))
    assert {"BLENDVISION_CLIENT_JOB_ID", "BLENDVISION_UPLOAD_CHECKSUM", "PANJAYA_ASSET_NAME"} <= set(names)
    assert all(guess.fallback and guess.where for guess in GUESSES)


def test_a_409_reattach_logs_reattached_not_submitted(
    bv: BlendVisionObjects, make_context: ContextFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Who counts paid jobs from the logs counts "Submitted" lines: a reattach must not print one."""
    file_id = bv.upload().file_id
    first = dub(file_id).execute(make_context())
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="video_localization.core.submit_once"):
        again = dub(file_id).execute(make_context(store=MemoryStateStore()))  # the id never got stored
    assert again["job_id"] == first["job_id"]
    assert "Reattached to blendvision_dubbing_job" in caplog.text
    assert "Submitted blendvision_dubbing_job" not in caplog.text
    assert bv.created("dubbing_job") == 1


def test_a_checksum_mismatch_is_not_taken_for_a_refused_field() -> None:
    from video_localization.blendvision.hook import _refuses_field

    mismatch = rpc_error(
        httpx.Response(
            400,
            json={
                "code": 3,
                "message": "complete_data.checksum_sha1 does not match the uploaded bytes",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "UPLOAD_CHECKSUM_MISMATCH",
                    }
                ],
            },
        )
    )
    assert not _refuses_field(mismatch, "checksum_sha1")  # the bytes are wrong: never completed without it
