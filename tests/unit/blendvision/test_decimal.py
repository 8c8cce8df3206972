"""The BlendVision Decimal: the document's grammar, its four normalization rules, and a second reader.

Properties are checked with hypothesis over strings built from the grammar (all valid) and over
arbitrary strings from the grammar's alphabet and its look-alikes (mostly invalid). The sandbox's own
hand-written scanner (`sandbox.blendvision.decimal_string`) is the second reader: both must accept the
same strings and write the same normalized form.
"""

from __future__ import annotations

import decimal as std_decimal
import json

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from video_localization.blendvision.decimal import Decimal, DecimalSyntaxError, normalize
from video_localization.blendvision.models import DecimalValue, Interval
from video_localization_dev.sandbox.blendvision.constants import DECIMAL_MAX_LENGTH
from video_localization_dev.sandbox.blendvision.decimal_string import DecimalSyntaxError as SandboxSyntaxError
from video_localization_dev.sandbox.blendvision.decimal_string import parse_decimal_string

DIGITS = st.text(alphabet="0123456789", max_size=6)
EXPONENT_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=4)


@st.composite
def decimal_strings(draw: st.DrawFn) -> str:
    """Any string of the grammar: [Sign] (Digits ['.'] [Digits] | [Digits] '.' Digits) [Exponent]."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    integer = draw(DIGITS)
    point = draw(st.booleans())
    fraction = draw(DIGITS) if point else ""
    if not integer and not fraction:
        if point and draw(st.booleans()):
            fraction = draw(EXPONENT_DIGITS)
        else:
            integer = draw(EXPONENT_DIGITS)
    exponent = ""
    if draw(st.booleans()):
        exponent = draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-"])) + draw(EXPONENT_DIGITS)
    return sign + integer + ("." if point else "") + fraction + exponent


def expected_normal_form(text: str) -> str:
    """The document's four rules, applied by plain string surgery (a third, simplest reading)."""
    if text.startswith("+"):
        text = text[1:]  # rule 1: +2.5 -> 2.5
    sign = "-" if text.startswith("-") else ""
    text = text.removeprefix("-")
    if text.startswith("."):
        text = "0" + text  # rule 2: .5 -> 0.5
    text = text.replace("E", "e")  # rule 3: 2.5E8 -> 2.5e8
    if "e" in text:
        significand, exponent = text.split("e")
        if not exponent.lstrip("+-").strip("0"):
            text = significand  # rule 4: 2.5e0 -> 2.5
    return sign + text


# -- the document's examples ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("+2.5", "2.5"),  # the document's four examples
        (".5", "0.5"),
        ("2.5E8", "2.5e8"),
        ("2.5e0", "2.5"),
        ("-.5E-00", "-0.5"),  # all four at once, with a signed zero exponent
        ("+.5e+0", "0.5"),
        ("2.5e-1", "2.5e-1"),  # no shifting of the point (allowed, not required): the user's digits stay
        ("2.50", "2.50"),  # trailing zeros kept as precision
        ("5.", "5."),  # Digits ['.'] [Digits]: a bare point is a decimal string
        ("007", "007"),
        ("-0", "-0"),
        ("1E+08", "1e+08"),  # only the exponent mark changes; its sign and digits are the user's
        ("0.000", "0.000"),
    ],
)
def test_normalization_follows_the_documented_rules(text: str, normalized: str) -> None:
    assert normalize(text) == normalized
    assert str(Decimal.parse(text)) == normalized
    assert parse_decimal_string(text).normalized == normalized  # the second reader agrees


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        (".", "a digit in the integer or the fraction"),
        ("+", "a digit in the integer or the fraction"),
        ("-.", "a digit in the integer or the fraction"),
        ("e5", "a digit in the integer or the fraction"),
        (".e5", "a digit in the integer or the fraction"),
        ("1e", "the exponent needs at least one digit"),
        ("1E+", "the exponent needs at least one digit"),
        (".5e-", "the exponent needs at least one digit"),
        ("1,5", "only '.' separates"),
        ("1,000.5", "thousands separators"),
        ("1_000", "separators"),
        ("1 000", "separators"),
        ("1'000", "separators"),
        (" 1", "whitespace"),
        ("1 ", "whitespace"),
        ("1\n", "whitespace"),
        ("\t2.5", "whitespace"),
        ("NaN", "NaN"),
        ("-Infinity", "NaN and infinities"),
        ("inf", "NaN and infinities"),
        ("\u0661\u0662", "ASCII digits"),  # Arabic-Indic digits
        ("\uff11", "ASCII digits"),  # a full-width 1
        ("0x10", "does not match"),
        ("--1", "does not match"),
        ("+-1", "does not match"),
        ("1..2", "does not match"),
        ("1.2.3", "does not match"),
        ("1e5.5", "does not match"),
        ("1e2e3", "does not match"),
        ("2.5f", "does not match"),
        ("\u00bd", "does not match"),
    ],
)
def test_strings_outside_the_grammar_are_refused(text: str, why: str) -> None:
    with pytest.raises(DecimalSyntaxError, match=why):
        Decimal.parse(text)
    with pytest.raises(SandboxSyntaxError):
        parse_decimal_string(text)  # the second reader refuses them too


@pytest.mark.parametrize("value", [2.5, 3, None, ["1"], b"1"])
def test_parse_takes_only_strings(value: object) -> None:
    with pytest.raises(DecimalSyntaxError, match="must be a str"):
        Decimal.parse(value)


# -- properties over the grammar -----------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(decimal_strings())
@example("+.5E-0")
@example("-0.0e+000")
def test_every_grammar_string_parses_to_its_documented_normal_form(text: str) -> None:
    parsed = Decimal.parse(text)
    normalized = str(parsed)
    assert normalized == expected_normal_form(text)
    assert not normalized.startswith(("+", ".", "-."))
    assert "E" not in normalized and "+" not in normalized.split("e")[0]
    if "e" in normalized:
        assert normalized.split("e")[1].lstrip("+-").strip("0"), "a zero exponent is dropped"
    assert normalize(normalized) == normalized  # normalizing is idempotent
    assert Decimal.parse(normalized) == parsed
    assert parsed.value == std_decimal.Decimal(text)  # the number never changes
    assert std_decimal.Decimal(normalized) == parsed.value


@settings(max_examples=400, deadline=None)
@given(decimal_strings())
def test_the_sandbox_reads_every_grammar_string_the_same_way(text: str) -> None:
    assume(len(text) <= DECIMAL_MAX_LENGTH)  # the sandbox's own length limit (a service choice)
    theirs = parse_decimal_string(text)
    ours = Decimal.parse(text)
    assert theirs.normalized == str(ours)
    assert theirs.value == ours.value


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="0123456789+-.eE ,_x\u0661\t", max_size=10))
def test_both_readers_accept_exactly_the_same_strings(text: str) -> None:
    try:
        ours: str | None = str(Decimal.parse(text))
    except DecimalSyntaxError:
        ours = None
    try:
        theirs: str | None = parse_decimal_string(text).normalized
    except SandboxSyntaxError:
        theirs = None
    assert ours == theirs, text


@settings(max_examples=300, deadline=None)
@given(decimal_strings())
def test_the_wire_form_round_trips_through_the_model(text: str) -> None:
    model = DecimalValue(value=text)
    dumped = model.model_dump(mode="json")
    assert dumped == {"value": normalize(text)}
    assert DecimalValue.model_validate_json(json.dumps(dumped)) == model
    assert model.value.wire() == dumped


@settings(max_examples=300, deadline=None)
@given(decimal_strings(), st.integers(min_value=0, max_value=6))
def test_exceeds_scale_is_exact(text: str, places: int) -> None:
    value = std_decimal.Decimal(text)
    assume(abs(value.adjusted()) < 50)
    with std_decimal.localcontext() as context:
        context.prec = 200
        rounded = value.quantize(std_decimal.Decimal(1).scaleb(-places))
    assert Decimal.parse(text).exceeds_scale(places) is (rounded != value)


# -- building from numbers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.5, "2.5"),
        (1e-05, "1e-05"),
        (1e16, "1e+16"),
        (0.1, "0.1"),
        (12, "12"),
        (-3, "-3"),
        (std_decimal.Decimal("1.50"), "1.50"),
        (std_decimal.Decimal("1E+2"), "100"),
        (std_decimal.Decimal("-0.001"), "-0.001"),
        ("+.25", "0.25"),
        (Decimal.parse("7.5"), "7.5"),
    ],
)
def test_of_builds_from_what_users_give(value: object, text: str) -> None:
    assert str(Decimal.of(value)) == text


@pytest.mark.parametrize(
    "value",
    [True, float("nan"), float("inf"), std_decimal.Decimal("NaN"), std_decimal.Decimal("-Infinity"), "1,5"],
)
def test_of_refuses_what_is_not_a_finite_decimal(value: object) -> None:
    with pytest.raises(DecimalSyntaxError):
        Decimal.of(value)


def test_equality_is_of_normalized_forms_and_value_compares_numbers() -> None:
    assert Decimal.parse("+.5E0") == Decimal.parse("0.5")
    assert hash(Decimal.parse("+.5E0")) == hash(Decimal.parse("0.5"))
    assert Decimal.parse("2.50") != Decimal.parse("2.5")  # more precision is a different decimal string
    assert Decimal.parse("2.50").value == Decimal.parse("2.5").value
    assert repr(Decimal.parse(".5")) == "Decimal('0.5')"


def test_the_model_refuses_bad_decimals_and_non_strings() -> None:
    with pytest.raises(ValidationError, match="not a decimal string"):
        DecimalValue(value="1,5")
    with pytest.raises(ValidationError, match="decimal string is expected"):
        DecimalValue.model_validate({"value": 2.5})  # proto3 JSON: a Decimal's value is always a string
    schema = DecimalValue.model_json_schema()["properties"]["value"]
    assert schema["type"] == "string" and schema["pattern"].startswith("^[+-]?")


def test_an_interval_serializes_as_the_document_shows() -> None:
    interval = Interval.of(Decimal.parse("+1.5"), Decimal.parse(".25E1"))
    assert interval.model_dump(mode="json") == {"start": {"value": "1.5"}, "end": {"value": "0.25e1"}}
