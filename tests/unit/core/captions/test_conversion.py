"""Local caption conversion: every writer's output read back by a second reader, text equal, times within
one frame; right-to-left and CJK text intact; the formats' limits refused with the character named.

Second readers: ttconv (for pycaption's SubRip, WebVTT, DFXP and SCC, and for the hand-written EBU STL),
pycaption (for ttconv's TTML), ffmpeg when installed (SubRip, SCC text, Spruce STL). QuickTime text,
Avid DS and transcripts have no reader in any maintained library: they are parsed here, independently
of the writers, from the formats' descriptions.
"""

# ruff: noqa: RUF001 - captions in many scripts on purpose

from __future__ import annotations

import hashlib
import io
import itertools
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from pycaption import DFXPReader, SCCReader
from ttconv.imsc import reader as imsc_reader
from ttconv.scc import reader as scc_reader
from ttconv.srt import reader as srt_reader
from ttconv.stl import reader as stl_reader
from ttconv.vtt import reader as vtt_reader

from video_localization.core.captions import scc as scc_module
from video_localization.core.captions.charsets import UnencodableText
from video_localization.core.captions.convert import convert_srt, convert_srt_file
from video_localization.core.captions.cues import Cue, paragraph_cues, parse_srt
from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.captions.operators import ConvertCaptionsOperator
from video_localization.core.errors import InvalidInputError

# pycaption's DFXP code calls BeautifulSoup methods bs4 has deprecated (not this project's to fix).
pytestmark = [
    pytest.mark.filterwarnings("ignore:Call to deprecated method:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:It looks like you're using an HTML parser"),
]
NTSC_FRAME = 1001 / 30000
#: The second reader's ffmpeg: the static build the dev group installs (imageio-ffmpeg ships it in its
#: wheel), so these checks run on every fresh clone and in CI instead of skipping without a system ffmpeg.
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def srt(*cues: tuple[float, float, str]) -> str:
    """An SRT file; each cue's text may hold `\\n` line breaks."""

    def clock(seconds: float) -> str:
        millis = round(seconds * 1000)
        hours, minutes, secs = millis // 3_600_000, millis // 60_000 % 60, millis // 1000 % 60
        return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis % 1000:03d}"

    return "\n".join(
        f"{number}\n{clock(start)} --> {clock(end)}\n{text}\n"
        for number, (start, end, text) in enumerate(cues, start=1)
    )


# Captions far enough apart for CEA-608 to load each one in time.
GERMAN = srt(
    (2.0, 4.0, "Über die Größe: café, niño\nÇa va? ¿Qué tal? ¡Olé! 100%"),
    (6.0, 8.0, "São Paulo, à bientôt"),
    (10.0, 12.5, "Eine ganz lange Zeile, die umbrochen werden muss, ÄÖÜ äöü ß"),
    (61.5, 63.0, "Nach einer Minute"),
    (600.0, 602.0, "Zehn Minuten später"),
)
ARABIC = srt(
    (1.0, 2.5, "مرحبًا وأهلًا بكم.\nهذا المقطع القصير هو الفيديو التجريبي."),
    (3.0, 4.0, "كل مزوّد يدبلجه إلى لغة أخرى."),
)
HEBREW = srt((1.0, 2.5, "שלום וברוכים הבאים."), (3.0, 4.0, "כל ספק מדבב אותו לשפה אחרת."))
JAPANESE = srt((1.0, 2.5, "こんにちは、\nようこそ。"), (3.0, 4.0, "各ベンダーが別の言語に吹き替えます。"))
CHINESE = srt((1.0, 2.5, "你好，欢迎。"), (3.0, 4.0, "这个短片是视频本地化项目的示例视频。"))
TEXTS = {"de-DE": GERMAN, "ar-AE": ARABIC, "he-IL": HEBREW, "ja-JP": JAPANESE, "zh-CN": CHINESE}
UNSPACED = {"ja-JP", "zh-CN"}


def words(lines: Any) -> str:
    """A caption's text with its line breaks and runs of spaces as single spaces (formats re-wrap lines)."""
    return " ".join(" ".join(lines).split())


def assert_same_captions(got: list[Cue], expected: list[Cue], frame: float, *, wrapped: bool = False) -> None:
    """Text equal (line by line unless the format re-wraps), start and end within one frame."""
    assert len(got) == len(expected), (got, expected)
    for seen, want in zip(got, expected, strict=True):
        if wrapped:
            assert words(seen.lines) == words(want.lines)
        else:
            assert seen.lines == want.lines
        assert abs(seen.start - want.start) <= frame + 1e-6, (seen, want)
        assert abs(seen.end - want.end) <= frame + 1e-6, (seen, want)


def rendered(locale: str, fmt: CaptionFormat) -> bytes:
    [item] = convert_srt(TEXTS[locale], locale, [fmt.value])
    return item.data


def ttconv_cues(document: Any) -> list[Cue]:
    return paragraph_cues(document)


def pycaption_cues(caption_set: Any) -> list[Cue]:
    [language] = caption_set.get_languages()
    return [
        Cue(number, caption.start / 1e6, caption.end / 1e6, tuple(caption.get_text().split("\n")))
        for number, caption in enumerate(caption_set.get_captions(language), start=1)
    ]


def ffmpeg_to_srt(data: bytes, suffix: str, tmp_path: Path) -> str:
    source = tmp_path / f"input{suffix}"
    source.write_bytes(data)
    done = subprocess.run(
        [FFMPEG, "-loglevel", "error", "-i", str(source), "-f", "srt", "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


# -- library writers, read back by the other library -----------------------------------------------------
@pytest.mark.parametrize("locale", list(TEXTS))
def test_subrip_reads_back_with_ttconv(locale: str) -> None:
    data = rendered(locale, CaptionFormat.SUBRIP)
    got = ttconv_cues(srt_reader.to_model(io.StringIO(data.decode())))
    assert_same_captions(got, parse_srt(TEXTS[locale]), 0.001)


@pytest.mark.parametrize("locale", list(TEXTS))
def test_webvtt_reads_back_with_ttconv(locale: str) -> None:
    data = rendered(locale, CaptionFormat.WEBVTT)
    assert data.startswith(b"WEBVTT")
    got = ttconv_cues(vtt_reader.to_model(io.StringIO(data.decode())))
    assert_same_captions(got, parse_srt(TEXTS[locale]), 0.001)


@pytest.mark.parametrize("locale", list(TEXTS))
def test_dfxp_reads_back_with_ttconv(locale: str) -> None:
    data = rendered(locale, CaptionFormat.DFXP)
    root = ET.fromstring(data)  # noqa: S314 - our own output
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == locale
    document = imsc_reader.to_model(ET.ElementTree(root))
    assert_same_captions(ttconv_cues(document), parse_srt(TEXTS[locale]), 0.001)


@pytest.mark.parametrize("locale", list(TEXTS))
def test_ttml_reads_back_with_pycaption(locale: str) -> None:
    data = rendered(locale, CaptionFormat.TTML)
    root = ET.fromstring(data)  # noqa: S314 - our own output
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == locale
    direction = root.find("{http://www.w3.org/ns/ttml}body").get(
        "{http://www.w3.org/ns/ttml#styling}direction"
    )
    assert direction == ("rtl" if locale in ("ar-AE", "he-IL") else None)
    got = pycaption_cues(DFXPReader().read(data.decode()))
    assert_same_captions(got, parse_srt(TEXTS[locale]), 0.001)


def test_facebook_subrip_is_subrip_named_by_facebook_s_convention() -> None:
    subrip, facebook = convert_srt(GERMAN, "de-DE", ["SubRip", "FacebookSubRip"], video_stem="launch")
    assert (subrip.filename, facebook.filename) == ("de-DE.srt", "launch.de_DE.srt")
    assert facebook.data == subrip.data


def test_subrip_reads_back_with_ffmpeg(tmp_path: Path) -> None:
    data = rendered("ar-AE", CaptionFormat.SUBRIP)
    got = parse_srt(ffmpeg_to_srt(data, ".srt", tmp_path))
    assert_same_captions(got, parse_srt(ARABIC), 0.001)


# -- SCC: pycaption's writer, made safe, read back by ttconv (and pycaption, and ffmpeg) -------------------
def test_scc_reads_back_with_ttconv_text_equal_and_within_a_frame() -> None:
    data = rendered("de-DE", CaptionFormat.SCC)
    assert data.startswith(b"Scenarist_SCC V1.0")
    codes = re.findall(rb"^(\d\d:\d\d:\d\d[:;]\d\d)\t", data, re.MULTILINE)
    assert codes and all(code[8:9] == b";" for code in codes), "29.97 drop-frame time codes"
    got = ttconv_cues(scc_reader.to_model(data.decode("ascii")))
    assert_same_captions(got, parse_srt(GERMAN), NTSC_FRAME, wrapped=True)
    assert all(len(line) <= 32 for cue in got for line in cue.lines)
    assert got[2].lines == (  # wrapped at 32 columns between words, stand-ins counted
        "Eine ganz lange Zeile, die",
        "umbrochen werden muss, ÄÖÜ",
        "äöü ß",
    )


def test_scc_text_also_survives_pycaption_s_reader() -> None:
    data = rendered("de-DE", CaptionFormat.SCC)
    got = pycaption_cues(SCCReader().read(data.decode("ascii")))
    assert [words(cue.lines) for cue in got] == [words(cue.lines) for cue in parse_srt(GERMAN)]


def test_scc_text_survives_ffmpeg_s_reader(tmp_path: Path) -> None:
    """ffmpeg's SCC demuxer times captions by their load, not their display: only the text is compared."""
    text = ffmpeg_to_srt(rendered("de-DE", CaptionFormat.SCC), ".scc", tmp_path)
    plain = re.sub(r"<[^>]+>|\{\\an\d\}", "", text)
    assert [words(cue.lines) for cue in parse_srt(plain)] == [words(cue.lines) for cue in parse_srt(GERMAN)]


def test_scc_puts_a_stand_in_before_each_extended_character() -> None:
    """Without one, a decoder's backspace for `ö` ate the `r` of `Größe` (pycaption's own output)."""
    [cue] = scc_module.prepare(parse_srt(srt((2.0, 3.0, "Größe"))))
    assert scc_module._with_stand_ins(cue.lines[0]) == "Groö ße"  # ß has no base letter: a space
    assert scc_module._columns("Größe") == 7


def test_scc_refuses_text_outside_cea_608_naming_the_character() -> None:
    with pytest.raises(UnencodableText) as caught:
        convert_srt(srt((2.0, 3.0, "un cœur"), (5.0, 6.0, "Ærø")), "fr-FR", ["Scc"])
    assert caught.value.field == "caption_formats"
    assert caught.value.value == "Scc"
    assert "caption 1 (2.000 s) holds 'œ' (U+0153)" in str(caught.value)
    assert "the CEA-608 character set" in str(caught.value)


def test_scc_writes_compatibility_and_typographic_equivalents_and_nothing_else() -> None:
    data = convert_srt(srt((2.0, 4.0, "L’attente…\u00a0fin — oui")), "fr-FR", ["Scc"])[0].data
    [cue] = ttconv_cues(scc_reader.to_model(data.decode("ascii")))
    assert cue.lines == ("L'attente... fin - oui",)


def test_scc_refuses_a_word_wider_than_the_screen() -> None:
    with pytest.raises(UnencodableText, match="wider than Scc's 32 columns"):
        convert_srt(srt((2.0, 4.0, "https://example.com/a/very/long/address/indeed")), "en-US", ["Scc"])


def test_dense_captions_lose_no_text_and_report_what_cea_608_had_to_move() -> None:
    dense = srt(*((0.1 + i, 1.1 + i, f"caption number {i} with rather long text") for i in range(6)))
    [item] = convert_srt(dense, "en-US", ["Scc"])
    got = ttconv_cues(scc_reader.to_model(item.data.decode("ascii")))
    assert [words(cue.lines) for cue in got] == [words(cue.lines) for cue in parse_srt(dense)]
    assert all(earlier.start < later.start for earlier, later in itertools.pairwise(got))
    assert item.notes and all("CEA-608 timing" in note for note in item.notes)
    assert item.notes[0].startswith("caption 1 (0.100 s) start +")  # the first cannot load before 0.1 s


def test_the_cea_608_table_matches_pycaption_s_writer_and_ttconv_s_reader() -> None:
    from pycaption.scc.constants import CHARACTER_TO_CODE, SPECIAL_OR_EXTENDED_CHAR_TO_CODE

    from video_localization.core.captions.charsets import CEA608, CEA608_EXTENDED

    assert set(CEA608) <= set(CHARACTER_TO_CODE) | set(SPECIAL_OR_EXTENDED_CHAR_TO_CODE)
    assert all(SPECIAL_OR_EXTENDED_CHAR_TO_CODE[c][:2] in ("92", "13") for c in CEA608_EXTENDED)
    printable = sorted(c for c in CEA608 if not c.isspace())
    rows = [" ".join(printable[i : i + 12]) for i in range(0, len(printable), 12)]
    cues = srt(*((2.0 + 3 * n, 4.0 + 3 * n, row) for n, row in enumerate(rows)))
    data = convert_srt(cues, "en-US", ["Scc"])[0].data
    got = ttconv_cues(scc_reader.to_model(data.decode("ascii")))
    assert [words(cue.lines) for cue in got] == rows


# -- EBU STL: written by hand, read back by ttconv --------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "text", "table"),
    [
        ("de-DE", GERMAN, b"00"),
        ("ar-AE", ARABIC, b"02"),
        ("he-IL", HEBREW, b"04"),
        ("ru-RU", srt((1.0, 2.0, "Здравствуйте и добро пожаловать.")), b"01"),
        ("el-GR", srt((1.0, 2.0, "Γεια σας και καλώς ήρθατε.")), b"03"),
        ("pl-PL", srt((1.0, 2.0, "Zażółć gęślą jaźń, Łódź!")), b"00"),
        ("tr-TR", srt((1.0, 2.0, "Işık, İstanbul'da güneş doğuyor.")), b"00"),
    ],
)
def test_ebu_stl_reads_back_with_ttconv(locale: str, text: str, table: bytes) -> None:
    [item] = convert_srt(text, locale, ["EbuStl"])
    data = item.data
    assert len(data) % 128 == 0 and data[12:14] == table and data[3:11] == b"STL25.01"
    got = ttconv_cues(stl_reader.to_model(io.BytesIO(data)))
    assert_same_captions(got, parse_srt(text), 1 / 25, wrapped=True)


def test_ebu_stl_continues_a_long_subtitle_in_extension_blocks() -> None:
    long_text = "Élève à l'école, " * 8  # many two-byte letters: more than one 112-byte text field
    [item] = convert_srt(srt((1.0, 5.0, long_text.strip())), "fr-FR", ["EbuStl"])
    blocks = [item.data[i : i + 128] for i in range(1024, len(item.data), 128)]
    assert [block[3] for block in blocks][-1] == 0xFF and len(blocks) > 1
    assert [block[3] for block in blocks][:-1] == list(range(len(blocks) - 1))
    assert int(item.data[238:243]) == len(blocks)  # GSI TNB counts every block
    [cue] = ttconv_cues(stl_reader.to_model(io.BytesIO(item.data)))
    assert words(cue.lines) == words([long_text])


def test_ebu_stl_refuses_text_its_table_lacks() -> None:
    with pytest.raises(UnencodableText, match=r"holds 'ș' \(U\+0219\)"):
        convert_srt(srt((1.0, 2.0, "Bună ziua, și bine ați venit")), "de-DE", ["EbuStl"])


# -- hand-written text formats, parsed independently -------------------------------------------------------
QT_STAMP = re.compile(r"^\[(\d{2}):(\d{2}):(\d{2})\.(\d{2})\]$")
FRAME_CODE = r"(\d{2}):(\d{2}):(\d{2}):(\d{2})"


def read_quicktime_text(data: bytes) -> list[Cue]:
    """QuickTime text: each `[time]` starts a sample that lasts until the next stamp; empty ones clear."""
    samples: list[tuple[float, list[str]]] = []
    for line in data.decode("utf-8").splitlines():
        stamp = QT_STAMP.match(line)
        if stamp:
            hours, minutes, secs, hundredths = map(int, stamp.groups())
            samples.append((hours * 3600 + minutes * 60 + secs + hundredths / 100, []))
        elif samples:
            samples[-1][1].append(line)
        else:
            assert line.startswith("{"), line  # descriptors come before the first sample
    cues = []
    for (start, lines), (end, _) in itertools.pairwise(samples):
        if lines:
            cues.append(Cue(len(cues) + 1, start, end, tuple(lines)))
    return cues


def read_frames(groups: tuple[str, ...], fps: int = 30) -> float:
    hours, minutes, secs, frames = map(int, groups)
    return hours * 3600 + minutes * 60 + secs + frames / fps


def read_spruce_stl(data: bytes) -> list[Cue]:
    entry = re.compile(rf"^{FRAME_CODE} , {FRAME_CODE} , (.*)$")
    cues = []
    for line in data.decode("utf-8").split("\r\n"):
        match = entry.match(line)
        if match:
            groups = match.groups()
            start, end = read_frames(groups[:4]), read_frames(groups[4:8])
            cues.append(Cue(len(cues) + 1, start, end, tuple(groups[8].split("|"))))
        else:
            assert not line or line.startswith(("$", "//")), line
    return cues


def read_avid_ds(data: bytes) -> list[Cue]:
    text = data.decode("utf-8")
    body = text.split("<begin subtitles>\n", 1)[1].split("<end subtitles>", 1)[0]
    cues = []
    for block in body.strip("\n").split("\n\n"):
        first, *lines = block.split("\n")
        match = re.fullmatch(rf"{FRAME_CODE} {FRAME_CODE}", first)
        assert match, first
        groups = match.groups()
        cues.append(Cue(len(cues) + 1, read_frames(groups[:4]), read_frames(groups[4:]), tuple(lines)))
    return cues


HAND_READERS: dict[CaptionFormat, tuple[Callable[[bytes], list[Cue]], float]] = {
    CaptionFormat.QTTEXT: (read_quicktime_text, 0.01),
    CaptionFormat.STL: (read_spruce_stl, 1 / 30),
    CaptionFormat.AVID_DS: (read_avid_ds, 1 / 30),
}


@pytest.mark.parametrize("fmt", list(HAND_READERS))
@pytest.mark.parametrize("locale", list(TEXTS))
def test_hand_written_text_formats_read_back(fmt: CaptionFormat, locale: str) -> None:
    reader, frame = HAND_READERS[fmt]
    assert_same_captions(reader(rendered(locale, fmt)), parse_srt(TEXTS[locale]), frame)


@pytest.mark.parametrize("locale", ["de-DE", "ar-AE", "ja-JP"])
def test_spruce_stl_reads_back_with_ffmpeg(locale: str, tmp_path: Path) -> None:
    """ffmpeg's STL demuxer reads the frame field as hundredths of a second: it is read back as frames."""
    got = []
    for cue in parse_srt(ffmpeg_to_srt(rendered(locale, CaptionFormat.STL), ".stl", tmp_path)):

        def as_frames(seconds: float) -> float:
            whole = int(seconds + 1e-9)
            return whole + round((seconds - whole) * 100) / 30

        got.append(Cue(cue.index, as_frames(cue.start), as_frames(cue.end), cue.lines))
    assert_same_captions(got, parse_srt(TEXTS[locale]), 1 / 30)


@pytest.mark.parametrize("locale", list(TEXTS))
def test_transcript_is_the_text_a_caption_a_line(locale: str) -> None:
    joiner = "" if locale in UNSPACED else " "
    expected = [joiner.join(cue.lines) for cue in parse_srt(TEXTS[locale])]
    assert rendered(locale, CaptionFormat.TRANSCRIPT).decode("utf-8").splitlines() == expected


@pytest.mark.parametrize(
    ("fmt", "text", "character"),
    [("Stl", "either | or", "|"), ("Stl", "2^10", "^"), ("QTtext", "a {b} c", "{ }")],
)
def test_format_syntax_characters_are_refused_not_turned_into_markup(
    fmt: str, text: str, character: str
) -> None:
    with pytest.raises(UnencodableText, match=f"holds {re.escape(character)}"):
        convert_srt(srt((1.0, 2.0, text)), "en-US", [fmt])


# -- plan-time refusals, and the conversion into storage ---------------------------------------------------
def test_conversion_refuses_scc_for_japanese_and_ebu_stl_for_hindi_before_reading_the_srt() -> None:
    with pytest.raises(InvalidInputError, match="for ja-JP: Scenarist SCC holds only the CEA-608"):
        convert_srt("not even an SRT", "ja-JP", ["Scc"])
    with pytest.raises(InvalidInputError, match="for hi-IN: EBU STL has character code tables"):
        convert_srt("not even an SRT", "hi-IN", ["EbuStl"])
    with pytest.raises(InvalidInputError, match="only Rev makes Mcc"):
        convert_srt(GERMAN, "de-DE", ["Mcc"])


def test_an_unreadable_srt_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no caption found"):
        convert_srt("this is not a subtitle file\n", "en-US", ["SubRip"])


LOCAL_FORMATS = ["SubRip", "FacebookSubRip", "WebVtt", "Ttml", "Dfxp", "Scc", "Transcript", "QTtext", "Stl"]
LOCAL_FORMATS += ["AvidDs", "EbuStl"]


def test_convert_srt_file_writes_every_format_into_the_captions_folder(tmp_path: Path) -> None:
    source = tmp_path / "in" / "de-DE.srt"
    source.parent.mkdir()
    source.write_text(GERMAN, encoding="utf-8")
    output = tmp_path / "run" / "de-DE"
    files = convert_srt_file(str(source), str(output), LOCAL_FORMATS, "de-DE")
    names = [
        "de-DE.srt", "video.de_DE.srt", "de-DE.vtt", "de-DE.ttml", "de-DE.dfxp", "de-DE.scc", "de-DE.txt",
        "de-DE.qt.txt", "de-DE.stl", "de-DE.avid-ds.txt", "de-DE.ebu.stl",
    ]  # fmt: skip
    assert [file["name"] for file in files] == names
    assert sorted(p.name for p in (output / "captions").iterdir()) == sorted(names)  # nothing half-written
    for file in files:
        data = (output / "captions" / file["name"]).read_bytes()
        assert file["uri"] == (output / "captions" / file["name"]).as_uri()
        assert (file["size_bytes"], file["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert files[0]["content_type"] == "application/x-subrip"


def test_a_format_that_cannot_carry_the_text_leaves_no_files(tmp_path: Path) -> None:
    source = tmp_path / "fr-FR.srt"
    source.write_text(srt((2.0, 3.0, "un cœur")), encoding="utf-8")
    with pytest.raises(UnencodableText):
        convert_srt_file(str(source), str(tmp_path / "out"), ["SubRip", "Scc"], "fr-FR")
    assert not (tmp_path / "out").exists()


def test_convert_captions_operator(tmp_path: Path) -> None:
    source = tmp_path / "ja-JP.srt"
    source.write_text(JAPANESE, encoding="utf-8")
    operator = ConvertCaptionsOperator(
        task_id="captions",
        srt_path=str(source),
        output_dir=str(tmp_path),
        locale="ja-JP",
        formats=["WebVtt", "Ttml"],
    )
    result = operator.execute({})
    assert [file["name"] for file in result["files"]] == ["ja-JP.vtt", "ja-JP.ttml"]
    assert (result["locale"], result["source"], result["notes"]) == ("ja-JP", str(source), [])
    assert "ようこそ。" in (tmp_path / "captions" / "ja-JP.vtt").read_text(encoding="utf-8")
    with pytest.raises(InvalidInputError, match="caption_formats='Scc'"):
        ConvertCaptionsOperator(
            task_id="bad", srt_path=str(source), output_dir=str(tmp_path), locale="ja-JP", formats=["Scc"]
        ).execute({})


def test_an_empty_srt_a_silent_video_s_gives_every_format_without_captions() -> None:
    rendered_files = {item.format: item.data for item in convert_srt("", "en-US", LOCAL_FORMATS)}
    assert rendered_files[CaptionFormat.SUBRIP] == b""
    assert ttconv_cues(scc_reader.to_model(rendered_files[CaptionFormat.SCC].decode())) == []
    assert ttconv_cues(stl_reader.to_model(io.BytesIO(rendered_files[CaptionFormat.EBU_STL]))) == []
    assert read_spruce_stl(rendered_files[CaptionFormat.STL]) == []
    assert read_quicktime_text(rendered_files[CaptionFormat.QTTEXT]) == []
