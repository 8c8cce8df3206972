"""CDNvideo task status words (compared case-insensitively: the document writes both cases) map to
terminal/success.

Pure and fast: no sandbox, no network. The words come from the vendor's document; an unknown word fails
loudly with the raw value, so a vendor that adds a status never passes for "still working".
"""

from __future__ import annotations

import pytest

from status_support import check_status_word, check_unknown_word_refused
from video_localization.cdnvideo.models import TaskStatus


@pytest.mark.parametrize(
    ("raw", "member", "terminal", "success"),
    [
        ("in_queue", TaskStatus.IN_QUEUE, False, False),
        ("processing", TaskStatus.PROCESSING, False, False),
        ("processed", TaskStatus.PROCESSED, True, True),
        ("canceled", TaskStatus.CANCELED, True, False),
        ("CANCELED", TaskStatus.CANCELED, True, False),
        ("Processed", TaskStatus.PROCESSED, True, True),
    ],
)
def test_task_status_words(raw: object, member: TaskStatus, terminal: bool, success: bool) -> None:
    check_status_word(TaskStatus, "cdnvideo", raw, member, terminal, success)


@pytest.mark.parametrize("raw", ["cancelled", "failed", "done"])
def test_an_unknown_task_status_fails_with_the_raw_value(raw: object) -> None:
    check_unknown_word_refused(TaskStatus, "cdnvideo", raw)
