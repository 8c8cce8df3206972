"""BlendVisionHook against the BlendVision sandbox: every endpoint, auth, and every error shape.

The hook reads `blendvision_default` from the environment (fixture `bv_conn`), so these are also
examples of what a DAG author gets back from each call.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import pickle
from datetime import UTC, datetime

import httpx
import pytest

from blendvision_support import (
    BlendVisionObjects,
    connection_json,
)
from video_localization.blendvision.decimal import Decimal
from video_localization.blendvision.errors import BlendVisionError, GrpcCode, rpc_error, storage_error
from video_localization.blendvision.hook import BlendVisionHook
from video_localization.blendvision.models import (
    CompletedPart,
    DubbingJob,
    DubbingStatus,
    FileType,
    Interval,
    parse,
)
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.blendvision.constants import ERROR_DOMAIN
from video_localization_dev.sandbox.server import RunningSandbox
from video_localization_dev.sandbox.state import Fault
from vloc_test_support import FAST_RETRY

SAMPLE = (media_dir() / "sample.mp4").read_bytes()
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def rpc(caught: pytest.ExceptionInfo[BlendVisionError], status: int, code: GrpcCode, reason: str) -> None:
    """The google.rpc.Status of an error, read into the exception: HTTP status, gRPC code, ErrorInfo."""
    error = caught.value
    assert isinstance(error, BlendVisionError)
    assert (error.status_code, error.grpc_code, error.grpc_status) == (status, code, code.name)
    assert (error.reason, error.code) == (reason, reason)
    assert error.error_info is not None and error.error_info.domain == ERROR_DOMAIN
    assert f"{code.name} ({int(code)})" in str(error) and reason in str(error)


def put_all(bv: BlendVisionObjects, file_id: str, parts: list, data: bytes, size: int) -> list[CompletedPart]:
    done = []
    for index, part in enumerate(parts):
        chunk = data[index * size : (index + 1) * size]
        done.append(
            CompletedPart(
                part_number=part.part_number, etag=bv.hook.upload_part(part.presigned_url, chunk, len(chunk))
            )
        )
    return done


# -- library: upload, complete, download -----------------------------------------------------------------
def test_create_upload_announces_a_file_and_answers_presigned_parts(bv: BlendVisionObjects) -> None:
    file = bv.hook.create_upload("launch.mp4", len(SAMPLE))
    assert file.name == "launch.mp4" and file.size == len(SAMPLE)  # int64 comes as a string, read as int
    assert (file.type, file.source) == ("FILE_TYPE_VIDEO", "FILE_SOURCE_ADD_VOD")
    assert file.upload_data is not None and len(file.upload_data.parts) == 1  # up to 100 MB: one part
    assert file.upload_data.parts[0].presigned_url.startswith(bv.sandbox.url)
    audio = bv.hook.create_upload("voice.m4a", 10, FileType.AUDIO)
    assert (audio.type, audio.source) == ("FILE_TYPE_AUDIO", "FILE_SOURCE_ADD_AOD")
    assert bv.created("file") == 2


def test_multipart_upload_complete_and_download_round_trip(bv: BlendVisionObjects) -> None:
    bv.upload_settings(part_size_bytes=50_000)
    file = bv.hook.create_upload("sample.mp4", len(SAMPLE))
    assert file.upload_data is not None
    parts = file.upload_data.ordered_parts()
    assert [p.part_number for p in parts] == [1, 2, 3]
    completed = put_all(bv, file.id, parts, SAMPLE, 50_000)
    assert all(p.etag.startswith('"') for p in completed)  # S3 quotes ETags; sent back as given
    checksum = base64.b64encode(hashlib.sha1(SAMPLE, usedforsecurity=False).digest()).decode()
    done = bv.hook.complete_upload(file.id, file.upload_data.id, list(reversed(completed)), checksum)
    assert done.id == file.id
    again = bv.hook.complete_upload(file.id, file.upload_data.id, completed)  # idempotent repeat
    assert again.id == file.id

    link = bv.hook.get_download_link(file.id)
    assert (link.id, link.download_filename) == (file.id, "sample.mp4")
    assert link.expiration_time is not None and link.expiration_time > datetime.now(UTC)
    assert httpx.get(link.download_uri).content == SAMPLE
    assert bv.requests_to("PUT /blendvision/_storage/uploads/{upload_id}/parts/{part_number}") == 3


def test_complete_upload_errors_name_the_part_and_reason(bv: BlendVisionObjects) -> None:
    bv.upload_settings(part_size_bytes=100_000)
    file = bv.hook.create_upload("sample.mp4", len(SAMPLE))
    assert file.upload_data is not None
    p1, p2 = file.upload_data.ordered_parts()
    etag1 = bv.hook.upload_part(p1.presigned_url, SAMPLE[:100_000], 100_000)
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.complete_upload(file.id, file.upload_data.id, [CompletedPart(part_number=1, etag=etag1)])
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "UPLOAD_PART_MISSING")
    assert caught.value.error_info.metadata == {"partNumber": "2"}  # type: ignore[union-attr]

    etag2 = bv.hook.upload_part(p2.presigned_url, SAMPLE[100_000:], len(SAMPLE) - 100_000)
    good = [CompletedPart(part_number=1, etag=etag1), CompletedPart(part_number=2, etag=etag2)]
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.complete_upload(
            file.id, file.upload_data.id, [good[0], CompletedPart(part_number=2, etag='"00"')]
        )
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "UPLOAD_ETAG_MISMATCH")
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.complete_upload(file.id, "another-upload", good)
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "UPLOAD_ID_MISMATCH")
    assert [v.field for v in caught.value.field_violations] == ["complete_data.id"]
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.complete_upload(file.id, file.upload_data.id, good, base64.b64encode(b"x" * 20).decode())
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "UPLOAD_CHECKSUM_MISMATCH")
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.get_download_link(file.id)  # not completed yet
    rpc(caught, 400, GrpcCode.FAILED_PRECONDITION, "FILE_UPLOAD_NOT_COMPLETED")
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.complete_upload(UNKNOWN_ID, file.upload_data.id, good)
    rpc(caught, 404, GrpcCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    assert caught.value.not_found


def test_a_part_smaller_than_an_even_split_is_refused(bv: BlendVisionObjects) -> None:
    """The answer gives URLs, not sizes: parts other than the last must hold >= ceil(size / parts)."""
    bv.upload_settings(part_size_bytes=100_000)
    file = bv.hook.create_upload("sample.mp4", len(SAMPLE))
    assert file.upload_data is not None
    p1, p2 = file.upload_data.ordered_parts()
    short = [
        CompletedPart(part_number=1, etag=bv.hook.upload_part(p1.presigned_url, SAMPLE[:1000], 1000)),
        CompletedPart(
            part_number=2, etag=bv.hook.upload_part(p2.presigned_url, SAMPLE[1000:], len(SAMPLE) - 1000)
        ),
    ]
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.complete_upload(file.id, file.upload_data.id, short)
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "UPLOAD_SIZE_MISMATCH")
    assert caught.value.error_info.metadata["minimumBytes"] == str(-(-len(SAMPLE) // 2))  # type: ignore[union-attr]


def test_a_file_over_the_limit_is_refused_with_its_field(bv: BlendVisionObjects) -> None:
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_upload("huge.mp4", 400 * 1024 * 1024)
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "FILE_TOO_LARGE")
    assert [v.field for v in caught.value.field_violations] == ["file.size"]
    assert "fields: file.size: must be at most" in str(caught.value)
    assert bv.created("file") == 0


def test_storage_links_answer_like_s3(bv: BlendVisionObjects) -> None:
    file = bv.hook.create_upload("sample.mp4", len(SAMPLE))
    assert file.upload_data is not None
    forged = file.upload_data.parts[0].presigned_url.replace("signature=", "signature=0")
    with pytest.raises(VendorError) as caught:
        bv.hook.upload_part(forged, SAMPLE, len(SAMPLE))
    assert (caught.value.status_code, caught.value.code) == (403, "SignatureDoesNotMatch")
    assert "signature=" not in str(caught.value)  # a signed link is a credential: never in a message
    assert not caught.value.retryable


def test_download_link_of_an_unknown_file_is_not_found(bv: BlendVisionObjects) -> None:
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.get_download_link(UNKNOWN_ID)
    rpc(caught, 404, GrpcCode.NOT_FOUND, "RESOURCE_NOT_FOUND")


# -- dubbing jobs ----------------------------------------------------------------------------------------
def test_create_then_get_a_dubbing_job_until_it_succeeds(bv: BlendVisionObjects) -> None:
    source = bv.upload()
    interval = Interval.of(Decimal.parse("+.5"), Decimal.parse("6.250"))
    created = bv.hook.create_dubbing_job(bv.request(source.file_id, "ja-JP", interval=interval))
    assert created.status is DubbingStatus.CREATED
    assert (created.source_id, created.source_lang_code, created.lang_code) == (
        source.file_id,
        "en-US",
        "ja-JP",
    )
    assert created.output_file_id is None and created.error_infos == []
    assert created.interval_sec is not None
    assert created.interval_sec.model_dump(mode="json") == {
        "start": {"value": "0.5"},
        "end": {"value": "6.250"},
    }

    seen = {bv.hook.get_dubbing_job(created.id).status}
    job = bv.wait_job(created.id)
    seen.add(job.status)
    assert job.status is DubbingStatus.SUCCEEDED and job.output_file_id
    assert DubbingStatus.SUCCEEDED in seen
    assert bv.created("dubbing_job") == 1
    link = bv.hook.get_download_link(job.output_file_id)
    assert link.download_filename == "sample.ja-JP.mp4"


def test_a_client_chosen_id_is_kept_and_a_repeat_is_already_exists(bv: BlendVisionObjects) -> None:
    source = bv.upload()
    request = bv.request(source.file_id, job_id="vloc-0123456789abcdef0123-1")
    job = bv.hook.create_dubbing_job(request)
    assert job.id == "vloc-0123456789abcdef0123-1"
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(request)
    rpc(caught, 409, GrpcCode.ALREADY_EXISTS, "DUBBING_JOB_ALREADY_EXISTS")
    assert caught.value.already_exists

    again, created = bv.hook.ensure_dubbing_job(request)  # 409 -> GET: the same job, nothing new
    assert (again.id, created) == (job.id, False)
    assert bv.created("dubbing_job") == 1
    other = bv.request(source.file_id, "de-DE", job_id=request.id)
    with pytest.raises(VendorError, match="already exists for another request") as conflict:
        bv.hook.ensure_dubbing_job(other)
    assert conflict.value.code == "DUBBING_JOB_ID_CONFLICT"
    with pytest.raises(ValueError, match="client-chosen"):
        bv.hook.ensure_dubbing_job(bv.request(source.file_id))


def test_create_errors_carry_field_violations(bv: BlendVisionObjects) -> None:
    source = bv.upload()
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(bv.request(source.file_id, "fr_FR", source_lang_code="english"))
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "FIELD_VIOLATION")
    assert [v.field for v in caught.value.field_violations] == [
        "dubbing_job.source_lang_code",
        "dubbing_job.outputs[0].lang_code",
    ]
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(bv.request(source.file_id, "en-US"))
    assert "must differ from dubbing_job.source_lang_code" in str(caught.value)

    fine = Interval.of(Decimal.parse("1.0005"), Decimal.parse("2"))
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(bv.request(source.file_id, interval=fine))
    assert [v.field for v in caught.value.field_violations] == ["dubbing_job.interval_sec.start.value"]

    beyond = Interval.of(Decimal.parse("1"), Decimal.parse("9.5"))  # the sample lasts 8 s
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(bv.request(source.file_id, interval=beyond))
    rpc(caught, 400, GrpcCode.INVALID_ARGUMENT, "INTERVAL_OUT_OF_RANGE")
    assert "sourceDurationSec" in caught.value.error_info.metadata  # type: ignore[union-attr]

    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(bv.request(UNKNOWN_ID))
    rpc(caught, 404, GrpcCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    pending = bv.hook.create_upload("pending.mp4", 10)
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.create_dubbing_job(bv.request(pending.id))
    rpc(caught, 400, GrpcCode.FAILED_PRECONDITION, "FILE_UPLOAD_NOT_COMPLETED")
    assert bv.created("dubbing_job") == 0


@pytest.mark.parametrize(
    ("media", "source_type", "reason"),
    [
        ("sample_silent.mp4", "DUBBING_SOURCE_TYPE_VIDEO", "NO_SPEECH_DETECTED"),
        ("sample_no_audio.mp4", "DUBBING_SOURCE_TYPE_VIDEO", "SOURCE_AUDIO_MISSING"),
        ("sample_audio_only.mp4", "DUBBING_SOURCE_TYPE_VIDEO", "SOURCE_VIDEO_MISSING"),
    ],
)
def test_a_failed_job_carries_its_error_infos(
    bv: BlendVisionObjects, media: str, source_type: str, reason: str
) -> None:
    job = bv.wait_job(bv.job(media, source_type=source_type).id)
    assert job.status is DubbingStatus.FAILED and job.output_file_id is None
    (info,) = job.error_infos
    assert (info.reason, info.domain) == (reason, ERROR_DOMAIN)
    assert info.metadata["sourceType"] == source_type
    assert job.failure_text() == info.describe()
    assert info.describe().startswith(f"{reason} [{ERROR_DOMAIN}] {{")


def test_get_an_unknown_job_is_not_found(bv: BlendVisionObjects) -> None:
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.get_dubbing_job("no-such-job")
    rpc(caught, 404, GrpcCode.NOT_FOUND, "RESOURCE_NOT_FOUND")


def test_list_pages_filters_and_iter_walks_every_page(bv: BlendVisionObjects) -> None:
    source = bv.upload()
    ids = [
        bv.hook.create_dubbing_job(bv.request(source.file_id, tag)).id for tag in ("fr-FR", "de-DE", "ja-JP")
    ]
    first = bv.hook.list_dubbing_jobs(1, 2)
    second = bv.hook.list_dubbing_jobs(2, 2)
    assert [j.id for j in first.dubbing_jobs] == ids[::-1][:2]  # newest first
    assert [j.id for j in second.dubbing_jobs] == ids[::-1][2:]
    assert (first.page.current_page, first.page.items_per_page, first.page.total_items) == (1, 2, 3)
    assert [j.id for j in bv.hook.iter_dubbing_jobs(source_id=source.file_id)] == ids[::-1]
    assert list(bv.hook.iter_dubbing_jobs(source_id=UNKNOWN_ID)) == []
    bv.wait_job(ids[-1])
    succeeded = bv.hook.list_dubbing_jobs(status="DUBBING_STATUS_SUCCEEDED", items_per_page=100)
    assert ids[-1] in {j.id for j in succeeded.dubbing_jobs}
    with pytest.raises(VendorResponseError, match="DubbingStatus"):
        bv.hook.list_dubbing_jobs(status="DONE")  # refused before the call
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.list_dubbing_jobs(-1, 500)  # (0 is proto3 "unset", i.e. page 1)
    assert [v.field for v in caught.value.field_violations] == ["current_page", "items_per_page"]


def test_async_get_reads_the_same_job(bv: BlendVisionObjects) -> None:
    job = bv.job()
    fetched = asyncio.run(BlendVisionHook().aget_dubbing_job(job.id))
    assert (fetched.id, fetched.lang_code) == (job.id, "fr-FR")


# -- auth ------------------------------------------------------------------------------------------------
def test_requests_carry_the_token_and_the_organization(bv_hook: BlendVisionHook) -> None:
    headers = bv_hook.auth_headers()
    assert headers["Authorization"] == "Bearer bv-sandbox-api-token"
    assert headers["x-bv-org-id"] == "5f0e3c1a-8b2d-4c6e-9a7f-b1e0d5c0ffee"


@pytest.mark.parametrize(
    ("token", "org_id", "status", "code", "reason"),
    [
        (
            "wrong-token",
            "5f0e3c1a-8b2d-4c6e-9a7f-b1e0d5c0ffee",
            401,
            GrpcCode.UNAUTHENTICATED,
            "API_TOKEN_INVALID",
        ),
        ("bv-sandbox-api-token", "another-org", 403, GrpcCode.PERMISSION_DENIED, "ORG_ID_MISMATCH"),
    ],
)
def test_bad_credentials_are_refused_by_the_vendor(
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
    org_id: str,
    status: int,
    code: GrpcCode,
    reason: str,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_BV_BAD", connection_json(sandbox, token, org_id))
    hook = BlendVisionHook("bv_bad", retry=FAST_RETRY)
    with pytest.raises(BlendVisionError) as caught:
        hook.get_dubbing_job("x")
    rpc(caught, status, code, reason)
    assert not caught.value.retryable
    ok, message = hook.test_connection()
    assert not ok and reason in message


@pytest.mark.parametrize(
    ("token", "org_id", "words"), [("", "org", "no API token"), ("token", None, "no organization id")]
)
def test_missing_credentials_fail_before_any_call(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, token: str, org_id: str | None, words: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_BV_EMPTY", connection_json(sandbox, token, org_id))
    with pytest.raises(VendorError, match=words):
        BlendVisionHook("bv_empty").get_dubbing_job("x")
    assert sandbox.counters()["requests_by_vendor"].get("blendvision", 0) == 0


def test_test_connection_reports_the_organization(bv: BlendVisionObjects) -> None:
    bv.job()
    ok, message = bv.hook.test_connection()
    assert (
        ok and "organization 5f0e3c1a-8b2d-4c6e-9a7f-b1e0d5c0ffee" in message and "1 dubbing jobs" in message
    )


# -- retries ---------------------------------------------------------------------------------------------
def test_reads_are_retried_on_unavailable(bv: BlendVisionObjects) -> None:
    job = bv.job()
    bv.sandbox.sandbox.add_fault(Fault(vendor="blendvision", status=503, times=2, method="GET"))
    assert bv.hook.get_dubbing_job(job.id).id == job.id
    assert bv.requests_to("GET /blendvision/bv/cms/v1/dubbing-jobs/{job_id}") == 3


def test_a_create_without_id_is_not_resent_after_a_500(bv: BlendVisionObjects) -> None:
    source = bv.upload()
    bv.sandbox.sandbox.add_fault(
        Fault(
            vendor="blendvision", status=500, method="POST", path_prefix="/blendvision/bv/cms/v1/dubbing-jobs"
        )
    )
    with pytest.raises(VendorError) as caught:
        bv.hook.create_dubbing_job(bv.request(source.file_id))
    assert (caught.value.status_code, caught.value.code) == (500, "INTERNAL")  # a Status without ErrorInfo
    assert bv.requests_to("POST /blendvision/bv/cms/v1/dubbing-jobs") == 1


def test_a_create_with_a_client_id_is_idempotent_so_it_is_resent(bv: BlendVisionObjects) -> None:
    source = bv.upload()
    bv.sandbox.sandbox.add_fault(
        Fault(
            vendor="blendvision", status=500, method="POST", path_prefix="/blendvision/bv/cms/v1/dubbing-jobs"
        )
    )
    job = bv.hook.create_dubbing_job(bv.request(source.file_id, job_id="vloc-resent-1"))
    assert job.id == "vloc-resent-1"
    assert bv.requests_to("POST /blendvision/bv/cms/v1/dubbing-jobs") == 2
    assert bv.created("dubbing_job") == 1


def test_part_uploads_are_retried_and_the_body_is_read_again(
    bv: BlendVisionObjects, caplog: pytest.LogCaptureFixture
) -> None:
    bv.upload_settings(part_size_bytes=60_000)
    bv.sandbox.sandbox.add_fault(
        Fault(vendor="blendvision", status=503, method="PUT", path_prefix="/blendvision/_storage/uploads")
    )
    uploaded = bv.upload()
    assert uploaded.parts == 3
    link = bv.hook.get_download_link(uploaded.file_id)
    assert httpx.get(link.download_uri).content == SAMPLE  # the retried part was sent whole
    assert bv.requests_to("PUT /blendvision/_storage/uploads/{upload_id}/parts/{part_number}") == 4
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert retries and all("?<redacted>" in m and "signature=" not in m for m in retries)  # a link is a key


# -- error parsing ---------------------------------------------------------------------------------------
def test_error_parsing_of_odd_bodies() -> None:
    request = httpx.Request("GET", "https://api.one.blendvision.com/bv/cms/v1/x")
    html = rpc_error(httpx.Response(502, text="<html>bad gateway</html>", request=request))
    assert type(html) is VendorError and "bad gateway" in str(html)
    unavailable = rpc_error(httpx.Response(503, json={"code": 14, "message": "try later"}, request=request))
    assert isinstance(unavailable, BlendVisionError)
    assert (unavailable.code, unavailable.retryable, unavailable.reason) == ("UNAVAILABLE", True, None)
    odd = rpc_error(httpx.Response(400, json={"code": 99, "message": "new"}, request=request))
    assert odd.code == "CODE_99"
    storage = storage_error(httpx.Response(403, text="not xml", request=request))
    assert storage.code is None and "not xml" in str(storage)


def test_a_blendvision_error_survives_pickling(bv: BlendVisionObjects) -> None:
    with pytest.raises(BlendVisionError) as caught:
        bv.hook.get_dubbing_job("no-such-job")
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 (our own bytes)
    assert type(copy) is BlendVisionError
    assert (copy.grpc_code, copy.reason, str(copy)) == (5, "RESOURCE_NOT_FOUND", str(caught.value))


def test_an_unknown_status_word_fails_loudly() -> None:
    raw = {
        "id": "j",
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": "f",
        "source_lang_code": "en",
        "outputs": [{"lang_code": "fr"}],
        "status": "DUBBING_STATUS_PAUSED",
    }
    with pytest.raises(VendorResponseError, match="DUBBING_STATUS_PAUSED"):
        parse(DubbingJob, raw, "dubbing job")
