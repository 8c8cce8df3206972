"""What the narrow caption formats can carry: CEA-608 (SCC, MCC) and the EBU STL character code tables.

Text is never folded to fit (no dropped accents, no `£` or spaces in place of letters): a character a
format cannot carry is an error naming the character and the cue. The one change made is Unicode's own
compatibility equivalence (NFKC: `…` -> `...`, a no-break space -> a space, full-width forms -> ASCII)
and a few typographic equivalents (`TYPOGRAPHIC`: a curly apostrophe as `'`, dashes as `-`), applied
only to characters the format lacks, and logged, since they keep what the text says.
"""

# ruff: noqa: RUF001, RUF003 - the character tables hold look-alike letters on purpose

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from video_localization.core.captions.languages import ARABIC, CYRILLIC, GREEK, HEBREW, LATIN
from video_localization.core.errors import InvalidInputError

log = logging.getLogger(__name__)

# -- CEA-608 (ANSI/CTA-608-E, channel 1): the characters a line-21 decoder can show ----------------------
# Basic characters: ASCII, except the nine code points CEA-608 gives to accented letters.
CEA608_BASIC = frozenset({chr(code) for code in range(0x20, 0x7F)} - set("*\\^_`{|}~") | set("áéíóúçÑñ÷"))
# Special characters (0x11 0x30-0x3F): drawn at the cursor, like a basic character.
CEA608_SPECIAL = frozenset("®°½¿™¢£♪àèâêîôû")
# Extended characters (0x12/0x13 0x20-0x3F): each replaces the character before it, so an encoder sends
# a basic stand-in first (decoders without the extended set show the stand-in). Left out: the codes
# readers disagree on (pycaption writes `’ — ^ ¦ |` for what ttconv reads as `' ━ ʌ | ┃`) and the
# box-drawing corners.
CEA608_EXTENDED = frozenset("ÁÉÓÚÜü‘¡*©℠•“”ÀÂÇÈÊËëÎÏïÔÙùÛ«»ÃãÍÌìÒòÕõ{}\\_~ÄäÖöß¥¤ÅåØø")
CEA608 = CEA608_BASIC | CEA608_SPECIAL | CEA608_EXTENDED
#: Caption columns on a CEA-608 screen.
CEA608_COLUMNS = 32


def cea608_stand_in(char: str) -> str:
    """The basic character sent before an extended one: its base letter, or a space."""
    base = unicodedata.normalize("NFD", char)[0]
    return base if base in CEA608_BASIC else " "


# -- EBU STL (EBU Tech 3264) character code tables ----------------------------------------------------
# ISO/IEC 6937 (table 00): one byte for these characters (0xE2 is the one capital of both Đ and Ð) ...
_ISO6937_SINGLE = {
    "¡": 0xA1, "¢": 0xA2, "£": 0xA3, "¥": 0xA5, "§": 0xA7, "¤": 0xA8, "‘": 0xA9, "“": 0xAA, "«": 0xAB,
    "←": 0xAC, "↑": 0xAD, "→": 0xAE, "↓": 0xAF, "°": 0xB0, "±": 0xB1, "²": 0xB2, "³": 0xB3, "×": 0xB4,
    "µ": 0xB5, "¶": 0xB6, "·": 0xB7, "÷": 0xB8, "’": 0xB9, "”": 0xBA, "»": 0xBB, "¼": 0xBC, "½": 0xBD,
    "¾": 0xBE, "¿": 0xBF, "—": 0xD0, "¹": 0xD1, "®": 0xD2, "©": 0xD3, "™": 0xD4, "♪": 0xD5, "¬": 0xD6,
    "¦": 0xD7, "⅛": 0xDC, "⅜": 0xDD, "⅝": 0xDE, "⅞": 0xDF, "\u2126": 0xE0, "Æ": 0xE1, "Ð": 0xE2,
    "Đ": 0xE2, "ª": 0xE3, "Ħ": 0xE4, "Ĳ": 0xE6, "Ŀ": 0xE7, "Ł": 0xE8, "Ø": 0xE9, "Œ": 0xEA, "º": 0xEB,
    "Þ": 0xEC, "Ŧ": 0xED,
    "Ŋ": 0xEE, "ŉ": 0xEF, "ĸ": 0xF0, "æ": 0xF1, "đ": 0xF2, "ð": 0xF3, "ħ": 0xF4, "ı": 0xF5, "ĳ": 0xF6,
    "ŀ": 0xF7, "ł": 0xF8, "ø": 0xF9, "œ": 0xFA, "ß": 0xFB, "þ": 0xFC, "ŧ": 0xFD, "ŋ": 0xFE,
}  # fmt: skip
# ... and a non-spacing diacritic byte, then the base letter, for exactly these letters.
_ISO6937_COMPOSED = {
    0xC1: "ÀÈÌÒÙàèìòù",
    0xC2: "ÁĆÉÍĹŃÓŔŚÚÝŹáćéíĺńóŕśúýź",
    0xC3: "ÂĈÊĜĤÎĴÔŜÛŴŶâĉêĝĥîĵôŝûŵŷ",
    0xC4: "ÃĨÑÕŨãĩñõũ",
    0xC5: "ĀĒĪŌŪāēīōū",
    0xC6: "ĂĞŬăğŭ",
    0xC7: "ĊĖĠİŻċėġż",
    0xC8: "ÄËÏÖÜŸäëïöüÿ",
    0xCA: "ÅŮåů",
    0xCB: "ÇĢĶĻŅŖŞŢçģķļņŗşţ",
    0xCD: "ŐŰőű",
    0xCE: "ĄĘĮŲąęįų",
    0xCF: "ČĎĚĽŇŘŠŤŽčďěľňřšťž",
}
_ISO6937_PAIRS = {
    letter: bytes([diacritic, ord(unicodedata.normalize("NFD", letter)[0])])
    for diacritic, letters in _ISO6937_COMPOSED.items()
    for letter in letters
}


def iso6937_encode(text: str) -> bytes:
    """Text in ISO/IEC 6937; `UnicodeEncodeError` for a character outside its repertoire."""
    out = bytearray()
    for position, char in enumerate(text):
        if 0x20 <= ord(char) < 0x7F:
            out.append(ord(char))
        elif char in _ISO6937_SINGLE:
            out.append(_ISO6937_SINGLE[char])
        elif char in _ISO6937_PAIRS:
            out += _ISO6937_PAIRS[char]
        else:
            raise UnicodeEncodeError("iso6937", text, position, position + 1, "not in ISO/IEC 6937")
    return bytes(out)


@dataclass(frozen=True)
class EbuCodeTable:
    """One EBU STL character code table (the GSI `CCT` field) and how to encode text in it."""

    cct: str
    name: str
    encode: Callable[[str], bytes]


def _codec(name: str) -> Callable[[str], bytes]:
    return lambda text: text.encode(name)


EBU_CODE_TABLES: dict[str, EbuCodeTable] = {
    LATIN: EbuCodeTable("00", "Latin (ISO/IEC 6937)", iso6937_encode),
    CYRILLIC: EbuCodeTable("01", "Latin/Cyrillic (ISO 8859-5)", _codec("iso8859_5")),
    ARABIC: EbuCodeTable("02", "Latin/Arabic (ISO 8859-6)", _codec("iso8859_6")),
    GREEK: EbuCodeTable("03", "Latin/Greek (ISO 8859-7)", _codec("iso8859_7")),
    HEBREW: EbuCodeTable("04", "Latin/Hebrew (ISO 8859-8)", _codec("iso8859_8")),
}


def ebu_encodable(table: EbuCodeTable, char: str) -> bool:
    try:
        table.encode(char)
    except UnicodeEncodeError:
        return False
    return True


#: Punctuation a narrow character set may lack, written as its plain typewriter form.
TYPOGRAPHIC = {"’": "'", "‛": "'", "–": "-", "—": "-", "‐": "-", "‑": "-"}


# -- fitting text to a character set -------------------------------------------------------------------
class UnencodableText(InvalidInputError):
    """Caption text holds characters the requested format cannot carry."""


def fit_text(
    lines: Sequence[str], can_carry: Callable[[str], bool], *, what: str, charset: str, where: str
) -> tuple[str, ...]:
    """`lines` with any character the format lacks replaced by its NFKC equivalent, when that fits.

    Raises `UnencodableText` naming every character that cannot be carried either way.
    """
    fitted: list[str] = []
    missing: dict[str, None] = {}
    replaced: dict[str, str] = {}
    for line in lines:
        out = []
        for char in line:
            if can_carry(char):
                out.append(char)
                continue
            equivalent = TYPOGRAPHIC.get(char) or unicodedata.normalize("NFKC", char)
            if equivalent != char and all(can_carry(c) for c in equivalent):
                replaced[char] = equivalent
                out.append(equivalent)
            else:
                missing[char] = None
        fitted.append("".join(out))
    if missing:
        shown = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in missing)
        raise UnencodableText(
            "caption_formats", what, f"text in {charset}", f"{where} holds {shown}, which {what} cannot carry"
        )
    if replaced:
        log.info(
            "%s: %s written as %s (equivalents: %s has no %s)",
            where,
            ", ".join(map(repr, replaced)),
            ", ".join(map(repr, replaced.values())),
            charset,
            ", ".join(map(repr, replaced)),
        )
    return tuple(fitted)
