"""google.type.Decimal as BlendVision documents it: read by its grammar, written by its four rules.

The document's grammar, with its prose (at least one digit in the integer or the fraction, at least one
digit in the exponent, only `.` between integer and fraction, no thousands separators):

    DecimalString = [Sign] Significand [Exponent];
    Sign          = '+' | '-';
    Significand   = Digits ['.'] [Digits] | [Digits] '.' Digits;
    Exponent      = ('e' | 'E') [Sign] Digits;

Serializing applies the document's normalization and nothing more: drop an explicit `+` sign (`+2.5` ->
`2.5`), write an empty integer as `0` (`.5` -> `0.5`), lower-case the exponent mark (`2.5E8` -> `2.5e8`)
and drop an explicit zero exponent (`2.5e0` -> `2.5`). Trailing fraction zeros are kept (the document
allows keeping them as precision) and the point is never shifted, so the vendor gets back exactly the
digits the user wrote.

Why not `decimal.Decimal(text)`: it also takes `1_000`, `NaN`, `Infinity`, surrounding whitespace and
non-ASCII digits, none of which the vendor's grammar allows; and its `str()` shifts points and exponents.
So this is a regular expression of the grammar itself, and `decimal.Decimal` only gives the exact value.
"""

from __future__ import annotations

import decimal as std_decimal
import re
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

# The grammar as one expression: the "at least one digit" rule of the significand is checked after.
_GRAMMAR = re.compile(
    r"(?P<sign>[+-]?)"
    r"(?P<integer>[0-9]*)"
    r"(?:(?P<point>\.)(?P<fraction>[0-9]*))?"
    r"(?:[eE](?P<exponent>[+-]?[0-9]+))?"
)


class DecimalSyntaxError(ValueError):
    """The text is not a DecimalString of the document's grammar; the message says why."""


def _why_not(text: str) -> str:
    """A short reason a string failed the grammar, for error messages a user can act on."""
    if not text:
        return "it is empty"
    if text != text.strip():
        return "it has leading or trailing whitespace"
    if "," in text:
        return (
            "',' is not allowed: only '.' separates the fraction, and thousands separators are not supported"
        )
    if "_" in text or "'" in text or " " in text:
        return "digit group separators are not allowed"
    if any(char.isdigit() and not "0" <= char <= "9" for char in text):
        return "only the ASCII digits 0-9 are allowed"
    if text.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
        return "NaN and infinities are not decimal strings"
    match = re.fullmatch(r"[+-]?[0-9]*(?:\.[0-9]*)?[eE][+-]?", text)
    if match:
        return "the exponent needs at least one digit"
    return "it does not match [sign] digits [. digits] [e [sign] digits]"


@dataclass(frozen=True, slots=True)
class Decimal:
    """A decimal string, held as the parts the user wrote; `str()` is its normalized form.

    `negative`, `integer` (never empty), `fraction` (None when there was no point) and `exponent`
    (signed digits as written, None when absent or zero). Equality is equality of normalized forms:
    `Decimal.parse("+.5E0") == Decimal.parse("0.5")`, while `2.50` and `2.5` differ (the first carries
    more precision); compare `.value` for numbers.
    """

    negative: bool
    integer: str
    fraction: str | None = None
    exponent: str | None = None

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: Any) -> Decimal:
        """Read `text` by the grammar and normalize it; raise `DecimalSyntaxError` if it is not one."""
        if not isinstance(text, str):
            raise DecimalSyntaxError(f"a decimal string must be a str, got {type(text).__name__}")
        match = _GRAMMAR.fullmatch(text) if text else None
        if match is None:
            raise DecimalSyntaxError(f"{text!r} is not a decimal string: {_why_not(text)}")
        integer, fraction = match["integer"], match["fraction"]
        if not integer and not fraction:
            raise DecimalSyntaxError(
                f"{text!r} is not a decimal string: it needs a digit in the integer or the fraction"
            )
        exponent = match["exponent"]
        if exponent is not None and not exponent.lstrip("+-").strip("0"):
            exponent = None  # rule 4: an explicitly-provided zero exponent is removed
        return cls(
            negative=match["sign"] == "-",  # rule 1: an explicit '+' is dropped
            integer=integer or "0",  # rule 2: a zero-length integer becomes 0
            fraction=fraction if match["point"] else None,
            exponent=exponent,  # rule 3: written back with a lower-case 'e'
        )

    @classmethod
    def of(cls, value: Any) -> Decimal:
        """From what a user or a Param gives: a decimal string, an int, a float or a `decimal.Decimal`."""
        if isinstance(value, Decimal):
            return value
        if isinstance(value, bool):
            raise DecimalSyntaxError(f"{value!r} is not a number")
        if isinstance(value, int):
            return cls.parse(str(value))
        if isinstance(value, float):
            # repr() is the shortest text that reads back as the same float: 2.5, 1e-05, 1e+16.
            return cls.parse(repr(value))
        if isinstance(value, std_decimal.Decimal):
            if not value.is_finite():
                raise DecimalSyntaxError(f"{value!r} is not a finite number")
            return cls.parse(format(value, "f"))
        return cls.parse(value)

    # -- writing ---------------------------------------------------------------------------------
    def __str__(self) -> str:
        text = ("-" if self.negative else "") + self.integer
        if self.fraction is not None:
            text += "." + self.fraction
        if self.exponent is not None:
            text += "e" + self.exponent
        return text

    def __repr__(self) -> str:
        return f"Decimal({str(self)!r})"

    def wire(self) -> dict[str, str]:
        """The JSON of a google.type.Decimal message."""
        return {"value": str(self)}

    # -- numbers ---------------------------------------------------------------------------------
    @property
    def value(self) -> std_decimal.Decimal:
        """The exact number (the normalized text is always a valid `decimal.Decimal` literal)."""
        return std_decimal.Decimal(str(self))

    def exceeds_scale(self, max_digits: int) -> bool:
        """Whether a non-zero digit lies more than `max_digits` places after the point (exactly)."""
        _sign, digits, exponent = self.value.as_tuple()
        assert isinstance(exponent, int)
        beyond = -exponent - max_digits
        if beyond <= 0:
            return False
        return any(digits[-beyond:])

    # -- pydantic --------------------------------------------------------------------------------
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"}

    @classmethod
    def _validate(cls, value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if not isinstance(value, str):
            raise ValueError(f"a decimal string is expected, got {type(value).__name__} {value!r}")
        return cls.parse(value)


def normalize(text: str) -> str:
    """The normalized form of a decimal string (raises `DecimalSyntaxError` when it is not one)."""
    return str(Decimal.parse(text))
