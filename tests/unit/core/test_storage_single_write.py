"""How a download reaches storage: one write to the final key on object stores, temp-then-rename locally.

Also: MD5 only when there is an MD5 to check, hook lineage naming the final path, and the fast body
path (`core.bulk_http`) failing cleanly on a body cut short.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import fsspec
import httpx
import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk import lineage as sdk_lineage
from airflow.sdk.io import attach

from video_localization.core import sinks
from video_localization.core.bulk_http import READINTO, ReadintoTransport
from video_localization.core.errors import DownloadVerificationError
from video_localization.core.http import RetryPolicy, VendorApi
from video_localization.core.storage import as_storage_path, stream_to_storage, write_bytes

BODY = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 1024  # 256 KiB and a bit: several chunks


def mock_api(headers: dict[str, str] | None = None, body: bytes = BODY) -> VendorApi:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "video/mp4", **(headers or {})})

    api = VendorApi("test", "https://storage.example", retry=RetryPolicy(max_attempts=1))
    api._client = httpx.Client(transport=httpx.MockTransport(answer))
    return api


@pytest.fixture
def memory_store() -> Iterator[fsspec.AbstractFileSystem]:
    store = fsspec.filesystem("memory")
    attach("memory", fs=store)
    yield store
    store.rm("/", recursive=True)


@pytest.fixture
def lineage(monkeypatch: pytest.MonkeyPatch) -> sdk_lineage.HookLineageCollector:
    """A real collector (Airflow hands out a no-op one unless a lineage reader plugin is installed)."""
    collector = sdk_lineage.HookLineageCollector()
    monkeypatch.setattr(sdk_lineage, "get_hook_lineage_collector", lambda: collector)
    return collector


def output_uris(collector: sdk_lineage.HookLineageCollector) -> list[str]:
    return [info.asset.uri for info in collector.collected_assets.outputs]


@pytest.fixture
def md5_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real_md5 = hashlib.md5

    def counting_md5(*args, **kwargs):
        calls.append(1)
        return real_md5(*args, **kwargs)

    monkeypatch.setattr(hashlib, "md5", counting_md5)
    return calls


# -- MD5 only when there is one to check ----------------------------------------------------------------
def test_no_md5_is_computed_without_one_to_check(tmp_path: Path, md5_calls: list[int]) -> None:
    stored = stream_to_storage(mock_api(), "/o", as_storage_path(tmp_path) / "v.mp4")
    assert stored.sha256 == hashlib.sha256(BODY).hexdigest()  # SHA-256 always: the manifest needs it
    assert md5_calls == []


def test_an_md5_is_checked_when_the_server_gives_one(tmp_path: Path, md5_calls: list[int]) -> None:
    good = hashlib.md5(BODY, usedforsecurity=False).hexdigest()
    stream_to_storage(
        mock_api({"ETag": f'"{good}"'}), "/o", as_storage_path(tmp_path) / "a.mp4", etag_is_md5=True
    )
    assert md5_calls == [1, 1]  # the test's own reference digest, then the download's
    with pytest.raises(DownloadVerificationError, match="MD5"):
        stream_to_storage(mock_api(), "/o", as_storage_path(tmp_path) / "b.mp4", expected_md5="0" * 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]


# -- object stores: one write to the final key ----------------------------------------------------------
def test_an_object_store_gets_one_write_to_the_final_key(
    memory_store: fsspec.AbstractFileSystem,
    lineage: sdk_lineage.HookLineageCollector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str] = []
    real_open = memory_store.open

    def recording_open(path, mode="rb", **kwargs):
        if "w" in mode:
            opened.append(path)
        return real_open(path, mode, **kwargs)

    monkeypatch.setattr(memory_store, "open", recording_open)
    destination = ObjectStoragePath("memory://bucket/run/fr-FR/video.mp4")
    stored = stream_to_storage(mock_api(), "/o", destination, expected_size=len(BODY))
    assert [path.lstrip("/") for path in opened] == [
        "bucket/run/fr-FR/video.mp4"
    ]  # no temporary key, no rename (a copy on S3)
    assert destination.read_bytes() == BODY
    assert stored.uri == "memory://bucket/run/fr-FR/video.mp4"
    assert output_uris(lineage) == ["memory://bucket/run/fr-FR/video.mp4"]  # the final path, no `.part`


def test_a_failed_write_leaves_no_object_and_no_lineage(
    memory_store: fsspec.AbstractFileSystem, lineage: sdk_lineage.HookLineageCollector
) -> None:
    destination = ObjectStoragePath("memory://bucket/run/video.mp4")
    with pytest.raises(DownloadVerificationError, match="expected 10"):
        stream_to_storage(mock_api(), "/o", destination, expected_size=10)
    assert not destination.exists()  # memory:// publishes at open: the key is deleted after the failure
    assert memory_store.find("/bucket") == []
    assert output_uris(lineage) == []


def test_a_staging_store_is_committed_or_discarded_never_renamed(tmp_path: Path) -> None:
    """fsspec's transaction protocol (close, then commit or discard), on a file system that honours it."""
    kept = ObjectStoragePath((tmp_path / "kept.mp4").as_uri())
    sink = sinks.ObjectStoreSink(kept)
    sink.write(b"complete")
    assert not (tmp_path / "kept.mp4").exists()  # staged: nothing under the final name yet
    sink.commit()
    assert (tmp_path / "kept.mp4").read_bytes() == b"complete"

    dropped = ObjectStoragePath((tmp_path / "dropped.mp4").as_uri())
    sink = sinks.ObjectStoreSink(dropped)
    sink.write(b"half a vid")
    sink.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.mp4"]


def test_small_writes_to_an_object_store_are_one_write(memory_store: fsspec.AbstractFileSystem) -> None:
    stored = write_bytes(ObjectStoragePath("memory://bucket/run/manifest.json"), b"{}", "application/json")
    assert stored.uri == "memory://bucket/run/manifest.json"
    assert memory_store.find("/bucket") == ["/bucket/run/manifest.json"]


# -- local paths: temp name, then an atomic rename ------------------------------------------------------
def test_a_local_download_appears_under_its_name_only_when_verified(
    tmp_path: Path, lineage: sdk_lineage.HookLineageCollector
) -> None:
    target = tmp_path / "video.mp4"
    target.write_bytes(b"the previous, complete copy")
    seen_during_download: list[list[str]] = []

    def look(head: bytes) -> None:
        seen_during_download.append(sorted(p.name for p in tmp_path.iterdir()))

    with pytest.raises(DownloadVerificationError, match="SHA-256"):
        stream_to_storage(
            mock_api(), "/o", as_storage_path(target), check_head=look, expected_sha256="0" * 64
        )
    assert target.read_bytes() == b"the previous, complete copy"  # a failed copy never replaces it
    assert [p.name for p in tmp_path.iterdir()] == ["video.mp4"]
    (during,) = seen_during_download
    assert during[1] == "video.mp4" and during[0].startswith(".video.mp4.") and during[0].endswith(".part")

    stream_to_storage(mock_api(), "/o", as_storage_path(target))
    assert target.read_bytes() == BODY
    assert output_uris(lineage) == [target.as_uri()]


# -- the fast body path ---------------------------------------------------------------------------------
@pytest.fixture
def short_body_server() -> Iterator[str]:
    """Announces 1 MiB, sends 1000 bytes, closes: a connection lost mid-download."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        with listener:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nContent-Type: video/mp4\r\n\r\n"
                    + BODY[:1000]
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/video.mp4"
    listener.close()
    thread.join(timeout=60)


def test_a_body_cut_short_fails_and_leaves_nothing(short_body_server: str, tmp_path: Path) -> None:
    api = VendorApi("test", short_body_server, retry=RetryPolicy(max_attempts=1))
    assert isinstance(api.download_client._transport, ReadintoTransport)
    with pytest.raises(httpx.TransportError):
        stream_to_storage(api, short_body_server, as_storage_path(tmp_path) / "video.mp4")
    assert list(tmp_path.iterdir()) == []
    api.close()


def test_the_fast_transport_offers_readinto_and_keeps_headers(sandbox, tmp_path: Path) -> None:
    api = VendorApi("test", sandbox.url)
    with api.stream("GET", "/_sandbox/media/sample.mp4") as response:
        readinto = response.extensions[READINTO]
        buffer = bytearray(64)
        assert readinto(memoryview(buffer)) == 64
        assert response.headers["Content-Type"] == "video/mp4"
    api.close()
