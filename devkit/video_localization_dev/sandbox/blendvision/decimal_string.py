"""google.type.Decimal strings, read exactly as the BlendVision document's grammar says.

    DecimalString = [Sign] Significand [Exponent];
    Sign          = '+' | '-';
    Significand   = Digits ['.'] [Digits] | [Digits] '.' Digits;
    Exponent      = ('e' | 'E') [Sign] Digits;

with the prose's extra rules: at least one digit in the integer or the fraction, at least one digit in
the exponent, ASCII digits only, `.` as the only separator, no thousands separators, no whitespace.

A hand-written scanner (not `decimal.Decimal(text)`, which also takes `1_000`, `NaN`, `Infinity` and
surrounding whitespace) so that what the service accepts is the document's language and nothing more.
The normalized form applies the four documented rules only: drop a leading `+`, write an empty integer
as `0`, lower-case the exponent mark, drop a zero exponent. Trailing fraction zeros are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from video_localization_dev.sandbox.blendvision.constants import DECIMAL_MAX_LENGTH

_DIGITS = frozenset("0123456789")


class DecimalSyntaxError(ValueError):
    """The text is not a DecimalString; the message says where and why."""


@dataclass(frozen=True)
class DecimalString:
    """A parsed decimal: the normalized text to store and echo, and its exact value."""

    normalized: str
    value: Decimal

    def scale_exceeds(self, max_scale: int) -> bool:
        """Whether the value has non-zero digits beyond `max_scale` places after the point (exact)."""
        _sign, digits, exponent = self.value.as_tuple()
        assert isinstance(exponent, int)
        excess = -exponent - max_scale
        if excess <= 0:
            return False
        tail = digits[-excess:] if excess <= len(digits) else digits
        return any(tail)


def _explain(char: str, position: int) -> str:
    if char == ",":
        return (
            f"',' at position {position}: only '.' separates the integer and the fraction, "
            "and thousands separators are not supported"
        )
    if char in "_'" or char.isspace():
        return f"{char!r} at position {position}: separators and whitespace are not allowed"
    if char.isdigit():
        return f"{char!r} at position {position}: only the ASCII digits 0-9 are allowed"
    return f"unexpected {char!r} at position {position}"


def _scan_digits(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    return end


def parse_decimal_string(text: object) -> DecimalString:
    """Parse `text` per the grammar and normalize it; raise DecimalSyntaxError if it is not one."""
    if not isinstance(text, str):
        raise DecimalSyntaxError(f"must be a string, got {type(text).__name__}")
    if not text:
        raise DecimalSyntaxError("must not be empty")
    if len(text) > DECIMAL_MAX_LENGTH:
        raise DecimalSyntaxError(f"longer than {DECIMAL_MAX_LENGTH} characters")

    pos = 0
    sign = ""
    if text[pos] in "+-":
        sign = text[pos]
        pos += 1

    integer_end = _scan_digits(text, pos)
    integer = text[pos:integer_end]
    pos = integer_end

    has_point = False
    fraction = ""
    if pos < len(text) and text[pos] == ".":
        has_point = True
        fraction_end = _scan_digits(text, pos + 1)
        fraction = text[pos + 1 : fraction_end]
        pos = fraction_end

    if not integer and not fraction:
        if pos < len(text) and text[pos] not in "eE":
            raise DecimalSyntaxError(_explain(text[pos], pos))
        raise DecimalSyntaxError("needs at least one digit in the integer or the fraction")

    exponent_sign = ""
    exponent: str | None = None
    if pos < len(text) and text[pos] in "eE":
        pos += 1
        if pos < len(text) and text[pos] in "+-":
            exponent_sign = text[pos]
            pos += 1
        exponent_end = _scan_digits(text, pos)
        exponent = text[pos:exponent_end]
        if not exponent:
            raise DecimalSyntaxError("the exponent needs at least one digit after 'e'")
        pos = exponent_end

    if pos != len(text):
        raise DecimalSyntaxError(_explain(text[pos], pos))

    normalized = ("-" if sign == "-" else "") + (integer or "0")
    if has_point:
        normalized += "." + fraction
    if exponent is not None and exponent.strip("0"):
        normalized += "e" + exponent_sign + exponent
    return DecimalString(normalized=normalized, value=Decimal(normalized))
