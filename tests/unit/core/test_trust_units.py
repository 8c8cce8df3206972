"""The pieces of the trust boundaries on their own: container sniffing, root comparison, URL hosts,
redaction and the plan's reference to a signed source URL."""

from __future__ import annotations

import pytest

from video_localization.core import secret_source
from video_localization.core.http import redact_query
from video_localization.core.sniff import video_container
from video_localization.core.trust import location_under, unsafe_characters
from video_localization.core.urls import host_is_allowed
from video_localization_dev.media import media_dir


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"\0\0\0\x20ftypisom" + b"\0" * 20, "MP4/MOV"),
        (b"\0\0\0\x14ftypqt  " + b"\0" * 20, "MP4/MOV"),
        (b"\0\0\0\x08wide\0\0\0\x10mdat", "MP4/MOV"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "Matroska/WebM"),
        (b"RIFF\0\0\0\0AVI LIST", "AVI"),
        (b"\x47" + b"\xff" * 187 + b"\x47" + b"\xff" * 187 + b"\x47" + b"\xff" * 190, "MPEG-TS"),
        (b"\x00\x00\x01\xba\x44\x00", "MPEG-PS"),
        (b"FLV\x01\x05\0\0\0\x09", "FLV"),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9", "ASF/WMV"),
        (b"\0\0\0\x18ftypheic\0\0\0\0", None),  # a HEIF photo
        (b"\0\0\0\x18ftypM4A \0\0\0\0", None),  # audio only
        (b"RIFF\0\0\0\0WAVEfmt ", None),
        (b"\x89PNG\r\n\x1a\n", None),
        (b"root:x:0:0:root:/root:/bin/bash\n", None),
        (b"", None),
    ],
)
def test_video_containers_are_known_by_their_first_bytes(head: bytes, container: str | None) -> None:
    assert video_container(head) == container


def test_every_committed_sample_is_a_video_container() -> None:
    for path in media_dir().glob("*.mp4"):
        assert video_container(path.read_bytes()[:600]) == "MP4/MOV", path.name


def test_roots_compare_whole_segments_and_resolved_paths(tmp_path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    assert location_under(str(root / "a.mp4"), [str(root)]) == str(root)
    assert location_under(f"{root}/x/../a.mp4", [str(root)]) == str(root)
    assert location_under(f"{root}-other/a.mp4", [str(root)]) is None  # not a prefix match
    assert location_under(f"{root}/../a.mp4", [str(root)]) is None
    assert location_under((root / "a.mp4").as_uri(), [str(root)]) == str(root)
    assert location_under("s3://bucket/in/a.mp4", ["s3://bucket/in"]) == "s3://bucket/in"
    assert location_under("s3://bucket/in/a.mp4", ["s3://bucket/in/"]) == "s3://bucket/in/"
    assert location_under("s3://bucket/inbox/a.mp4", ["s3://bucket/in"]) is None
    assert location_under("s3://other/in/a.mp4", ["s3://bucket/in"]) is None
    assert location_under("gs://bucket/in/a.mp4", ["s3://bucket/in"]) is None
    assert location_under(str(root / "a.mp4"), ["s3://bucket/in"]) is None


def test_unsafe_characters_are_named_by_code_point() -> None:
    assert unsafe_characters("a\u202eb\x00c\u200d\n") == ["U+202E", "U+0000", "U+200D", "U+000A"]
    assert unsafe_characters("Überraschung ролик 視頻.mp4") == []


@pytest.mark.parametrize(
    ("host", "port", "entries", "allowed"),
    [
        ("127.0.0.1", 8900, ["127.0.0.1:8900"], True),
        ("127.0.0.1", 22, ["127.0.0.1:8900"], False),
        ("10.1.2.3", None, ["10.0.0.0/8"], True),
        ("10.1.2.3", None, ["192.168.0.0/16"], False),
        ("sandbox", 8900, ["sandbox:8900"], True),
        ("sandbox", 8900, ["sandbox"], True),
        ("::1", 443, ["[::1]:443"], True),
        ("::1", 80, ["[::1]:443"], False),
        ("::1", 80, ["::1"], True),
        ("2130706433", None, ["127.0.0.1"], True),  # the same address, however written
    ],
)
def test_the_allow_list_names_hosts_ports_and_networks(
    host: str, port: int | None, entries: list[str], allowed: bool
) -> None:
    assert host_is_allowed(host, port, entries) is allowed


def test_redaction_drops_the_query_and_the_userinfo() -> None:
    assert (
        redact_query("https://u:p@h.example/v.mp4?X-Amz-Signature=s")
        == "https://<redacted>@h.example/v.mp4?<redacted>"
    )
    assert redact_query("https://h.example/v.mp4?sig=s#t=10") == "https://h.example/v.mp4?<redacted>"
    assert redact_query("https://h.example/v.mp4") == "https://h.example/v.mp4"
    assert redact_query("/v1/assets/a-1") == "/v1/assets/a-1"


def test_a_signed_url_becomes_a_reference_the_operator_resolves_from_the_run() -> None:
    url = "https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Expires=600&X-Amz-Signature=" + "ab" * 32
    reference = secret_source.protect("source", url)
    assert reference == "<run conf 'source': https://bucket.s3.amazonaws.com/v.mp4?<redacted>>"
    assert "ab" * 32 not in reference
    assert secret_source.shown(reference) == "https://bucket.s3.amazonaws.com/v.mp4?<redacted>"
    assert secret_source.resolve(reference, {"params": {"source": url}}) == url
    with pytest.raises(secret_source.SourceReferenceError, match="no longer the URL the plan approved"):
        secret_source.resolve(reference, {"params": {"source": "https://elsewhere.example/v.mp4?x=1"}})
    with pytest.raises(secret_source.SourceReferenceError, match="has no 'source'"):
        secret_source.resolve(reference, {"params": {}})
    plain = "https://cdn.example/v.mp4"
    assert secret_source.protect("source", plain) == plain
    assert secret_source.resolve(plain, {}) == plain
