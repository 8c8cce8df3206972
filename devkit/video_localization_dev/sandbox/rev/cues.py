"""Cue data every caption format is written from: the canned transcript, timed over the media.

Rev keeps "captions in a canonical format and can then export them on-the-fly" (doc); this is that
canonical form. Sentences are spoken at a natural pace from just after the start, squeezed to fit when
the media is shorter than the speech; each sentence becomes one or more cues of at most `max_lines`
lines of at most `width` characters, so formats with narrow screens (CEA-608: 32 columns) get more cues.
"""

from __future__ import annotations

from dataclasses import dataclass

from video_localization_dev.sandbox.rev.transcripts import TRANSCRIPTS, UNSPACED_LANGUAGES

LEAD_IN_SECONDS = 0.2
TAIL_SECONDS = 0.2
GAP_SECONDS = 0.1
CHARS_PER_SECOND = 15.0
UNSPACED_CHARS_PER_SECOND = 6.0
UNSPACED_WIDTH_RATIO = 0.5  # a CJK character takes about two columns


@dataclass(frozen=True)
class Cue:
    index: int  # 1-based
    start: float  # seconds
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def wrap(text: str, width: int, unspaced: bool = False) -> list[str]:
    """Break `text` into lines of at most `width` characters (by words, or by characters if unspaced)."""
    if unspaced:
        width = max(1, int(width * UNSPACED_WIDTH_RATIO))
        return [text[i : i + width] for i in range(0, len(text), width)]
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:  # a word longer than a line is cut
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def sentence_slots(language: str, duration: float) -> list[tuple[float, float, str]]:
    """(start, end, sentence) of each transcript sentence, fitted into `duration` seconds."""
    sentences = TRANSCRIPTS[language]
    cps = UNSPACED_CHARS_PER_SECOND if language in UNSPACED_LANGUAGES else CHARS_PER_SECOND
    speech = [len(sentence) / cps for sentence in sentences]
    natural = sum(speech) + GAP_SECONDS * (len(sentences) - 1)
    available = max(duration - LEAD_IN_SECONDS - TAIL_SECONDS, 0.0)
    scale = min(1.0, available / natural) if natural else 1.0
    slots = []
    clock = LEAD_IN_SECONDS if available > 0 else 0.0
    if available <= 0:  # media shorter than the lead-in: share whatever there is
        scale = duration / natural if natural else 0.0
    for sentence, seconds in zip(sentences, speech, strict=True):
        start, end = clock, clock + seconds * scale
        slots.append((round(start, 3), round(end, 3), sentence))
        clock = end + GAP_SECONDS * scale
    return slots


def build_cues(
    language: str, duration: float, has_speech: bool = True, width: int = 42, max_lines: int = 2
) -> list[Cue]:
    """The captions of one media file; none when the media holds no speech."""
    if not has_speech or duration <= 0:
        return []
    unspaced = language in UNSPACED_LANGUAGES
    cues: list[Cue] = []
    for start, end, sentence in sentence_slots(language, duration):
        lines = wrap(sentence, width, unspaced)
        groups = [lines[i : i + max_lines] for i in range(0, len(lines), max_lines)]
        total = sum(len("".join(group)) for group in groups)
        clock = start
        for group in groups:
            share = (end - start) * len("".join(group)) / total
            cue_end = end if group is groups[-1] else round(clock + share, 3)
            cues.append(Cue(len(cues) + 1, round(clock, 3), round(cue_end, 3), tuple(group)))
            clock = cue_end
    return cues
