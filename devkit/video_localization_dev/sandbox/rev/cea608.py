"""CEA-608 line-21 captions, and the two Rev formats that carry them: Scenarist SCC and MacCaption MCC.

Captions are pop-on: each cue is loaded into non-displayed memory (RCL, ENM, a preamble address code a
row, the text), shown with EOC at its start time and erased with EDM at its end. Control codes, special
and extended characters are sent twice, as the standard asks. Every byte carries odd parity. Only the
608 character set can be carried: Latin text is folded onto it (diacritics the set lacks are dropped);
text in other scripts cannot be encoded at all, so those formats are "not available" (406).
"""

# ruff: noqa: RUF001 - character tables and transcripts hold look-alike letters on purpose

from __future__ import annotations

import unicodedata
import uuid

from video_localization_dev.sandbox.rev.source import CaptionSource, drop_frame_code, ntsc_frame

COLUMNS = 32
MAX_ROWS = 4
MIN_ERASE_GAP_FRAMES = 3  # a shorter gap between captions is left to the next EOC

# Basic characters that differ from ASCII in the 608 set; the ASCII ones they replace are not basic.
_BASIC_OVERRIDES = {"á": 0x2A, "é": 0x5C, "í": 0x5E, "ó": 0x5F, "ú": 0x60, "ç": 0x7B, "÷": 0x7C, "Ñ": 0x7D}
_BASIC_OVERRIDES |= {"ñ": 0x7E, "█": 0x7F}
_NOT_BASIC = frozenset("*\\^_`{|}~")
_SPECIAL = dict(zip("®°½¿™¢£♪à", range(0x30, 0x39), strict=True)) | dict(
    zip("èâêîôû", range(0x3A, 0x40), strict=True)
)
_EXTENDED_12 = dict(zip("ÁÉÓÚÜü‘¡*'—©℠•“”ÀÂÇÈÊËëÎÏïÔÙùÛ«»", range(0x20, 0x40), strict=True))
_EXTENDED_13 = dict(zip("ÃãÍÌìÒòÕõ{}\\^_|~ÄäÖöß¥¤│ÅåØø┌┐└┘", range(0x20, 0x40), strict=True))
_FOLD = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
_FOLD |= {"’": "'", "–": "-", "…": "..."}

# Control codes (channel 1), as (first byte, second byte) before parity.
RCL = (0x14, 0x20)  # resume caption loading (pop-on)
EDM = (0x14, 0x2C)  # erase displayed memory
ENM = (0x14, 0x2E)  # erase non-displayed memory
EOC = (0x14, 0x2F)  # end of caption: swap memories, i.e. show the loaded caption
_PAC_ROWS = {
    1: (0x11, 0x40), 2: (0x11, 0x60), 3: (0x12, 0x40), 4: (0x12, 0x60), 5: (0x15, 0x40),
    6: (0x15, 0x60), 7: (0x16, 0x40), 8: (0x16, 0x60), 9: (0x17, 0x40), 10: (0x17, 0x60),
    11: (0x10, 0x40), 12: (0x13, 0x40), 13: (0x13, 0x60), 14: (0x14, 0x40), 15: (0x14, 0x60),
}  # fmt: skip

Pair = tuple[int, int]


def with_parity(byte: int) -> int:
    """Set bit 7 so the byte has an odd number of one bits."""
    byte &= 0x7F
    return byte | 0x80 if bin(byte).count("1") % 2 == 0 else byte


def _is_basic(char: str) -> bool:
    return char in _BASIC_OVERRIDES or (0x20 <= ord(char) < 0x7F and char not in _NOT_BASIC)


def _representable(char: str) -> bool:
    return _is_basic(char) or char in _SPECIAL or char in _EXTENDED_12 or char in _EXTENDED_13


def fold(text: str) -> str | None:
    """`text` in the 608 character set (diacritics it lacks dropped), or None if it is not Latin text."""
    out = []
    for char in text:
        if _representable(char):
            out.append(char)
            continue
        char = _FOLD.get(char, char)
        if all(_representable(c) for c in char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if not base or not all(_is_basic(c) for c in base):
            return None
        out.append(base)
    return "".join(out)


def encodable(text: str) -> bool:
    return fold(text) is not None


def _basic_byte(char: str) -> int:
    return _BASIC_OVERRIDES.get(char, ord(char))


def text_pairs(text: str) -> list[Pair]:
    """The byte pairs that write `text` (already folded) at the cursor."""
    pairs: list[Pair] = []
    pending: list[int] = []

    def flush() -> None:
        if pending:
            pairs.append((pending[0], pending[1] if len(pending) > 1 else 0x00))
            pending.clear()

    for char in text:
        if _is_basic(char):
            pending.append(_basic_byte(char))
            if len(pending) == 2:
                flush()
        elif char in _SPECIAL:
            flush()
            pairs += [(0x11, _SPECIAL[char])] * 2
        else:  # extended: a basic stand-in first, which the decoder then overwrites
            first, code = (0x12, _EXTENDED_12[char]) if char in _EXTENDED_12 else (0x13, _EXTENDED_13[char])
            stand_in = unicodedata.normalize("NFD", char)[0]
            pending.append(_basic_byte(stand_in) if _is_basic(stand_in) else 0x20)
            flush()
            pairs += [(first, code)] * 2
    flush()
    return pairs


def _preamble(row: int, indent: int) -> Pair:
    first, base = _PAC_ROWS[row]
    return first, base + 0x10 + (indent // 4) * 2


def load_pairs(lines: list[str]) -> list[Pair]:
    """RCL, ENM, then each line centred on the bottom rows, ready to be shown by EOC."""
    pairs: list[Pair] = [RCL, RCL, ENM, ENM]
    lines = lines[-MAX_ROWS:]
    first_row = 16 - len(lines)
    for offset, line in enumerate(lines):
        column = max(0, (COLUMNS - len(line)) // 2)
        indent, tab = divmod(column, 4)
        pairs += [_preamble(first_row + offset, indent * 4)] * 2
        if tab:
            pairs += [(0x17, 0x20 + tab)] * 2  # tab offset 1-3
        pairs += text_pairs(line)
    return pairs


def schedule(source: CaptionSource) -> list[tuple[int, list[Pair]]]:
    """(first frame, pairs) events in time order; a decoder takes one pair a frame from `first frame`.

    A caption is loaded while the previous one is still on screen (loading only touches non-displayed
    memory), shown by EOC at its start and erased by EDM at its end unless the next EOC follows at once.
    """
    cues = source.cues(width=COLUMNS, max_lines=2)
    events: list[tuple[int, list[Pair]]] = []
    cursor = 0  # first frame not yet taken by a pair
    pending_erase: int | None = None

    def emit(frame: int, pairs: list[Pair]) -> None:
        nonlocal cursor
        events.append((frame, pairs))
        cursor = frame + len(pairs)

    for position, cue in enumerate(cues):
        load = load_pairs([fold(line) or "" for line in cue.lines])
        show = ntsc_frame(cue.start)
        load_from = show - len(load) - 2
        if pending_erase is not None and pending_erase + 2 <= load_from:
            emit(max(pending_erase, cursor), [EDM, EDM])
            pending_erase = None
        emit(max(cursor, load_from), load)
        if pending_erase is not None and max(pending_erase, cursor) + 2 <= show:
            emit(max(pending_erase, cursor), [EDM, EDM])
        emit(max(show, cursor), [EOC, EOC])
        following = cues[position + 1] if position + 1 < len(cues) else None
        end = ntsc_frame(cue.end)
        gap = ntsc_frame(following.start) - end if following else None
        pending_erase = max(end, cursor) if gap is None or gap >= MIN_ERASE_GAP_FRAMES else None
    if pending_erase is not None:
        emit(max(pending_erase, cursor), [EDM, EDM])
    return events


def _hex(pair: Pair) -> str:
    return f"{with_parity(pair[0]):02x}{with_parity(pair[1]):02x}"


def scc(source: CaptionSource) -> bytes:
    """Scenarist SCC V1.0: one line per event, its time code then the pairs in hex."""
    lines = ["Scenarist_SCC V1.0", ""]
    for frame, pairs in schedule(source):
        lines += [f"{drop_frame_code(frame)}\t{' '.join(_hex(pair) for pair in pairs)}", ""]
    return ("\n".join(lines) + "\n").encode("ascii")


# -- MacCaption: SMPTE 334 caption distribution packets (CDP) in SMPTE 291 ANC packets ------------------
CDP_FRAME_RATE_2997 = 0x4F  # cdp_frame_rate 4 (29.97) in the high nibble, reserved bits set
CDP_FLAGS = 0x43  # ccdata_present, caption_service_active, reserved
CC_COUNT_2997 = 20
_MCC_ALIASES = [(bytes([0xFA, 0x00, 0x00]) * n, chr(ord("F") + n)) for n in range(9, 0, -1)] + [
    (bytes([0xFB, 0x80, 0x80]), "P"),
    (bytes([0xFC, 0x80, 0x80]), "Q"),
    (bytes([0xFD, 0x80, 0x80]), "R"),
    (bytes([0x96, 0x69]), "S"),
    (bytes([0x61, 0x01]), "T"),
    (bytes([0xE1, 0x00, 0x00, 0x00]), "U"),
    (bytes([0x00]), "Z"),
]
MCC_HEADER = """File Format=MacCaption_MCC V1.0

///////////////////////////////////////////////////////////////////////////////////
// Computer Prompting and Captioning Company
// Ancillary Data Packet Transfer File
//
// Permission to generate this format is granted provided that
//   1. This ANC Transfer file format is used on an as-is basis and no warranty is given, and
//   2. This entire descriptive information text is included in a generated .mcc file.
//
// General file format:
//   HH:MM:SS:FF(tab)[Hexadecimal ANC data in groups of 2 characters]
//     Hexadecimal data starts with the Ancillary Data Packet DID (Data ID defined in S291M)
//       and concludes with the Check Sum following the User Data Words.
//     Each time code line must contain at most one complete ancillary data packet.
//     To transfer additional ANC Data successive lines may contain identical time code.
//     Time Code Rate=[24, 25, 30, 30DF, 50, 60]
//
//   ANC data bytes may be represented by one ASCII character according to the following schema:
//     G  FAh 00h 00h
//     H  2 x (FAh 00h 00h)
//     I  3 x (FAh 00h 00h)
//     J  4 x (FAh 00h 00h)
//     K  5 x (FAh 00h 00h)
//     L  6 x (FAh 00h 00h)
//     M  7 x (FAh 00h 00h)
//     N  8 x (FAh 00h 00h)
//     O  9 x (FAh 00h 00h)
//     P  FBh 80h 80h
//     Q  FCh 80h 80h
//     R  FDh 80h 80h
//     S  96h 69h
//     T  61h 01h
//     U  E1h 00h 00h 00h
//     Z  00h
//
///////////////////////////////////////////////////////////////////////////////////
"""


def cdp(pair: Pair, sequence: int) -> bytes:
    """One caption distribution packet: this frame's field-1 pair, an empty field 2, 708 padding."""
    triples = bytes([0xFC, with_parity(pair[0]), with_parity(pair[1]), 0xFD, 0x80, 0x80])
    triples += bytes([0xFA, 0x00, 0x00]) * (CC_COUNT_2997 - 2)
    seq = sequence.to_bytes(2, "big")
    body = bytes([0x72, 0xE0 | CC_COUNT_2997]) + triples + bytes([0x74]) + seq
    length = 7 + len(body) + 1
    packet = bytes([0x96, 0x69, length, CDP_FRAME_RATE_2997, CDP_FLAGS]) + seq + body
    return packet + bytes([(-sum(packet)) % 256])


def anc_packet(payload: bytes) -> bytes:
    """DID 0x61 / SDID 0x01 (S334 CEA-708 CDP), data count, the CDP, and an 8-bit checksum."""
    packet = bytes([0x61, 0x01, len(payload)]) + payload
    return packet + bytes([sum(packet) % 256])


def mcc_compress(data: bytes) -> str:
    out: list[str] = []
    position = 0
    while position < len(data):
        for pattern, letter in _MCC_ALIASES:
            if data.startswith(pattern, position):
                out.append(letter)
                position += len(pattern)
                break
        else:
            out.append(f"{data[position]:02X}")
            position += 1
    return "".join(out)


def mcc(source: CaptionSource) -> bytes:
    """MacCaption MCC V1.0 at 30DF: one line per frame that carries a 608 pair."""
    lines = [
        MCC_HEADER,
        f"UUID={uuid.uuid5(uuid.NAMESPACE_URL, f'rev-sandbox:{source.title}:{source.language}')}".upper(),
        "Creation Program=video-localization Rev sandbox",
        f"Creation Date={source.created:%A, %B %d, %Y}",
        f"Creation Time={source.created:%H:%M:%S}",
        "Time Code Rate=30DF",
        "",
    ]
    sequence = 0
    for first_frame, pairs in schedule(source):
        for offset, pair in enumerate(pairs):
            packet = anc_packet(cdp(pair, sequence))
            # MCC writes drop-frame codes with colons too (as MacCaption and ffmpeg's reader expect).
            time_code = drop_frame_code(first_frame + offset).replace(";", ":")
            lines.append(f"{time_code}\t{mcc_compress(packet)}")
            sequence = (sequence + 1) % 65536
    return ("\n".join(lines) + "\n").encode("ascii")
