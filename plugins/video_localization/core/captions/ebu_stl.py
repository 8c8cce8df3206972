"""EBU STL (EBU Tech 3264-E), written by hand: no maintained library writes it (ttconv only reads it).

The file is a 1024-byte General Subtitle Information block (code page 850) and one or more 128-byte Text
and Timing Information blocks a subtitle: teletext level 1, 25 frames a second, 23 rows of up to 40
characters, lines centred at the bottom. Text is encoded in the character code table of the language's
script (`charsets.EBU_CODE_TABLES`); a line longer than `COLUMNS` is broken between words. A subtitle
whose text does not fit the 112-byte text field continues in extension blocks (EBN 0, 1, ... then 0xFF).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from video_localization.core.captions.charsets import EBU_CODE_TABLES, UnencodableText, fit_text
from video_localization.core.captions.cues import Cue
from video_localization.core.captions.languages import language_letters
from video_localization.core.captions.timecode import EBU_FPS, split_units
from video_localization.core.captions.wrapping import wrap_lines

#: Characters a line: teletext rows hold 40, two of which a decoder may spend on boxing control codes.
COLUMNS = 37
MAX_ROWS = 23  # GSI MNR, teletext
TEXT_FIELD_BYTES = 112
NEWLINE = 0x8A  # CR/LF
UNUSED = 0x8F  # fills the rest of a text field
LAST_BLOCK = 0xFF  # EBN of a subtitle's last (or only) block
JUSTIFY_CENTRE = 0x02
# EBU Tech 3264 appendix 3: language codes.
LANGUAGE_CODES = {
    "sq": "01", "ca": "03", "hr": "04", "cs": "06", "da": "07", "de": "08", "en": "09", "es": "0A",
    "et": "0C", "eu": "0D", "fr": "0F", "gl": "13", "is": "14", "it": "15", "lv": "18", "lt": "1A",
    "hu": "1B", "nl": "1D", "no": "1E", "pl": "20", "pt": "21", "ro": "22", "sr": "24", "sk": "25",
    "sl": "26", "fi": "27", "sv": "28", "tr": "29", "ar": "7E", "az": "7B", "be": "79", "bg": "77",
    "el": "70", "he": "6C", "id": "6A", "kk": "67", "mk": "63", "ms": "61", "fa": "5A", "ru": "56",
    "sw": "4F", "uk": "49", "ur": "48", "vi": "46",
}  # fmt: skip


def _field(value: str, size: int) -> bytes:
    """A fixed-size GSI field in code page 850, space-padded (characters 850 lacks become `?`)."""
    data = value.encode("cp850", errors="replace")[:size]
    return data + b" " * (size - len(data))


def _time_code(seconds: float) -> bytes:
    """TCI/TCO: hours, minutes, seconds and frames, a byte each."""
    return bytes(split_units(seconds, EBU_FPS))


def _gsi(title: str, language: str, cct: str, subtitles: int, blocks: int, first: float) -> bytes:
    today = datetime.now(UTC).strftime("%y%m%d")
    first_code = "{:02d}{:02d}{:02d}{:02d}".format(*split_units(first, EBU_FPS))
    gsi = b"".join(
        [
            _field("850", 3),  # CPN: code page of this block
            _field("STL25.01", 8),  # DFC: 25 frames a second
            _field("1", 1),  # DSC: teletext level 1
            _field(cct, 2),  # CCT: character code table of the text fields
            _field(LANGUAGE_CODES.get(language, "00"), 2),  # LC
            _field(title, 32),  # OPT: original programme title
            _field("", 32),  # OET
            _field("", 32),  # TPT
            _field("", 32),  # TET
            _field("", 32),  # TN
            _field("", 32),  # TCD
            _field("", 16),  # SLR
            _field(today, 6),  # CD
            _field(today, 6),  # RD
            _field("00", 2),  # RN
            _field(f"{blocks:05d}", 5),  # TNB: TTI blocks
            _field(f"{subtitles:05d}", 5),  # TNS: subtitles
            _field("001", 3),  # TNG: subtitle groups
            _field("40", 2),  # MNC: characters a row
            _field(f"{MAX_ROWS:02d}", 2),  # MNR: rows
            _field("1", 1),  # TCS: time codes are intended for use
            _field("00000000", 8),  # TCP: the programme starts at zero
            _field(first_code, 8),  # TCF: first in-cue
            _field("1", 1),  # TND: disks
            _field("1", 1),  # DSN: this disk
            _field("", 3),  # CO: country of origin (not known)
            _field("", 32),  # PUB
            _field("", 32),  # EN
            _field("", 32),  # ECD
            _field("", 75),  # spare
            _field("", 576),  # UDA
        ]
    )
    assert len(gsi) == 1024
    return gsi


def _tti_blocks(number: int, cue: Cue, text: bytes) -> list[bytes]:
    """A subtitle's TTI blocks: the text split over 112-byte fields, the last one marked 0xFF."""
    chunks = [text[i : i + TEXT_FIELD_BYTES] for i in range(0, len(text), TEXT_FIELD_BYTES)] or [b""]
    row = MAX_ROWS + 1 - len(cue.lines)  # bottom-aligned: the last line on row 23
    blocks = []
    for position, chunk in enumerate(chunks):
        extension = LAST_BLOCK if position == len(chunks) - 1 else position
        block = (
            bytes([0])  # SGN: subtitle group
            + number.to_bytes(2, "little")  # SN
            + bytes([extension, 0])  # EBN; CS: not cumulative
            + _time_code(cue.start)  # TCI
            + _time_code(cue.end)  # TCO
            + bytes([row, JUSTIFY_CENTRE, 0])  # VP, JC, CF (subtitle data)
            + chunk
            + bytes([UNUSED]) * (TEXT_FIELD_BYTES - len(chunk))
        )
        assert len(block) == 128
        blocks.append(block)
    return blocks


def write_ebu_stl(cues: Sequence[Cue], locale: str, title: str = "") -> bytes:
    """EBU STL bytes; `UnencodableText` for a language or text its code tables cannot hold."""
    language = language_letters(locale)
    table = EBU_CODE_TABLES.get(language.script or "")
    if table is None:
        raise UnencodableText(
            "caption_formats",
            "EbuStl",
            "Latin, Cyrillic, Arabic, Greek or Hebrew text",
            f"no EBU STL code table holds {language.name} ({language.script_name} script)",
        )

    def can_carry(char: str) -> bool:
        try:
            table.encode(char)
        except UnicodeEncodeError:
            return False
        return True

    blocks: list[bytes] = []
    for number, cue in enumerate(cues):
        where = f"caption {cue.index} ({cue.start:.3f} s)"
        lines = fit_text(cue.lines, can_carry, what="EbuStl", charset=f"the {table.name} table", where=where)
        lines = wrap_lines(lines, COLUMNS, what="EbuStl", where=where)
        if len(lines) > MAX_ROWS:
            raise UnencodableText(
                "caption_formats", "EbuStl", f"at most {MAX_ROWS} rows", f"{where} needs {len(lines)}"
            )
        text = bytes([NEWLINE]).join(table.encode(line) for line in lines)
        blocks += _tti_blocks(number, cue.with_lines(lines), text)
    first = cues[0].start if cues else 0.0
    gsi = _gsi(title, language.base, table.cct, len(cues), len(blocks), first)
    return gsi + b"".join(blocks)
