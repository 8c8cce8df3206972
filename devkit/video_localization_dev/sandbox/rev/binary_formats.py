"""Writers of Rev's binary caption formats: EBU STL (EBU Tech 3264) and Cheetah CAP.

EBU STL is written to the specification: a 1024-byte GSI block (code page 850) and one 128-byte TTI
block a subtitle, text in the character code table of the language's script (ISO 6937 Latin, or ISO
8859-5/6/7/8 for Cyrillic, Arabic, Greek, Hebrew). Text no table can carry has no EBU STL file.

Cheetah CAP has no public specification; the layout follows what subtitle tools read from Cheetah
Captivator files: a 128-byte header starting EA 22 01 00 with the caption count, then one length-prefixed
record a caption (type, start and end as hour/minute/second/frame bytes, a style block, Latin-1-like text
with a few remapped accented letters, lines separated by zero bytes).
"""

# ruff: noqa: RUF001 - character tables and transcripts hold look-alike letters on purpose

from __future__ import annotations

import unicodedata

from video_localization_dev.sandbox.rev.source import EBU_FPS, NTSC_NOMINAL_FPS, CaptionSource, frame_parts

# -- EBU STL -------------------------------------------------------------------------------------------
EBU_COLUMNS = 37
EBU_TEXT_FIELD = 112
EBU_NEWLINE = 0x8A
EBU_UNUSED = 0x8F
# Character code table (CCT) per script, and the Python codec of the non-Latin ones.
EBU_CODE_TABLES = {"latin": ("00", None), "cyrillic": ("01", "iso8859_5"), "arabic": ("02", "iso8859_6")}
EBU_CODE_TABLES |= {"greek": ("03", "iso8859_7"), "hebrew": ("04", "iso8859_8")}
EBU_SCRIPTS = {"bg": "cyrillic", "ru": "cyrillic", "ar": "arabic", "fa": "arabic", "el": "greek"}
EBU_SCRIPTS["he"] = "hebrew"
# EBU Tech 3264 language codes (appendix 3).
EBU_LANGUAGE_CODES = {
    "ca": "03", "hr": "04", "cs": "06", "da": "07", "de": "08", "en": "09", "es": "0A", "fr": "0F",
    "it": "15", "lv": "18", "lt": "1A", "hu": "1B", "nl": "1D", "no": "1E", "pl": "20", "pt": "21",
    "ro": "22", "sk": "25", "sl": "26", "fi": "27", "sv": "28", "tr": "29", "bg": "77", "el": "70",
    "he": "6C", "ar": "7E", "fa": "5A", "ru": "56", "id": "6A", "ms": "61", "hi": "6B", "ja": "69",
    "ko": "65", "cmn": "75", "ta": "4D", "te": "4B",
}  # fmt: skip
# ISO 6937: a non-spacing diacritic byte precedes the base letter.
_ISO6937_DIACRITICS = {
    "\u0300": 0xC1, "\u0301": 0xC2, "\u0302": 0xC3, "\u0303": 0xC4, "\u0304": 0xC5, "\u0306": 0xC6,
    "\u0307": 0xC7, "\u0308": 0xC8, "\u030a": 0xCA, "\u0327": 0xCB, "\u0326": 0xCB, "\u030b": 0xCD,
    "\u0328": 0xCE, "\u030c": 0xCF,
}  # fmt: skip
_ISO6937_LETTERS = {
    "¡": 0xA1, "¢": 0xA2, "£": 0xA3, "$": 0xA4, "¥": 0xA5, "§": 0xA7, "‘": 0xA9, "“": 0xAA, "«": 0xAB,
    "°": 0xB0, "±": 0xB1, "²": 0xB2, "³": 0xB3, "×": 0xB4, "µ": 0xB5, "¶": 0xB6, "·": 0xB7, "÷": 0xB8,
    "’": 0xB9, "”": 0xBA, "»": 0xBB, "¼": 0xBC, "½": 0xBD, "¾": 0xBE, "¿": 0xBF, "―": 0xD0, "—": 0xD0,
    "®": 0xD2, "©": 0xD3, "™": 0xD4, "♪": 0xD5, "Æ": 0xE1, "Đ": 0xE2, "Ð": 0xE2, "ª": 0xE3, "Ħ": 0xE4,
    "Ĳ": 0xE6, "Ŀ": 0xE7, "Ł": 0xE8, "Ø": 0xE9, "Œ": 0xEA, "º": 0xEB, "Þ": 0xEC, "Ŧ": 0xED, "Ŋ": 0xEE,
    "ŉ": 0xEF, "ĸ": 0xF0, "æ": 0xF1, "đ": 0xF2, "ð": 0xF3, "ħ": 0xF4, "ı": 0xF5, "ĳ": 0xF6, "ŀ": 0xF7,
    "ł": 0xF8, "ø": 0xF9, "œ": 0xFA, "ß": 0xFB, "þ": 0xFC, "ŧ": 0xFD, "ŋ": 0xFE,
}  # fmt: skip


def iso6937(text: str) -> bytes:
    """Encode Latin text in ISO 6937 (raises UnicodeEncodeError for anything else)."""
    out = bytearray()
    for char in text:
        if char in _ISO6937_LETTERS:
            out.append(_ISO6937_LETTERS[char])
        elif 0x20 <= ord(char) < 0x7F:
            out.append(ord(char))
        else:
            base, *marks = unicodedata.normalize("NFD", char)
            if len(marks) != 1 or marks[0] not in _ISO6937_DIACRITICS or not base.isascii():
                raise UnicodeEncodeError("iso6937", char, 0, 1, "not in ISO 6937")
            out += bytes([_ISO6937_DIACRITICS[marks[0]], ord(base)])
    return bytes(out)


def ebu_encode(text: str, language: str) -> bytes:
    """Text in the EBU code table of the language's script."""
    codec = EBU_CODE_TABLES[EBU_SCRIPTS.get(language, "latin")][1]
    return text.encode(codec) if codec else iso6937(text)


def ebu_available(language: str, texts: list[str]) -> bool:
    try:
        for text in texts:
            ebu_encode(text, language)
    except UnicodeEncodeError:
        return False
    return True


def _field(value: str, size: int, encoding: str = "cp850") -> bytes:
    data = value.encode(encoding, errors="replace")[:size]
    return data + b" " * (size - len(data))


def _ebu_code(seconds: float) -> str:
    return "{:02d}{:02d}{:02d}{:02d}".format(*frame_parts(seconds, EBU_FPS))


def ebu_stl(source: CaptionSource) -> bytes:
    cues = source.cues(width=EBU_COLUMNS, max_lines=2)
    script_table = EBU_CODE_TABLES[EBU_SCRIPTS.get(source.language, "latin")][0]
    created = source.created.strftime("%y%m%d")
    gsi = b"".join(
        [
            _field("850", 3),  # CPN: code page of this block
            _field("STL25.01", 8),  # DFC: 25 frames a second
            _field("1", 1),  # DSC: level-1 teletext
            _field(script_table, 2),  # CCT
            _field(EBU_LANGUAGE_CODES.get(source.language, "00"), 2),  # LC
            _field(source.title, 32),  # OPT: original programme title
            _field("", 32),  # OET
            _field("", 32),  # TPT
            _field("", 32),  # TET
            _field("Rev", 32),  # TN: translator
            _field("", 32),  # TCD
            _field("", 16),  # SLR
            _field(created, 6),  # CD
            _field(created, 6),  # RD
            _field("00", 2),  # RN
            _field(f"{len(cues):05d}", 5),  # TNB: TTI blocks
            _field(f"{len(cues):05d}", 5),  # TNS: subtitles
            _field("001", 3),  # TNG: subtitle groups
            _field("40", 2),  # MNC: characters a row
            _field("23", 2),  # MNR: rows
            _field("1", 1),  # TCS: time codes are for use
            _field("00000000", 8),  # TCP: programme starts at zero
            _field(_ebu_code(cues[0].start) if cues else "00000000", 8),  # TCF: first in-cue
            _field("1", 1),  # TND
            _field("1", 1),  # DSN
            _field("USA", 3),  # CO
            _field("Rev", 32),  # PUB
            _field("", 32),  # EN
            _field("", 32),  # ECD
            _field("", 75),  # spare
            _field("", 576),  # UDA
        ]
    )
    assert len(gsi) == 1024
    blocks = [gsi]
    for number, cue in enumerate(cues, start=1):
        text = bytes([EBU_NEWLINE]).join(ebu_encode(line, source.language) for line in cue.lines)
        text = text[:EBU_TEXT_FIELD] + bytes([EBU_UNUSED]) * (EBU_TEXT_FIELD - len(text))
        block = (
            bytes([0])  # SGN
            + number.to_bytes(2, "little")  # SN
            + bytes([0xFF, 0])  # EBN: last block of this subtitle; CS: not cumulative
            + bytes(frame_parts(cue.start, EBU_FPS))  # TCI
            + bytes(frame_parts(cue.end, EBU_FPS))  # TCO
            + bytes([22 - 2 * (len(cue.lines) - 1), 2, 0])  # VP (row), JC: centred, CF: subtitle
            + text
        )
        assert len(block) == 128
        blocks.append(block)
    return b"".join(blocks)


# -- Cheetah CAP ---------------------------------------------------------------------------------------
CAP_COLUMNS = 32
CAP_HEADER_SIZE = 128
_CAP_LETTERS = {
    "♪": 0x81, "á": 0x82, "é": 0x83, "í": 0x84, "ó": 0x85, "ú": 0x86, "â": 0x87, "ê": 0x88, "î": 0x89,
    "ô": 0x8A, "û": 0x8B, "à": 0x8C, "è": 0x8D, "Ñ": 0x8E, "ñ": 0x8F, "ç": 0x90, "¢": 0x91, "£": 0x92,
    "¿": 0x93, "½": 0x94, "®": 0x95,
}  # fmt: skip
_CAP_FOLD = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae"}
_CAP_FOLD |= {"Æ": "AE", "œ": "oe", "Œ": "OE", "’": "'", "–": "-", "—": "-"}
_CAP_STYLE = bytes([0x12, 0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0x0F, 0x10])  # centred, bottom


def cap_encode(text: str) -> bytes | None:
    """Cheetah's character set: ASCII, its remapped accented letters, other diacritics dropped."""
    out = bytearray()
    for char in text:
        if char in _CAP_LETTERS:
            out.append(_CAP_LETTERS[char])
        elif 0x20 <= ord(char) < 0x7F:
            out.append(ord(char))
        else:
            base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            base = _CAP_FOLD.get(base, base)
            if not base or not all(0x20 <= ord(c) < 0x7F for c in base):
                return None
            out += base.encode("ascii")
    return bytes(out)


def cap_available(texts: list[str]) -> bool:
    return all(cap_encode(text) is not None for text in texts)


def cheetah_cap(source: CaptionSource) -> bytes:
    cues = source.cues(width=CAP_COLUMNS, max_lines=2)
    header = bytes([0xEA, 0x22, 0x01, 0x00]) + len(cues).to_bytes(2, "little")
    header += bytes([0x09, 0xA8, 0xAF, 0x4F])
    header += bytes(CAP_HEADER_SIZE - len(header))
    records = [header]
    for cue in cues:
        text = bytes(4).join(cap_encode(line) or b"" for line in cue.lines)
        length = len(text) + 20
        record = (
            bytes([length, 0x62 if len(cue.lines) > 1 else 0x61])
            + bytes(frame_parts(cue.start, NTSC_NOMINAL_FPS))
            + bytes(frame_parts(cue.end, NTSC_NOMINAL_FPS))
            + _CAP_STYLE
            + text
        )
        records.append(record + bytes(length - len(record)))
    return b"".join(records)
