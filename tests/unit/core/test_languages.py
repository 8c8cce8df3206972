"""Language tables per vendor: lookups, normalisation and the errors that list what is allowed."""

from __future__ import annotations

import pytest

from video_localization.core.errors import (
    InvalidInputError,
)
from video_localization.core.languages import language_name, normalize_tag, vendor_languages
from video_localization_dev.sandbox.panjaya import wire


# -- languages -------------------------------------------------------------------------------------------
def test_panjaya_language_table_matches_the_document() -> None:
    panjaya = vendor_languages("panjaya")
    rows = list(panjaya)
    assert len(rows) == 38
    assert {row.tag for row in rows if row.source and not row.target} == {"he-IL", "ur-IN"}
    assert {row.tag for row in rows if row.target and not row.source} == {"th-TH"}
    assert all(row.source or row.target for row in rows)
    # The provider's table and the sandbox's (both copied from the document) agree.
    assert set(panjaya.sources()) == wire.SOURCE_LOCALES
    assert set(panjaya.targets()) == wire.TARGET_LOCALES


def test_lookups_accept_any_casing_and_answer_the_canonical_tag() -> None:
    panjaya = vendor_languages("panjaya")
    assert panjaya.source("EN_us").tag == "en-US"
    assert panjaya.target("fil-ph").tag == "fil-PH"
    assert panjaya.get("zh-cn").name == "Chinese"
    assert panjaya.get("xx-YY") is None


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("fr_fr", "fr-FR"),
        ("FR-fr", "fr-FR"),
        (" en-us ", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("EN", "en"),
        ("fil-PH", "fil-PH"),
    ],
)
def test_normalize_tag(raw: str, canonical: str) -> None:
    assert normalize_tag(raw) == canonical


def test_a_wrong_side_language_error_lists_what_is_allowed() -> None:
    panjaya = vendor_languages("panjaya")
    with pytest.raises(InvalidInputError) as as_target:
        panjaya.target("he-il")
    assert as_target.value.field == "target_languages"
    assert as_target.value.value == "he-il"
    assert as_target.value.allowed == ", ".join(panjaya.targets())
    assert "panjaya takes he-IL as a source language only" in str(as_target.value)

    with pytest.raises(InvalidInputError) as as_source:
        panjaya.source("th-TH", field="source")
    assert as_source.value.field == "source"
    assert "th-TH" not in as_source.value.allowed.split(", ")
    assert "panjaya takes th-TH as a target language only" in str(as_source.value)

    with pytest.raises(InvalidInputError, match="panjaya does not dub into it"):
        panjaya.target("tlh-KL")


def test_an_unknown_vendor_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInputError) as caught:
        vendor_languages("dubbly")
    assert "panjaya" in caught.value.allowed.split(", ")


def test_language_name() -> None:
    assert language_name("ja-jp") == "Japanese"
    assert language_name("tlh-KL") == "tlh-KL"
