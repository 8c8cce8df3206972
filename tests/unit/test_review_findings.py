"""Defects found in review, each checked without Airflow (the plan and the intake's validation)."""

from __future__ import annotations

import pytest

from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.paths import media_dir
from video_localization.pipelines import intake
from video_localization.pipelines.localize import build_plan


@pytest.mark.parametrize("source", ["/no/such/video.mp4", "ftp://example.com/v.mp4"])
def test_akool_plan_with_a_bad_source_names_the_field_instead_of_crashing(source, tmp_path):
    """A missing file or unsupported scheme with Akool gave `TypeError: 'NoneType' ...` from the plan."""
    conf = {
        "dubbing_vendor": "akool",
        "source": source,
        "source_language": "en-US",
        "target_languages": ["fr-FR", "xx-XX"],
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputs) as refused:
        build_plan(conf, "run-1")
    fields = {error.field for error in refused.value.errors}
    assert fields == {"source", "target_languages"}  # the languages are still checked


def test_akool_plan_with_a_local_file_still_checks_the_languages(tmp_path):
    conf = {
        "dubbing_vendor": "akool",
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": ["xx-XX"],
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputs) as refused:
        build_plan(conf, "run-1")
    assert {error.field for error in refused.value.errors} == {"source", "target_languages"}


@pytest.mark.parametrize("captions_source", ["dubbing", "rev", None])
def test_intake_takes_the_forms_captions_source_values(captions_source, tmp_path):
    """`captions_source: dubbing` (the form's default) was refused with 'allowed: rev, local'."""
    request = {
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "targets": ["fr-FR"],
        "caption_formats": ["SubRip"],
        "output": str(tmp_path),
    }
    if captions_source:
        request["captions_source"] = captions_source
    conf = intake.request_conf(request)
    plan = intake.validate_request(conf, intake.request_run_id(conf))
    assert plan["caption_formats"] == ["SubRip"]
    assert plan["captions_source"] == (captions_source or "dubbing")


def test_intake_refuses_an_unknown_captions_source_naming_the_forms_values(tmp_path):
    conf = intake.request_conf(
        {"targets": ["fr-FR"], "caption_formats": ["SubRip"], "captions_source": "local", "output": "/o"}
    )
    with pytest.raises((InvalidInputError, InvalidInputs)) as refused:
        intake.validate_request(conf, "r")
    assert "captions_source='local'" in str(refused.value)
    assert "dubbing" in str(refused.value)


@pytest.mark.parametrize(
    ("vendor", "start", "end", "field"),
    [
        ("panjaya", 1, 10000, "end_time"),
        ("panjaya", 9, None, "start_time"),
        ("blendvision", 1, 8.5, "end_time"),
    ],
)
def test_plan_refuses_an_interval_past_the_end_of_a_file_source(vendor, start, end, field, tmp_path):
    """The sample is 8 s long: Panjaya failed the asset with time_out_of_range after the upload."""
    conf = {
        "dubbing_vendor": vendor,
        "source": str(media_dir() / "sample.mp4"),
        "source_language": "en-US",
        "target_languages": ["fr-FR"],
        "start_time": start,
        "end_time": end,
        "output_location": str(tmp_path),
    }
    with pytest.raises(InvalidInputError, match=rf"{field}=.*the source video's length"):
        build_plan(conf, "run-1")
    assert build_plan({**conf, "start_time": 1, "end_time": 8}, "run-1")["end_time"] == 8
