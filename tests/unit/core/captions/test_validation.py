"""Plan-time caption checks: every format for every language, refused naming field, value, allowed."""

# ruff: noqa: RUF003 - letters of many scripts on purpose

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from video_localization.core.captions.charsets import iso6937_encode
from video_localization.core.captions.formats import (
    CaptionFormat,
    caption_filename,
    facebook_locale,
    parse_format,
)
from video_localization.core.captions.validation import (
    allowed_formats,
    format_refusal,
    validate_caption_request,
)
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.languages import vendor_languages
from video_localization.core.paths import data_dir
from video_localization_dev.sandbox.rev.wire import INPUTS_LANGUAGES

REV_DOCUMENT = Path("/work/shared/vendor-docs/rev-ai-captions.md")


def test_a_good_request_comes_back_normalized() -> None:
    plan = validate_caption_request(["subrip", "WebVTT", "ebustl"], ["fr_fr", "de-DE"], "Local")
    assert plan == {
        "source": "local",
        "formats": ["SubRip", "WebVtt", "EbuStl"],
        "locales": ["fr-FR", "de-DE"],
        "rev_languages": {},
    }
    rev = validate_caption_request("SubRip, Mcc, CheetahCap, AvidDvd", ["en-GB", "es_mx"], "rev")
    assert rev == {
        "source": "rev",
        "formats": ["SubRip", "Mcc", "CheetahCap", "AvidDvd"],
        "locales": ["en-GB", "es-MX"],
        "rev_languages": {"en-GB": "en", "es-MX": "es"},
    }


def test_no_formats_means_no_captions_and_nothing_else_is_checked() -> None:
    assert validate_caption_request([], ["xx-YY"], "rev")["formats"] == []
    assert validate_caption_request(None, None, "local")["locales"] == []


def test_scc_refuses_japanese() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_caption_request(["SubRip", "Scc"], ["ja-JP"], "local")
    error = caught.value
    assert (error.field, error.value) == ("caption_formats", "Scc")
    assert "for ja-JP: Scenarist SCC holds only the CEA-608 character set (Latin letters)" in str(error)
    assert "which cannot write Japanese (Japanese script)" in str(error)
    allowed = error.allowed.split(", ")
    assert "SubRip" in allowed and "Scc" not in allowed and "EbuStl" not in allowed


def test_ebu_stl_refuses_hindi() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_caption_request(["EbuStl"], ["hi-IN"], "rev")
    assert (caught.value.field, caught.value.value) == ("caption_formats", "EbuStl")
    assert "EBU STL has character code tables for Latin, Cyrillic, Arabic, Greek and Hebrew only" in str(
        caught.value
    )
    assert "Hindi is written in Devanagari script" in str(caught.value)
    assert "Mcc" not in caught.value.allowed  # Hindi has no CEA-608 either


@pytest.mark.parametrize(
    ("locale", "scc", "ebu"),
    [
        ("en-US", True, True),
        ("fr-FR", True, True),
        ("de-DE", True, True),
        ("es-MX", True, True),
        ("pt-BR", True, True),
        ("it-IT", True, True),
        ("sv-SE", True, True),
        ("da-DK", False, True),  # æ
        ("pl-PL", False, True),  # ą ł ...
        ("tr-TR", False, True),  # ğ ı ş
        ("ro-RO", False, False),  # ș ț: comma below is in neither
        ("vi-VN", False, False),  # stacked diacritics
        ("ru-RU", False, True),
        ("uk-UA", False, False),  # ґ is not in ISO 8859-5
        ("el-GR", False, True),
        ("ar-AE", False, True),
        ("fa-IR", False, False),  # پ چ ژ گ are not in ISO 8859-6
        ("he-IL", False, True),
        ("hi-IN", False, False),
        ("ja-JP", False, False),
        ("zh-CN", False, False),
        ("ko-KR", False, False),
        ("sr-Latn-RS", False, True),
        ("xx-YY", False, False),  # nothing known about it: nothing promised
    ],
)
def test_which_languages_scc_and_ebu_stl_can_carry(locale: str, scc: bool, ebu: bool) -> None:
    assert (format_refusal(CaptionFormat.SCC, locale) is None) is scc
    assert (format_refusal(CaptionFormat.MCC, locale) is None) is scc
    assert (format_refusal(CaptionFormat.EBU_STL, locale) is None) is ebu
    assert format_refusal(CaptionFormat.WEBVTT, locale) is None


def test_the_letters_a_refusal_names() -> None:
    assert "lacks the Danish letters æ Æ" in (format_refusal(CaptionFormat.SCC, "da-DK") or "")
    assert "table lacks the Ukrainian letters ґ Ґ" in (format_refusal(CaptionFormat.EBU_STL, "uk-UA") or "")
    assert "Latin-script text only; Russian is written in Cyrillic" in (
        format_refusal(CaptionFormat.CHEETAH_CAP, "ru-RU") or ""
    )


def test_rev_only_formats_are_refused_for_local_conversion() -> None:
    with pytest.raises(InvalidInputs) as caught:
        validate_caption_request(["Mcc", "CheetahCap", "AvidDvd", "SubRip"], ["en-US"], "local")
    assert [(e.field, e.value) for e in caught.value.errors] == [
        ("caption_formats", "Mcc"),
        ("caption_formats", "CheetahCap"),
        ("caption_formats", "AvidDvd"),
    ]
    assert all("set captions_source='rev'" in str(e) for e in caught.value.errors)
    assert "Mcc" not in caught.value.errors[0].allowed.split(", ")


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInputs) as caught:
        validate_caption_request(["Srt", "SubRip", "subrip", "Scc"], ["th-TH", "ar-SA", "ar-SA"], "rev")
    assert [(e.field, e.value) for e in caught.value.errors] == [
        ("caption_formats", "Srt"),  # not a format
        ("caption_formats", "subrip"),  # twice
        ("target_languages", "th-TH"),  # Rev does not caption Thai
        ("caption_formats", "Scc"),  # not for Arabic
        ("target_languages", "ar-SA"),  # twice
    ]
    assert "Rev does not caption it" in str(caught.value.errors[2])
    assert "ar-EG" in caught.value.errors[2].allowed


def test_the_source_must_be_rev_or_local() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_caption_request(["SubRip"], ["en-US"], "panjaya")
    assert (caught.value.field, caught.value.allowed) == ("captions_source", "rev, local")


def test_field_names_follow_the_caller() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_caption_request(["nope"], ["en-US"], "local", formats_field="formats")
    assert caught.value.field == "formats"


def test_allowed_formats_per_source() -> None:
    assert allowed_formats("ja-JP", "rev") == [
        "SubRip", "Ttml", "QTtext", "Transcript", "WebVtt", "Dfxp", "Stl", "AvidDs", "AvidDvd",
        "FacebookSubRip",
    ]  # fmt: skip
    assert len(allowed_formats("en-US", "rev")) == 14
    assert "Mcc" not in allowed_formats("en-US", "local")


def test_format_names_and_file_names() -> None:
    assert parse_format(" dfxp ") is CaptionFormat.DFXP
    with pytest.raises(InvalidInputError, match="not a caption format"):
        parse_format(42)
    assert facebook_locale("pt-BR") == "pt_BR"
    assert facebook_locale("sr-Latn-RS") == "sr_RS"
    names = {caption_filename(fmt, "fr-fr") for fmt in CaptionFormat}
    assert len(names) == 14  # every format has its own file
    assert caption_filename(CaptionFormat.FACEBOOK_SUBRIP, "fr-FR", "promo") == "promo.fr_FR.srt"


def test_iso_6937_encoder_agrees_with_ttconv_s_decoder() -> None:
    from ttconv.stl.iso6937 import decode

    from video_localization.core.captions import charsets

    repertoire = "".join(charsets._ISO6937_SINGLE) + "".join(charsets._ISO6937_PAIRS)
    # ISO/IEC 6937 has one capital for Đ (Croatian) and Ð (Icelandic); ttconv reads it as Ð.
    assert decode(iso6937_encode(repertoire))[0] == repertoire.replace("Đ", "Ð")
    with pytest.raises(UnicodeEncodeError):
        iso6937_encode("ș")


# -- the Rev language table ---------------------------------------------------------------------------
def test_rev_csv_holds_every_code_of_rev_s_document_and_region_tags_only() -> None:
    document = REV_DOCUMENT.read_text() if REV_DOCUMENT.exists() else None
    codes = set(INPUTS_LANGUAGES)
    if document is not None:
        listed = re.search(r"language codes: (.*?)\.\n", document)
        assert listed is not None
        codes = {code.strip() for code in listed.group(1).replace(" and ", ", ").split(",") if code.strip()}
    assert len(codes) == 36
    table = (data_dir() / "languages" / "rev.csv").read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(line for line in table if not line.startswith("#")))
    assert {row["code"] for row in rows} == codes
    assert all("-" in row["tag"] for row in rows)  # region-qualified, as localize_video uses them
    rev = vendor_languages("rev")
    assert rev.get("zh-CN").code == "cmn"
    assert rev.get("es_mx").code == "es"
    assert rev.get("nb-NO").code == "no"
    assert rev.get("th-TH") is None
