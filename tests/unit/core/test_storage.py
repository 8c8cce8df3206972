"""Results saved to storage: verified, complete or absent, never half-written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from video_localization.core.errors import (
    DownloadVerificationError,
    VendorError,
)
from video_localization.core.http import RetryPolicy, VendorApi
from video_localization.core.storage import (
    as_storage_path,
    looks_like_mp4,
    require_mp4,
    require_text,
    safe_path_part,
    stream_to_storage,
    write_bytes,
)
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.server import RunningSandbox

SAMPLE = media_dir() / "sample.mp4"
CATALOGUE = json.loads((media_dir() / "catalogue.json").read_text())
SAMPLE_SHA256 = next(item["sha256"] for item in CATALOGUE["media"] if item["name"] == "sample.mp4")


# -- storage ---------------------------------------------------------------------------------------------
@pytest.fixture
def media_api(sandbox: RunningSandbox) -> Iterator[VendorApi]:
    """A client for plain (unauthenticated) links, like a vendor's signed result links."""
    api = VendorApi("sandbox", sandbox.url, retry=RetryPolicy(max_attempts=2, initial_delay=0.01))
    yield api
    api.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_stream_to_storage_saves_a_verified_copy(
    media_api: VendorApi, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    destination = as_storage_path(tmp_path / "run" / "fr-FR") / "video.mp4"
    stored = stream_to_storage(
        media_api,
        f"{sandbox.url}/_sandbox/media/sample.mp4",
        destination,
        expected_size=SAMPLE.stat().st_size,
        expected_sha256=SAMPLE_SHA256.upper(),  # checksums compare case-insensitively
        check_head=require_mp4,
        chunk_size=16 * 1024,  # several chunks: the head check sees only the first
    )
    saved = tmp_path / "run" / "fr-FR" / "video.mp4"
    assert saved.read_bytes() == SAMPLE.read_bytes()
    assert stored.uri == saved.as_uri()
    assert (stored.name, stored.size_bytes, stored.sha256) == (
        "video.mp4",
        SAMPLE.stat().st_size,
        SAMPLE_SHA256,
    )
    assert stored.content_type == "video/mp4"
    assert leftovers(saved.parent) == ["video.mp4"]  # the temporary file is gone
    assert stored.to_dict()["sha256"] == SAMPLE_SHA256


def test_a_wrong_checksum_leaves_nothing_behind(
    media_api: VendorApi, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with pytest.raises(DownloadVerificationError, match="SHA-256"):
        stream_to_storage(
            media_api,
            f"{sandbox.url}/_sandbox/media/sample.mp4",
            as_storage_path(tmp_path) / "video.mp4",
            expected_sha256="0" * 64,
        )
    assert leftovers(tmp_path) == []


def test_a_wrong_size_leaves_nothing_behind(
    media_api: VendorApi, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with pytest.raises(DownloadVerificationError, match="got 143490 bytes, expected 10"):
        stream_to_storage(
            media_api,
            f"{sandbox.url}/_sandbox/media/sample.mp4",
            as_storage_path(tmp_path) / "video.mp4",
            expected_size=10,
        )
    assert leftovers(tmp_path) == []


def test_a_text_file_is_not_saved_as_a_video(
    media_api: VendorApi, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with pytest.raises(DownloadVerificationError, match="not an MP4"):
        stream_to_storage(
            media_api,
            f"{sandbox.url}/_sandbox/media/catalogue.json",
            as_storage_path(tmp_path) / "video.mp4",
            check_head=require_mp4,
        )
    assert leftovers(tmp_path) == []


def test_a_missing_link_is_a_vendor_error(
    media_api: VendorApi, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with pytest.raises(VendorError) as caught:
        stream_to_storage(
            media_api, f"{sandbox.url}/_sandbox/media/nothing.mp4", as_storage_path(tmp_path) / "video.mp4"
        )
    assert caught.value.status_code == 404
    assert leftovers(tmp_path) == []


def test_mp4_and_text_head_checks() -> None:
    head = SAMPLE.read_bytes()[:64]
    assert looks_like_mp4(head)
    require_mp4(head)
    assert not looks_like_mp4(b"1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    with pytest.raises(DownloadVerificationError):
        require_mp4(b"<html>Access denied</html>")
    require_text("Grüße, 你好\n".encode())
    require_text("你好".encode()[:-1])  # a chunk may end inside a character
    with pytest.raises(DownloadVerificationError, match="not UTF-8"):
        require_text(head)


def test_write_bytes_and_path_parts(tmp_path: Path) -> None:
    stored = write_bytes(as_storage_path(str(tmp_path)) / "a" / "fr-FR.srt", b"1\n", "application/x-subrip")
    assert (tmp_path / "a" / "fr-FR.srt").read_bytes() == b"1\n"
    assert (stored.size_bytes, stored.sha256) == (2, hashlib.sha256(b"1\n").hexdigest())
    assert leftovers(tmp_path / "a") == ["fr-FR.srt"]
    assert (
        safe_path_part("scheduled__2026-01-01T00:00:00+00:00/x") == "scheduled__2026-01-01T00:00:00+00:00_x"
    )
    for bad in ("", "..", " . "):
        with pytest.raises(ValueError):
            safe_path_part(bad)
    assert isinstance(as_storage_path("file:///tmp/x"), ObjectStoragePath)
    assert str(as_storage_path(tmp_path / "x")) == (tmp_path / "x").as_uri()
