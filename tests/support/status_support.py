"""Checks every vendor's status-word tests share: a word maps to its member, terminal/success as documented;
an unknown word fails loudly with the raw value (never passes for "still working")."""

from __future__ import annotations

import pytest

from video_localization.core.errors import VendorResponseError
from video_localization.core.models import VendorStatus


def check_status_word(
    kind: type[VendorStatus], vendor: str, raw: object, member: VendorStatus, terminal: bool, success: bool
) -> None:
    status = kind.parse(raw, vendor)
    assert status is member
    assert (status.is_terminal, status.is_success) == (terminal, success)


def check_unknown_word_refused(kind: type[VendorStatus], vendor: str, raw: object) -> None:
    with pytest.raises(VendorResponseError) as caught:
        kind.parse(raw, vendor)
    assert str(raw) in str(caught.value)
