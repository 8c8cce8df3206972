"""Akool's checks before paying: the language table, the request plan, media facts and the MP4 probe.

No network here: these are the checks that run before any vendor call.
"""

from __future__ import annotations

import io
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from video_localization.akool.models import MAX_VIDEO_BYTES
from video_localization.akool.validation import (
    MediaFacts,
    check_live_languages,
    probe_media,
    tag_for_code,
    validate_translation,
)
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.languages import vendor_languages
from video_localization.core.mp4 import iter_boxes, probe_mp4_bytes, probe_mp4_file
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.akool.wire import LANGUAGE_CODES
from video_localization_dev.sandbox.media import probe_bytes

SAMPLES = sorted(media_dir().glob("*.mp4"))


# -- the language table ----------------------------------------------------------------------------------
def test_the_table_maps_region_tags_to_akools_codes() -> None:
    languages = vendor_languages("akool")
    assert {"fr-FR", "de-DE", "ja-JP", "es-ES", "en-US", "zh-CN", "hi-IN"} <= set(languages.targets())
    assert languages.get("fr_fr").code == "fr"
    codes = [language.code for language in languages]
    assert len(codes) == len(set(codes))  # one tag per code: a job's language maps back to one tag
    assert set(codes) == LANGUAGE_CODES  # the same list the sandbox serves
    assert (tag_for_code("ja"), tag_for_code("xx")) == ("ja-JP", None)


# -- the plan ----------------------------------------------------------------------------------------------
def test_a_good_request_becomes_a_plan_and_a_wire_body() -> None:
    plan = validate_translation(
        source_url="https://media.example/launch.mp4",
        source_locale="auto",
        target_locales=["fr_FR", "de-DE"],
        lipsync="true",
        face_enhance=True,
        merge_interval="1.5",
        webhook_url="https://airflow.example/vloc-callbacks/akool/akool_default",
        media={"duration_seconds": 30, "fps": 29.97, "size_bytes": 1000, "has_audio": True},
    )
    assert (plan.source_tag, plan.source_code) == (None, "DEFAULT")
    assert plan.targets == {"fr-FR": "fr", "de-DE": "de"}
    assert plan.request(["fr-FR", "de-DE"]).wire() == {
        "url": "https://media.example/launch.mp4",
        "source_language": "DEFAULT",
        "language": "fr,de",
        "lipsync": True,
        "merge_interval": 1.5,
        "face_enhance": True,
        "webhookUrl": "https://airflow.example/vloc-callbacks/akool/akool_default",
    }
    assert plan.tag_of("de") == "de-DE"
    plain = validate_translation(source_url="http://m/a.mp4", source_locale="en-US", target_locales=["ja-JP"])
    assert plain.request(["ja-JP"]).wire() == {
        "url": "http://m/a.mp4",
        "source_language": "en",
        "language": "ja",
        "lipsync": False,
    }
    assert plain.fingerprint() != plan.fingerprint()


def test_a_long_video_is_fine_without_lipsync() -> None:
    plan = validate_translation(
        source_url="http://m/a.mp4",
        source_locale=None,
        target_locales=["fr-FR"],
        media={"duration_seconds": 3600},
    )
    assert plan.media.duration_seconds == 3600


def test_the_live_list_check_names_source_and_targets() -> None:
    plan = validate_translation(source_url="http://m/a.mp4", source_locale="th-TH", target_locales=["fr-FR"])
    with pytest.raises(InvalidInputs) as caught:
        check_live_languages(plan, {"en", "de", "xy"})
    source, target = caught.value.errors
    assert (source.field, source.value, target.field, target.value) == (
        "source_language",
        "th-TH",
        "target_languages",
        "fr-FR",
    )
    assert source.allowed == "de-DE, en-US, xy, auto"  # codes the table lacks are shown as Akool's codes
    check_live_languages(plan, {"th", "fr"})


# -- media facts -------------------------------------------------------------------------------------------
def test_media_facts_from_a_mapping_and_merged() -> None:
    given = MediaFacts.from_mapping({"fps": "25", "has_audio": "false"})
    assert (given.fps, given.has_audio, given.duration_seconds) == (25.0, False, None)
    probed = MediaFacts(duration_seconds=8.0, fps=30.0, size_bytes=10, has_audio=True)
    assert given.merged(probed) == MediaFacts(duration_seconds=8.0, fps=25.0, size_bytes=10, has_audio=False)
    with pytest.raises(InvalidInputs) as caught:
        MediaFacts.from_mapping({"fps": -1, "size_bytes": 1.5, "has_audio": "perhaps"})
    assert [error.field for error in caught.value.errors] == [
        "media.fps",
        "media.size_bytes",
        "media.has_audio",
    ]
    with pytest.raises(InvalidInputError, match="a mapping with keys"):
        MediaFacts.from_mapping(["fps", 25])  # type: ignore[arg-type]


def test_the_size_limit_is_akools_300_mb() -> None:
    assert MAX_VIDEO_BYTES == 300 * 1024 * 1024
    validate_translation(
        source_url="http://m/a.mp4",
        source_locale=None,
        target_locales=["fr-FR"],
        media={"size_bytes": MAX_VIDEO_BYTES},
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.name)
def test_probe_media_reads_the_samples_like_the_sandbox_does(sample: Path) -> None:
    facts = probe_media(sample.as_uri())  # an object-storage style URI works as well as a path
    info = probe_bytes(sample.read_bytes())
    assert (facts.duration_seconds, facts.fps, facts.size_bytes, facts.has_audio) == (
        info.duration_seconds,
        info.fps,
        info.size_bytes,
        info.has_audio,
    )


# -- the MP4 probe in core -------------------------------------------------------------------------------
class CountingReader(io.BytesIO):
    """A seekable stream that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def moov_last(data: bytes) -> bytes:
    """The same boxes with `moov` moved after everything else (a file written without faststart)."""
    boxes = [(kind, data[body - 8 : end]) for kind, body, end in iter_boxes(data, 0, len(data))]
    assert b"moov" in [kind for kind, _ in boxes]
    return b"".join(box for kind, box in boxes if kind != b"moov") + next(
        box for kind, box in boxes if kind == b"moov"
    )


def test_the_file_probe_reads_only_the_headers_and_the_moov_box() -> None:
    data = (media_dir() / "sample.mp4").read_bytes()
    reordered = moov_last(data)
    stream = CountingReader(reordered)
    facts = probe_mp4_file(stream)
    assert facts == probe_mp4_bytes(data)
    assert facts is not None and (facts.duration_seconds, facts.fps, facts.video_codec) == (8.0, 25.0, "avc1")
    moov_size = next(end - body + 8 for kind, body, end in iter_boxes(data, 0, len(data)) if kind == b"moov")
    assert stream.bytes_read < moov_size + 200  # not the whole 140 KB file


def test_the_probe_handles_64_bit_box_sizes_and_refuses_what_is_not_an_mp4() -> None:
    data = (media_dir() / "sample.mp4").read_bytes()
    boxes = [(kind, data[body - 8 : end]) for kind, body, end in iter_boxes(data, 0, len(data))]
    large_free = struct.pack(">I4sQ", 1, b"free", 16 + 4) + b"\x00" * 4  # size 1: a 64-bit size follows
    rebuilt = boxes[0][1] + large_free + b"".join(box for _, box in boxes[1:])
    assert probe_mp4_file(io.BytesIO(rebuilt)) == replace(probe_mp4_bytes(data), size_bytes=len(rebuilt))
    assert probe_mp4_file(io.BytesIO(b"GIF89a" + b"\x00" * 100)) is None
    assert probe_mp4_bytes(b"short") is None
