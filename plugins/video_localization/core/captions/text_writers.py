"""Text formats no maintained library writes, written by hand: transcript, QuickTime text, Spruce STL
(DVD Studio Pro) and Avid DS subtitles. Each is UTF-8, so right-to-left and CJK text pass unchanged.

Each format gives some characters a meaning (Spruce STL: `|` breaks a line and `^` toggles a style;
QuickTime text: `{...}` is a descriptor) and none can escape them: text holding one is refused with the
character named, not silently turned into markup. Spruce STL and Avid DS count 30 frames a second.

Known limit: DVD Studio Pro reads a plain-text STL as Mac Roman and wants RTF for Unicode; the file is
UTF-8, which current tools (ffmpeg, Subtitle Edit) read.
"""

from __future__ import annotations

from collections.abc import Sequence

from video_localization.core.captions.charsets import UnencodableText
from video_localization.core.captions.cues import Cue
from video_localization.core.captions.languages import base_language
from video_localization.core.captions.timecode import TEXT_FORMAT_FPS, frame_code, hundredths_code

#: Languages written without spaces between words: their lines are joined without one.
UNSPACED_LANGUAGES = frozenset({"ja", "zh", "th", "km", "my"})


def _refuse(cues: Sequence[Cue], reserved: str, what: str, meaning: str) -> None:
    for cue in cues:
        used = sorted({char for char in cue.text if char in reserved})
        if used:
            raise UnencodableText(
                "caption_formats",
                what,
                f"text without {' '.join(reserved)}",
                f"caption {cue.index} ({cue.start:.3f} s) holds {' '.join(used)}, which {meaning}",
            )


# -- transcript -----------------------------------------------------------------------------------------
def transcript(cues: Sequence[Cue], locale: str) -> bytes:
    """Plain text: what was said, a caption a line, without times."""
    joiner = "" if base_language(locale) in UNSPACED_LANGUAGES else " "
    return "".join(joiner.join(cue.lines) + "\n" for cue in cues).encode("utf-8")


# -- QuickTime text ---------------------------------------------------------------------------------------
#: QuickTime's `{textEncoding}`: Unicode (kTextEncodingUnicodeDefault 0x100) in UTF-8 (format 2, bits 26+).
QT_TEXT_ENCODING_UTF8 = (2 << 26) | 0x100
#: Classic Mac OS language codes (Script.h `lang...`), for `{language}`; 32767 is "unspecified".
QT_LANGUAGES = {
    "en": 0, "fr": 1, "de": 2, "it": 3, "nl": 4, "sv": 5, "es": 6, "da": 7, "pt": 8, "no": 9, "he": 10,
    "ja": 11, "ar": 12, "fi": 13, "el": 14, "is": 15, "tr": 17, "hr": 18, "ur": 20, "hi": 21, "th": 22,
    "ko": 23, "lt": 24, "pl": 25, "hu": 26, "et": 27, "lv": 28, "fa": 31, "ru": 32, "zh": 33, "ro": 37,
    "cs": 38, "sk": 39, "sl": 40, "sr": 42, "mk": 43, "bg": 44, "uk": 45, "be": 46, "ta": 74, "te": 75,
    "vi": 80, "id": 81, "fil": 82, "ms": 83, "ca": 130,
}  # fmt: skip
QT_LANGUAGE_UNSPECIFIED = 32767


def _qt_stamp(seconds: float) -> str:
    return f"[{hundredths_code(seconds)}]"


def quicktime_text(cues: Sequence[Cue], locale: str) -> bytes:
    """QuickTime text: descriptors, then `[time]` stamps each starting a sample; an empty sample clears."""
    _refuse(cues, "{}", "QTtext", "QuickTime text reads as a descriptor")
    language = QT_LANGUAGES.get(base_language(locale), QT_LANGUAGE_UNSPECIFIED)
    lines = [
        "{QTtext} {font:Arial}",
        "{plain} {size:20}",
        "{timeScale:100}",
        "{width:640} {height:96}",
        f"{{timeStamps:absolute}} {{language:{language}}}",
        f"{{textEncoding:{QT_TEXT_ENCODING_UTF8}}}",
        "{justify:center}",
    ]
    shown_until = 0.0
    for cue in cues:
        if cue.start > shown_until + 0.005:
            lines.append(_qt_stamp(shown_until))
        lines += [_qt_stamp(cue.start), *cue.lines]
        shown_until = cue.end
    lines.append(_qt_stamp(shown_until))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _frames(seconds: float) -> str:
    return frame_code(seconds, TEXT_FORMAT_FPS)


# -- Spruce STL -------------------------------------------------------------------------------------------
SPRUCE_HEADER = (
    "//Font select and font size",
    "$FontName       = Arial",
    "$FontSize       = 30",
    "",
    "//Character attributes (global)",
    "$Bold           = FALSE",
    "$UnderLined     = FALSE",
    "$Italic         = FALSE",
    "",
    "//Position Control",
    "$HorzAlign      = Center",
    "$VertAlign      = Bottom",
    "$XOffset        = 0",
    "$YOffset        = 0",
    "",
    "//Other Controls",
    "$TapeOffset     = FALSE",
    "",
    "//Subtitles",
)


def spruce_stl(cues: Sequence[Cue], locale: str) -> bytes:
    """Spruce STL as DVD Studio Pro imports it: `$` commands, then `start , end , line|line` entries."""
    _refuse(cues, "|^", "Stl", "Spruce STL reads as a line break or a style toggle")
    entries = [f"{_frames(cue.start)} , {_frames(cue.end)} , {'|'.join(cue.lines)}" for cue in cues]
    return ("\r\n".join([*SPRUCE_HEADER, *entries]) + "\r\n").encode("utf-8")


# -- Avid DS ----------------------------------------------------------------------------------------------
AVID_BEGIN, AVID_END = "<begin subtitles>", "<end subtitles>"


def avid_ds(cues: Sequence[Cue], locale: str) -> bytes:
    """Avid DS subtitles: a `<begin subtitles>` ... `<end subtitles>` list of `start end` then the lines."""
    for cue in cues:
        if any(line.strip().lower() in (AVID_BEGIN, AVID_END) for line in cue.lines):
            raise UnencodableText(
                "caption_formats", "AvidDs", "ordinary text", f"caption {cue.index} holds an Avid DS marker"
            )
    parts = ["@ This file written with the Avid Caption plugin, version 1", "", AVID_BEGIN]
    for cue in cues:
        parts += [f"{_frames(cue.start)} {_frames(cue.end)}", *cue.lines, ""]
    parts.append(AVID_END)
    return ("\n".join(parts) + "\n").encode("utf-8")
