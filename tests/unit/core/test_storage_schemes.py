"""Results stream into any fsspec file system Airflow's ObjectStoragePath knows, not only local disk."""

from __future__ import annotations

import hashlib

import fsspec
import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.io import attach

from video_localization.core.errors import DownloadVerificationError
from video_localization.core.http import VendorApi
from video_localization.core.storage import require_mp4, stream_to_storage
from video_localization_dev.media import media_dir


@pytest.fixture
def memory_store():
    """An in-memory object store under the `memory://` scheme (stands in for s3://, gs://, ...)."""
    store = fsspec.filesystem("memory")
    attach("memory", fs=store)
    yield store
    store.rm("/", recursive=True)


def test_a_result_streams_into_an_object_store_by_its_scheme(sandbox, memory_store):
    api = VendorApi("test", sandbox.url)
    destination = ObjectStoragePath("memory://results/run-1/fr-FR/video.mp4")
    stored = stream_to_storage(
        api, f"{sandbox.url}/_sandbox/media/sample.mp4", destination, check_head=require_mp4
    )
    expected = (media_dir() / "sample.mp4").read_bytes()
    assert stored.uri == "memory://results/run-1/fr-FR/video.mp4"
    assert (stored.size_bytes, stored.sha256) == (len(expected), hashlib.sha256(expected).hexdigest())
    assert destination.read_bytes() == expected
    assert [path.name for path in destination.parent.iterdir()] == ["video.mp4"]  # no temp file left


def test_a_wrong_checksum_leaves_nothing_in_the_object_store(sandbox, memory_store):
    api = VendorApi("test", sandbox.url)
    destination = ObjectStoragePath("memory://results/run-2/video.mp4")
    with pytest.raises(DownloadVerificationError, match="SHA-256"):
        stream_to_storage(
            api, f"{sandbox.url}/_sandbox/media/sample.mp4", destination, expected_sha256="0" * 64
        )
    assert not destination.exists()
    leftovers = list(destination.parent.iterdir()) if destination.parent.exists() else []
    assert leftovers == []  # the temporary part file is removed too
