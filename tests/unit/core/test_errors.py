"""Vendor errors keep every field, clip huge answers and keep secrets out; submit-once reattaches safely."""

from __future__ import annotations

import pickle
from datetime import timedelta

import pytest

from video_localization.core.errors import (
    VendorError,
    VendorJobFailed,
    VendorResponseError,
)
from video_localization.core.submit_once import submit_once


# -- errors ------------------------------------------------------------------------------------------------
def test_vendor_errors_survive_pickling_with_every_field() -> None:
    """Airflow ships exceptions between processes: the vendor's code and words must arrive intact."""
    for error in (
        VendorError("panjaya", "slow down", status_code=429, code="rate", retryable=True, retry_after=2.0),
        VendorJobFailed("panjaya", "asset failed", code="missing_audio_track"),
    ):
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(copy) is type(error)
        assert vars(copy) == vars(error)
        assert str(copy) == str(error)
    assert str(VendorError("akool", "no", status_code=200, code=1003)) == "akool HTTP 200 code 1003: no"


def test_vendor_response_error_clips_a_huge_answer() -> None:
    error = VendorResponseError("panjaya", "asset", "x" * 5000)
    assert error.details == "x" * 5000
    assert len(error.message) < 2100
    assert error.message.endswith("(5000 characters)")


def test_vendor_response_error_keeps_signed_link_queries_out_of_its_message() -> None:
    signed = "https://cdn.example/v1.mp4?X-Amz-Signature=SECRETSIG&X-Amz-Credential=AKIA"
    raw = {"id": "v1", "progress": "n/a", "result_url": signed}
    error = VendorResponseError("panjaya", "version", raw)
    assert "SECRETSIG" not in str(error)
    assert "https://cdn.example/v1.mp4?<redacted>" in error.message
    assert error.details == raw  # the raw answer itself is kept for code, not shown
    # The same through a model parse that fails on another field of an answer carrying the link.
    from video_localization.panjaya.models import Version, parse

    with pytest.raises(VendorResponseError) as caught:
        parse(Version, {"id": "v1", "locale": "fr-FR", "status": "Completed", **raw}, "version")
    assert "SECRETSIG" not in str(caught.value)
    assert "progress" in str(caught.value)


def test_submit_once_without_a_state_store_still_looks_up_by_reference() -> None:
    submitted: list[str] = []
    result = submit_once(
        {"ti": None},
        state_key="job",
        reference="vloc-1",
        submit=lambda: submitted.append("new") or "job-new",
        find_existing=lambda reference: "job-old" if reference == "vloc-1" else None,
    )
    assert (result.job_id, result.how, result.reused) == ("job-old", "vendor_lookup", True)
    assert submitted == []


def test_submit_once_does_not_reattach_to_an_unusable_job() -> None:
    class Store(dict):
        def set(self, key: str, value: str, retention: timedelta | None = None) -> None:
            self[key] = value

    store = Store(job="job-failed")
    result = submit_once(
        {"task_state_store": store},
        state_key="job",
        reference="vloc-1",
        submit=lambda: "job-new",
        is_reusable=lambda job_id: job_id != "job-failed",
    )
    assert (result.job_id, result.how) == ("job-new", "submitted")
    assert store == {"job": "job-new"}
