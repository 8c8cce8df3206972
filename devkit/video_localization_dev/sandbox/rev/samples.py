"""The committed sample video, which stands in for media the sandbox cannot download (external links)."""

from __future__ import annotations

from functools import cache

from video_localization_dev.media import media_dir

SAMPLE_VIDEO_NAME = "sample.mp4"


@cache
def sample_video() -> bytes:
    return (media_dir() / SAMPLE_VIDEO_NAME).read_bytes()
