"""Akool `video_status` numbers (1 queueing, 2 processing, 3 completed, 4 failed) map to terminal/success.

Pure and fast: no sandbox, no network. The words come from the vendor's document; an unknown word fails
loudly with the raw value, so a vendor that adds a status never passes for "still working".
"""

from __future__ import annotations

import pytest

from video_localization.akool.models import VideoStatus
from video_localization.core.errors import VendorResponseError


@pytest.mark.parametrize(
    ("raw", "member", "terminal", "success"),
    [
        (1, VideoStatus.QUEUEING, False, False),
        (2, VideoStatus.PROCESSING, False, False),
        (3, VideoStatus.COMPLETED, True, True),
        (4, VideoStatus.FAILED, True, False),
        ("3", VideoStatus.COMPLETED, True, True),
    ],
)
def test_video_status_words(raw: object, member: VideoStatus, terminal: bool, success: bool) -> None:
    status = VideoStatus.parse(raw, "akool")
    assert status is member
    assert (status.is_terminal, status.is_success) == (terminal, success)


@pytest.mark.parametrize("raw", [0, 5, True, "completed", None])
def test_an_unknown_video_status_fails_with_the_raw_value(raw: object) -> None:
    with pytest.raises(VendorResponseError) as caught:
        VideoStatus.parse(raw, "akool")
    assert str(raw) in str(caught.value)
