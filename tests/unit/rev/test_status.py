"""Rev order status words ("Cancelled" with a double L) map to terminal/success.

Pure and fast: no sandbox, no network. The words come from the vendor's document; an unknown word fails
loudly with the raw value, so a vendor that adds a status never passes for "still working".
"""

from __future__ import annotations

import pytest

from status_support import check_status_word, check_unknown_word_refused
from video_localization.rev.models import OrderStatus


@pytest.mark.parametrize(
    ("raw", "member", "terminal", "success"),
    [
        ("In Progress", OrderStatus.IN_PROGRESS, False, False),
        ("Transcribing", OrderStatus.TRANSCRIBING, False, False),
        ("Complete", OrderStatus.COMPLETE, True, True),
        ("Cancelled", OrderStatus.CANCELLED, True, False),
    ],
)
def test_order_status_words(raw: object, member: OrderStatus, terminal: bool, success: bool) -> None:
    check_status_word(OrderStatus, "rev", raw, member, terminal, success)


@pytest.mark.parametrize("raw", ["Canceled", "complete", "Failed"])
def test_an_unknown_order_status_fails_with_the_raw_value(raw: object) -> None:
    check_unknown_word_refused(OrderStatus, "rev", raw)
