"""Panjaya asset and version status words map to terminal/success as the document says.

Pure and fast: no sandbox, no network. The words come from the vendor's document; an unknown word fails
loudly with the raw value, so a vendor that adds a status never passes for "still working".
"""

from __future__ import annotations

import pytest

from status_support import check_status_word, check_unknown_word_refused
from video_localization.panjaya.models import AssetStatus, VersionStatus


@pytest.mark.parametrize(
    ("raw", "member", "terminal", "success"),
    [
        ("Processing", AssetStatus.PROCESSING, False, False),
        ("Ready", AssetStatus.READY, True, True),
        ("Failed", AssetStatus.FAILED, True, False),
    ],
)
def test_asset_status_words(raw: object, member: AssetStatus, terminal: bool, success: bool) -> None:
    check_status_word(AssetStatus, "panjaya", raw, member, terminal, success)


@pytest.mark.parametrize("raw", ["ready", "Done", "Queued"])
def test_an_unknown_asset_status_fails_with_the_raw_value(raw: object) -> None:
    check_unknown_word_refused(AssetStatus, "panjaya", raw)


@pytest.mark.parametrize(
    ("raw", "member", "terminal", "success"),
    [
        ("NotReady", VersionStatus.NOT_READY, False, False),
        ("ReadyToEdit", VersionStatus.READY_TO_EDIT, False, False),
        ("Generating", VersionStatus.GENERATING, False, False),
        ("Completed", VersionStatus.COMPLETED, True, True),
        ("Failed", VersionStatus.FAILED, True, False),
    ],
)
def test_version_status_words(raw: object, member: VersionStatus, terminal: bool, success: bool) -> None:
    check_status_word(VersionStatus, "panjaya", raw, member, terminal, success)


@pytest.mark.parametrize("raw", ["completed", "Cancelled", "Done"])
def test_an_unknown_version_status_fails_with_the_raw_value(raw: object) -> None:
    check_unknown_word_refused(VersionStatus, "panjaya", raw)
