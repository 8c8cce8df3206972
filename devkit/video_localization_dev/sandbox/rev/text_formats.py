"""Writers of Rev's text caption formats: SubRip, WebVTT, TTML, DFXP, QuickTime text, transcript,
Spruce STL, Avid DS and Avid DVD. Each takes a `CaptionSource` and answers UTF-8 bytes."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from video_localization_dev.sandbox.rev.source import CaptionSource, clock, frame_code
from video_localization_dev.sandbox.rev.transcripts import UNSPACED_LANGUAGES

RTL_LANGUAGES = frozenset({"ar", "fa", "he"})
TTML_NS = "http://www.w3.org/ns/ttml"
DFXP_PROFILE = "http://www.w3.org/ns/ttml/profile/dfxp-presentation"


def subrip(source: CaptionSource) -> bytes:
    blocks = [
        f"{cue.index}\n{clock(cue.start, ',')} --> {clock(cue.end, ',')}\n{cue.text}\n"
        for cue in source.cues()
    ]
    return "\n".join(blocks).encode()


def webvtt(source: CaptionSource) -> bytes:
    blocks = ["WEBVTT\n"]
    blocks += [f"{cue.index}\n{clock(cue.start)} --> {clock(cue.end)}\n{cue.text}\n" for cue in source.cues()]
    return "\n".join(blocks).encode()


def _timed_text(source: CaptionSource, profile: str | None) -> bytes:
    direction = ' tts:direction="rtl" tts:unicodeBidi="embed"' if source.language in RTL_LANGUAGES else ""
    profile_attr = f" ttp:profile={quoteattr(profile)}" if profile else ""
    paragraphs = "\n".join(
        f'      <p xml:id="c{cue.index}" begin="{clock(cue.start)}" end="{clock(cue.end)}">'
        + "<br/>".join(escape(line) for line in cue.lines)
        + "</p>"
        for cue in source.cues()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<tt xmlns="{TTML_NS}" xmlns:tts="{TTML_NS}#styling" xmlns:ttp="{TTML_NS}#parameter" '
        f'xmlns:ttm="{TTML_NS}#metadata" xml:lang={quoteattr(source.language)} '
        f'ttp:timeBase="media"{profile_attr}>\n'
        "  <head>\n"
        f"    <metadata><ttm:title>{escape(source.title)}</ttm:title></metadata>\n"
        "    <styling>\n"
        '      <style xml:id="caption" tts:color="white" tts:backgroundColor="black" '
        f'tts:fontFamily="proportionalSansSerif" tts:fontSize="100%" tts:textAlign="center"{direction}/>\n'
        "    </styling>\n"
        "    <layout>\n"
        '      <region xml:id="bottom" tts:origin="10% 80%" tts:extent="80% 15%" tts:displayAlign="after"/>\n'
        "    </layout>\n"
        "  </head>\n"
        '  <body style="caption" region="bottom">\n'
        "    <div>\n"
        f"{paragraphs}\n"
        "    </div>\n"
        "  </body>\n"
        "</tt>\n"
    ).encode()


def ttml(source: CaptionSource) -> bytes:
    return _timed_text(source, None)


def dfxp(source: CaptionSource) -> bytes:
    return _timed_text(source, DFXP_PROFILE)


def _hundredths(seconds: float) -> str:
    centis = round(seconds * 100)
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6000)
    secs, centis = divmod(centis, 100)
    return f"[{hours:02d}:{minutes:02d}:{secs:02d}.{centis:02d}]"


def quicktime_text(source: CaptionSource) -> bytes:
    """QuickTime TeXML's plain cousin: a `{QTtext}` header, then `[time]` stamps, each starting a sample."""
    lines = [
        "{QTtext} {font:Tahoma}",
        "{plain} {size:20}",
        "{timeScale:100}",
        "{width:320} {height:60}",
        "{timeStamps:absolute} {language:0}",
        "{justify:center}",
        "{textEncoding:0}",
    ]
    previous_end = 0.0
    for cue in source.cues():
        if cue.start > previous_end:  # an empty sample clears the screen between captions
            lines.append(_hundredths(previous_end))
        lines += [_hundredths(cue.start), *cue.lines]
        previous_end = cue.end
    lines.append(_hundredths(previous_end))  # the last stamp ends the last sample
    return ("\n".join(lines) + "\n").encode()


def transcript(source: CaptionSource) -> bytes:
    """Plain text: everything that was said, as one paragraph without time codes."""
    joiner = "" if source.language in UNSPACED_LANGUAGES else " "
    text = joiner.join(joiner.join(cue.lines) for cue in source.cues())
    return (text + "\n").encode() if text else b""


def spruce_stl(source: CaptionSource) -> bytes:
    """DVD Studio Pro's Spruce subtitle file: `$` settings, then `start , end , line|line` rows."""
    header = [
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
        "//Contrast Control",
        "$TextContrast           = 15",
        "$Outline1Contrast       = 8",
        "$Outline2Contrast       = 15",
        "$BackgroundContrast     = 0",
        "",
        "//Other Controls",
        "$TapeOffset          = FALSE",
        "",
        "//Subtitles",
    ]
    rows = [
        f"{frame_code(cue.start)} , {frame_code(cue.end)} , {'|'.join(cue.lines)}" for cue in source.cues()
    ]
    return ("\r\n".join(header + rows) + "\r\n").encode()


def avid_ds(source: CaptionSource) -> bytes:
    """Avid DS / Media Composer SubCap text: a `<begin subtitles>` ... `<end subtitles>` list."""
    parts = ["@ This file written with the Avid Caption plugin, version 1", "", "<begin subtitles>"]
    for cue in source.cues():
        parts += [f"{frame_code(cue.start)} {frame_code(cue.end)}", *cue.lines, ""]
    parts.append("<end subtitles>")
    return ("\n".join(parts) + "\n").encode()


def avid_dvd(source: CaptionSource) -> bytes:
    """Avid DVD subtitle list: `number<TAB>start<TAB>end<TAB>line|line`, a blank line between."""
    rows = [
        f"{cue.index}\t{frame_code(cue.start)}\t{frame_code(cue.end)}\t{'|'.join(cue.lines)}\n"
        for cue in source.cues()
    ]
    return "\n".join(rows).encode()
