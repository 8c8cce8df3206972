"""BlendVision dubbing job status words map to terminal/success.

Pure and fast: no sandbox, no network. The words come from the vendor's document; an unknown word fails
loudly with the raw value, so a vendor that adds a status never passes for "still working".
"""

from __future__ import annotations

import pytest

from status_support import check_status_word, check_unknown_word_refused
from video_localization.blendvision.models import DubbingStatus


@pytest.mark.parametrize(
    ("raw", "member", "terminal", "success"),
    [
        ("DUBBING_STATUS_CREATED", DubbingStatus.CREATED, False, False),
        ("DUBBING_STATUS_PROCESSING", DubbingStatus.PROCESSING, False, False),
        ("DUBBING_STATUS_SUCCEEDED", DubbingStatus.SUCCEEDED, True, True),
        ("DUBBING_STATUS_FAILED", DubbingStatus.FAILED, True, False),
    ],
)
def test_dubbing_status_words(raw: object, member: DubbingStatus, terminal: bool, success: bool) -> None:
    check_status_word(DubbingStatus, "blendvision", raw, member, terminal, success)


@pytest.mark.parametrize("raw", ["DUBBING_STATUS_UNSPECIFIED", "SUCCEEDED", "dubbing_status_failed"])
def test_an_unknown_dubbing_status_fails_with_the_raw_value(raw: object) -> None:
    check_unknown_word_refused(DubbingStatus, "blendvision", raw)
