"""Defects found in review, each checked without Airflow (the plan and the intake's validation)."""

from __future__ import annotations

import pytest

from video_localization.core.errors import InvalidInputs
from video_localization.core.paths import media_dir
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
