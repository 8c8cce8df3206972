"""The core layer's small parts: languages, storage, input checks, errors, and the provider's declaration."""

from __future__ import annotations

import hashlib
import importlib
import json
import pickle
from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema
import pytest
from airflow.sdk import ObjectStoragePath

from video_localization import get_provider_info
from video_localization.core.errors import (
    DownloadVerificationError,
    InvalidInputError,
    InvalidInputs,
    VendorError,
    VendorJobFailed,
    VendorResponseError,
)
from video_localization.core.http import RetryPolicy, VendorApi
from video_localization.core.languages import language_name, normalize_tag, vendor_languages
from video_localization.core.storage import (
    as_storage_path,
    looks_like_mp4,
    require_mp4,
    require_text,
    safe_path_part,
    stream_to_storage,
    write_bytes,
)
from video_localization.core.submit_once import submit_once
from video_localization.core.validation import Checks, http_url, number_in_range, one_of
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.panjaya import wire
from video_localization_dev.sandbox.server import RunningSandbox

SAMPLE = media_dir() / "sample.mp4"
CATALOGUE = json.loads((media_dir() / "catalogue.json").read_text())
SAMPLE_SHA256 = next(item["sha256"] for item in CATALOGUE["media"] if item["name"] == "sample.mp4")


# -- languages -------------------------------------------------------------------------------------------
def test_panjaya_language_table_matches_the_document() -> None:
    panjaya = vendor_languages("panjaya")
    rows = list(panjaya)
    assert len(rows) == 38
    assert {row.tag for row in rows if row.source and not row.target} == {"he-IL", "ur-IN"}
    assert {row.tag for row in rows if row.target and not row.source} == {"th-TH"}
    assert all(row.source or row.target for row in rows)
    # The provider's table and the sandbox's (both copied from the document) agree.
    assert set(panjaya.sources()) == wire.SOURCE_LOCALES
    assert set(panjaya.targets()) == wire.TARGET_LOCALES


def test_lookups_accept_any_casing_and_answer_the_canonical_tag() -> None:
    panjaya = vendor_languages("panjaya")
    assert panjaya.source("EN_us").tag == "en-US"
    assert panjaya.target("fil-ph").tag == "fil-PH"
    assert panjaya.get("zh-cn").name == "Chinese"
    assert panjaya.get("xx-YY") is None


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("fr_fr", "fr-FR"),
        ("FR-fr", "fr-FR"),
        (" en-us ", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("EN", "en"),
        ("fil-PH", "fil-PH"),
    ],
)
def test_normalize_tag(raw: str, canonical: str) -> None:
    assert normalize_tag(raw) == canonical


def test_a_wrong_side_language_error_lists_what_is_allowed() -> None:
    panjaya = vendor_languages("panjaya")
    with pytest.raises(InvalidInputError) as as_target:
        panjaya.target("he-il")
    assert as_target.value.field == "target_languages"
    assert as_target.value.value == "he-il"
    assert as_target.value.allowed == ", ".join(panjaya.targets())
    assert "panjaya takes he-IL as a source language only" in str(as_target.value)

    with pytest.raises(InvalidInputError) as as_source:
        panjaya.source("th-TH", field="source")
    assert as_source.value.field == "source"
    assert "th-TH" not in as_source.value.allowed.split(", ")
    assert "panjaya takes th-TH as a target language only" in str(as_source.value)

    with pytest.raises(InvalidInputError, match="panjaya does not dub into it"):
        panjaya.target("tlh-KL")


def test_an_unknown_vendor_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInputError) as caught:
        vendor_languages("dubbly")
    assert "panjaya" in caught.value.allowed.split(", ")


def test_language_name() -> None:
    assert language_name("ja-jp") == "Japanese"
    assert language_name("tlh-KL") == "tlh-KL"


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


# -- input checks ----------------------------------------------------------------------------------------
def test_http_url() -> None:
    assert http_url("media_url", " https://cdn.example/v.mp4 ") == "https://cdn.example/v.mp4"
    for bad in ("ftp://cdn.example/v.mp4", "cdn.example/v.mp4", "https://", "", None):
        with pytest.raises(InvalidInputError) as caught:
            http_url("media_url", bad)
        assert caught.value.allowed == "an absolute http:// or https:// URL"


def test_number_in_range() -> None:
    assert number_in_range("voice_anonymization", "0.5", minimum=0, maximum=1) == 0.5
    assert number_in_range("speakers_count", 3.0, minimum=1, integer=True) == 3
    cases = [
        ({"value": 1.5, "minimum": 1, "integer": True}, "a whole number >= 1"),
        ({"value": True, "minimum": 0}, "a number >= 0"),  # a bool is not a number here
        ({"value": "many", "minimum": 0}, "a number >= 0"),
        ({"value": 2, "minimum": 2, "exclusive_minimum": True}, "a number > 2"),
        ({"value": 1.01, "minimum": 0, "maximum": 1}, "a number >= 0 and <= 1"),
    ]
    for arguments, allowed in cases:
        with pytest.raises(InvalidInputError) as caught:
            number_in_range("x", **arguments)
        assert caught.value.allowed == allowed


def test_one_of() -> None:
    assert one_of("lips_model", "real_face", ["real_face", "real_face_turbo"]) == "real_face"
    with pytest.raises(InvalidInputError, match="allowed: real_face, real_face_turbo"):
        one_of("lips_model", "REAL_FACE", ["real_face", "real_face_turbo"])


def test_checks_gather_every_problem_before_raising() -> None:
    checks = Checks()
    assert checks.run(http_url, "media_url", "https://x/v.mp4") == "https://x/v.mp4"
    assert checks.run(http_url, "media_url", "ftp://x/v.mp4") is None
    assert checks.run(number_in_range, "speakers_count", 0, minimum=1, integer=True) is None
    with checks.field():
        raise InvalidInputs([InvalidInputError("a", 1, "2"), InvalidInputError("b", 3, "4")])
    with pytest.raises(InvalidInputs) as caught:
        checks.raise_if_any()
    assert [error.field for error in caught.value.errors] == ["media_url", "speakers_count", "a", "b"]
    assert "media_url='ftp://x/v.mp4' is not allowed" in str(caught.value)

    single = Checks()
    single.add(InvalidInputError("end_time", 0, "a number > 0"))
    with pytest.raises(InvalidInputError):
        single.raise_if_any()
    Checks().raise_if_any()  # nothing wrong: nothing raised


# -- errors ------------------------------------------------------------------------------------------------
def test_vendor_errors_survive_pickling_with_every_field() -> None:
    """Airflow ships exceptions between processes: the vendor's code and words must arrive intact."""
    for error in (
        VendorError("panjaya", "slow down", status_code=429, code="rate", retryable=True, retry_after=2.0),
        VendorJobFailed("panjaya", "asset failed", code="missing_audio_track"),
    ):
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(copy) is type(error)
        assert vars(copy) == vars(error)
        assert str(copy) == str(error)
    assert str(VendorError("akool", "no", status_code=200, code=1003)) == "akool HTTP 200 code 1003: no"


def test_vendor_response_error_clips_a_huge_answer() -> None:
    error = VendorResponseError("panjaya", "asset", "x" * 5000)
    assert error.details == "x" * 5000
    assert len(error.message) < 2100
    assert error.message.endswith("(5000 characters)")


def test_vendor_response_error_keeps_signed_link_queries_out_of_its_message() -> None:
    signed = "https://cdn.example/v1.mp4?X-Amz-Signature=SECRETSIG&X-Amz-Credential=AKIA"
    raw = {"id": "v1", "progress": "n/a", "result_url": signed}
    error = VendorResponseError("panjaya", "version", raw)
    assert "SECRETSIG" not in str(error)
    assert "https://cdn.example/v1.mp4?<redacted>" in error.message
    assert error.details == raw  # the raw answer itself is kept for code, not shown
    # The same through a model parse that fails on another field of an answer carrying the link.
    from video_localization.panjaya.models import Version, parse

    with pytest.raises(VendorResponseError) as caught:
        parse(Version, {"id": "v1", "locale": "fr-FR", "status": "Completed", **raw}, "version")
    assert "SECRETSIG" not in str(caught.value)
    assert "progress" in str(caught.value)


def test_submit_once_without_a_state_store_still_looks_up_by_reference() -> None:
    submitted: list[str] = []
    result = submit_once(
        {"ti": None},
        state_key="job",
        reference="vloc-1",
        submit=lambda: submitted.append("new") or "job-new",
        find_existing=lambda reference: "job-old" if reference == "vloc-1" else None,
    )
    assert (result.job_id, result.how, result.reused) == ("job-old", "vendor_lookup", True)
    assert submitted == []


def test_submit_once_does_not_reattach_to_an_unusable_job() -> None:
    class Store(dict):
        def set(self, key: str, value: str, retention: timedelta | None = None) -> None:
            self[key] = value

    store = Store(job="job-failed")
    result = submit_once(
        {"task_state_store": store},
        state_key="job",
        reference="vloc-1",
        submit=lambda: "job-new",
        is_reusable=lambda job_id: job_id != "job-failed",
    )
    assert (result.job_id, result.how) == ("job-new", "submitted")
    assert store == {"job": "job-new"}


# -- the provider's declaration ------------------------------------------------------------------------------
def test_provider_info_declares_five_connection_types_as_data() -> None:
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-video-localization"
    schema_path = Path(airflow.__file__).parent / "provider_info.schema.json"
    jsonschema.validate(info, json.loads(schema_path.read_text()))
    types = {entry["connection-type"]: entry for entry in info["connection-types"]}
    assert set(types) == {"panjaya", "akool", "rev", "cdnvideo", "blendvision"}
    for entry in types.values():
        assert entry["conn-fields"], entry["connection-type"]
        behaviour = entry["ui-field-behaviour"]
        assert {"hidden-fields", "relabeling", "placeholders"} <= set(behaviour)
        for field in entry["conn-fields"].values():
            assert field["label"] and field["schema"]["type"]


def test_the_panjaya_entries_point_at_importable_classes() -> None:
    info = get_provider_info()
    [panjaya] = [entry for entry in info["connection-types"] if entry["connection-type"] == "panjaya"]
    module, _, name = panjaya["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module), name)
    assert (hook.conn_type, hook.hook_name, hook.default_conn_name) == (
        "panjaya",
        panjaya["hook-name"],
        "panjaya_default",
    )
    assert set(panjaya["conn-fields"]) == {"callback_url", "callback_public_key"}
    assert panjaya["ui-field-behaviour"]["relabeling"]["password"] == "API key"
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert getattr(importlib.import_module(module), name)().name


def test_the_provider_is_registered_through_its_entry_point() -> None:
    [entry] = [
        e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("video_localization")
    ]
    assert entry.load() is get_provider_info
