"""The formats maintained libraries write: SubRip, WebVTT and DFXP (pycaption), TTML/IMSC1 (ttconv).

Both libraries take text as Unicode and escape it themselves, so right-to-left and CJK text pass through
unchanged; the document language is set (`xml:lang`), and right-to-left languages get `tts:direction`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from fractions import Fraction

from pycaption import Caption, CaptionList, CaptionNode, CaptionSet, DFXPWriter, SRTWriter, WebVTTWriter
from ttconv import model
from ttconv import style_properties as styles
from ttconv.imsc import writer as imsc_writer

from video_localization.core.captions.cues import Cue
from video_localization.core.captions.languages import ARABIC, HEBREW, language_letters
from video_localization.core.languages import normalize_tag

_RIGHT_TO_LEFT_SCRIPTS = frozenset({ARABIC, HEBREW})
_TT_LANG = re.compile(r'(<tt\b[^>]*?\sxml:lang=")[^"]*(")')


def is_right_to_left(locale: str) -> bool:
    return language_letters(locale).script in _RIGHT_TO_LEFT_SCRIPTS


# -- pycaption ----------------------------------------------------------------------------------------
def caption_set(cues: Sequence[Cue], locale: str) -> CaptionSet:
    """The cues as a pycaption `CaptionSet` (times in microseconds, a break between lines)."""
    captions = CaptionList()
    for cue in cues:
        nodes: list[CaptionNode] = []
        for number, line in enumerate(cue.lines):
            if number:
                nodes.append(CaptionNode.create_break())
            nodes.append(CaptionNode.create_text(line))
        captions.append(Caption(round(cue.start * 1_000_000), round(cue.end * 1_000_000), nodes))
    return CaptionSet({normalize_tag(locale): captions})


def subrip(cues: Sequence[Cue], locale: str) -> bytes:
    return SRTWriter().write(caption_set(cues, locale)).encode("utf-8")


def webvtt(cues: Sequence[Cue], locale: str) -> bytes:
    return WebVTTWriter().write(caption_set(cues, locale)).encode("utf-8")


def dfxp(cues: Sequence[Cue], locale: str) -> bytes:
    """DFXP; pycaption always declares `xml:lang="en"` on `<tt>` (the `<div>` has the real one): fixed."""
    text = DFXPWriter().write(caption_set(cues, locale))
    text = _TT_LANG.sub(
        lambda match: f"{match.group(1)}{normalize_tag(locale)}{match.group(2)}", text, count=1
    )
    return text.encode("utf-8")


# -- ttconv ---------------------------------------------------------------------------------------------
def ttconv_document(cues: Sequence[Cue], locale: str) -> model.ContentDocument:
    """The cues as a ttconv document: one bottom region, a paragraph a cue, a line break between lines."""
    document = model.ContentDocument()
    document.set_lang(normalize_tag(locale))
    region = model.Region("bottom", document)
    ten, eighty = (styles.LengthType(value, styles.LengthType.Units.pct) for value in (10, 80))
    region.set_style(styles.StyleProperties.Origin, styles.CoordinateType(x=ten, y=ten))
    region.set_style(styles.StyleProperties.Extent, styles.ExtentType(height=eighty, width=eighty))
    region.set_style(styles.StyleProperties.DisplayAlign, styles.DisplayAlignType.after)
    region.set_style(styles.StyleProperties.TextAlign, styles.TextAlignType.center)
    document.put_region(region)
    body = model.Body(document)
    body.set_region(region)
    if is_right_to_left(locale):
        body.set_style(styles.StyleProperties.Direction, styles.DirectionType.rtl)
    division = model.Div(document)
    body.push_child(division)
    for cue in cues:
        paragraph = model.P(document)
        paragraph.set_begin(Fraction(round(cue.start * 1000), 1000))
        paragraph.set_end(Fraction(round(cue.end * 1000), 1000))
        for number, line in enumerate(cue.lines):
            if number:
                paragraph.push_child(model.Br(document))
            span = model.Span(document)
            span.push_child(model.Text(document, line))
            paragraph.push_child(span)
        division.push_child(paragraph)
    document.set_body(body)
    return document


def ttml(cues: Sequence[Cue], locale: str) -> bytes:
    tree = imsc_writer.from_model(ttconv_document(cues, locale))
    return ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True)
