"""Input checks gather every problem and name field, value and what is allowed."""

from __future__ import annotations

import pytest

from video_localization.core.errors import (
    InvalidInputError,
    InvalidInputs,
)
from video_localization.core.validation import Checks, http_url, number_in_range, one_of


# -- input checks ----------------------------------------------------------------------------------------
def test_http_url() -> None:
    assert http_url("media_url", " https://cdn.example/v.mp4 ") == "https://cdn.example/v.mp4"
    for bad in ("ftp://cdn.example/v.mp4", "cdn.example/v.mp4", "https://", "", None):
        with pytest.raises(InvalidInputError) as caught:
            http_url("media_url", bad)
        assert caught.value.allowed == "an absolute http:// or https:// URL"


def test_number_in_range() -> None:
    assert number_in_range("voice_anonymization", "0.5", minimum=0, maximum=1) == 0.5
    assert number_in_range("speakers_count", 3.0, minimum=1, integer=True) == 3
    cases = [
        ({"value": 1.5, "minimum": 1, "integer": True}, "a whole number >= 1"),
        ({"value": True, "minimum": 0}, "a number >= 0"),  # a bool is not a number here
        ({"value": "many", "minimum": 0}, "a number >= 0"),
        ({"value": 2, "minimum": 2, "exclusive_minimum": True}, "a number > 2"),
        ({"value": 1.01, "minimum": 0, "maximum": 1}, "a number >= 0 and <= 1"),
    ]
    for arguments, allowed in cases:
        with pytest.raises(InvalidInputError) as caught:
            number_in_range("x", **arguments)
        assert caught.value.allowed == allowed


def test_one_of() -> None:
    assert one_of("lips_model", "real_face", ["real_face", "real_face_turbo"]) == "real_face"
    with pytest.raises(InvalidInputError, match="allowed: real_face, real_face_turbo"):
        one_of("lips_model", "REAL_FACE", ["real_face", "real_face_turbo"])


def test_checks_gather_every_problem_before_raising() -> None:
    checks = Checks()
    assert checks.run(http_url, "media_url", "https://x/v.mp4") == "https://x/v.mp4"
    assert checks.run(http_url, "media_url", "ftp://x/v.mp4") is None
    assert checks.run(number_in_range, "speakers_count", 0, minimum=1, integer=True) is None
    with checks.field():
        raise InvalidInputs([InvalidInputError("a", 1, "2"), InvalidInputError("b", 3, "4")])
    with pytest.raises(InvalidInputs) as caught:
        checks.raise_if_any()
    assert [error.field for error in caught.value.errors] == ["media_url", "speakers_count", "a", "b"]
    assert "media_url='ftp://x/v.mp4' is not allowed" in str(caught.value)

    single = Checks()
    single.add(InvalidInputError("end_time", 0, "a number > 0"))
    with pytest.raises(InvalidInputError):
        single.raise_if_any()
    Checks().raise_if_any()  # nothing wrong: nothing raised
