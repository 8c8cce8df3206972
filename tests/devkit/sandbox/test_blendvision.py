"""The BlendVision One emulator: auth, library uploads and downloads, dubbing jobs, errors, decimals."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox_clock import StandingClock
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.blendvision.constants import (
    ERROR_DOMAIN,
    SANDBOX_API_TOKEN,
    SANDBOX_ORG_ID,
)
from video_localization_dev.sandbox.blendvision.decimal_string import (
    DecimalSyntaxError,
    parse_decimal_string,
)
from video_localization_dev.sandbox.blendvision.iso_codes import lang_code_problem

HEADERS = {"Authorization": f"Bearer {SANDBOX_API_TOKEN}", "x-bv-org-id": SANDBOX_ORG_ID}
SAMPLE = (media_dir() / "sample.mp4").read_bytes()  # 8 s, video + English speech
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z")


# -- helpers ------------------------------------------------------------------------------------------
@pytest.fixture
def client(sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{sandbox.vendor_url('blendvision')}/bv/cms/v1", headers=HEADERS, timeout=10
    ) as c:
        yield c


def media(name: str) -> bytes:
    return (media_dir() / name).read_bytes()


def assert_rpc_error(response: httpx.Response, status: int, code: int, reason: str | None = None) -> dict:
    """The google.rpc.Status shape: code, message, details with an ErrorInfo."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    info = body["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["domain"] == ERROR_DOMAIN
    assert re.fullmatch(r"[A-Z][A-Z0-9_]+[A-Z0-9]", info["reason"])
    if reason is not None:
        assert info["reason"] == reason
    return body


def violated_fields(body: dict) -> list[str]:
    for detail in body["details"]:
        if detail["@type"] == "type.googleapis.com/google.rpc.BadRequest":
            return [v["field"] for v in detail["field_violations"]]
    return []


def start_upload(
    client: httpx.Client, size: int, name: str = "sample.mp4", kind: str = "FILE_TYPE_VIDEO"
) -> dict:
    source = "FILE_SOURCE_ADD_VOD" if kind == "FILE_TYPE_VIDEO" else "FILE_SOURCE_ADD_AOD"
    response = client.post(
        "/library/files:upload", json={"file": {"type": kind, "source": source, "name": name, "size": size}}
    )
    assert response.status_code == 200, response.text
    return response.json()["file"]


def put_parts(file: dict, data: bytes, part_size: int | None = None) -> list[dict]:
    """PUT each part's byte range to its presigned URL; answer the complete_data.parts list."""
    parts = sorted(file["upload_data"]["parts"], key=lambda p: p["part_number"])
    size = part_size or len(data)
    listed = []
    for index, part in enumerate(parts):
        chunk = data[index * size : (index + 1) * size] if len(parts) > 1 else data
        response = httpx.put(part["presigned_url"], content=chunk, timeout=10)
        assert response.status_code == 200, response.text
        listed.append({"part_number": part["part_number"], "etag": response.headers["ETag"]})
    return listed


def complete(client: httpx.Client, file: dict, parts: list[dict], **extra: Any) -> httpx.Response:
    body = {"complete_data": {"id": file["upload_data"]["id"], "parts": parts, **extra}}
    return client.post(f"/library/files/{file['id']}:complete-upload", json=body)


def upload(client: httpx.Client, data: bytes, name: str = "sample.mp4", kind: str = "FILE_TYPE_VIDEO") -> str:
    file = start_upload(client, len(data), name, kind)
    response = complete(client, file, put_parts(file, data))
    assert response.status_code == 200, response.text
    return file["id"]


def job_body(source_id: str, /, **overrides: Any) -> dict:
    job = {
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": source_id,
        "source_lang_code": "en",
        "outputs": [{"lang_code": "ja-JP"}],
    }
    job.update(overrides)
    return {"dubbing_job": {k: v for k, v in job.items() if v is not ...}}


def create_job(client: httpx.Client, source_id: str, /, **overrides: Any) -> dict:
    response = client.post("/dubbing-jobs", json=job_body(source_id, **overrides))
    assert response.status_code == 200, response.text
    return response.json()["dubbing_job"]


def wait_terminal(client: httpx.Client, job_id: str, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/dubbing-jobs/{job_id}").json()["dubbing_job"]
        if job["status"] in ("DUBBING_STATUS_SUCCEEDED", "DUBBING_STATUS_FAILED"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.03)


def download(client: httpx.Client, file_id: str) -> tuple[dict, bytes]:
    response = client.post(f"/library/files/{file_id}:download", json={})
    assert response.status_code == 200, response.text
    link = response.json()
    got = httpx.get(link["download_uri"], timeout=10)
    assert got.status_code == 200, got.text
    return link, got.content


# -- the Decimal grammar ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("2.5", "2.5"),
        ("+2.5", "2.5"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("+.5", "0.5"),
        ("2.5E8", "2.5e8"),
        ("2.5e8", "2.5e8"),
        ("2.5e0", "2.5"),
        ("2.5E+0", "2.5"),
        ("2.5e-000", "2.5"),
        ("2.5e-1", "2.5e-1"),
        ("2.5E+3", "2.5e+3"),
        ("1e3", "1e3"),
        ("5.", "5."),
        ("5.e2", "5.e2"),
        ("0", "0"),
        ("-0", "-0"),
        ("007", "007"),
        ("1.50", "1.50"),
        ("+0.000", "0.000"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
    ],
)
def test_decimal_accepts_and_normalizes(text: str, normalized: str) -> None:
    parsed = parse_decimal_string(text)
    assert parsed.normalized == normalized
    assert parsed.value == Decimal(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "+",
        "-",
        ".",
        "+.",
        "-.",
        "e5",
        ".e5",
        "+e1",
        "1e",
        "1E",
        "1e+",
        "1e-",
        "1.5.2",
        "1..5",
        "1,5",
        "1,000",
        "1,000.5",
        "1.000,5",
        "1 000",
        "1_000",
        "1'000",
        " 1",
        "1 ",
        "1\n",
        "\t1",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "0x10",
        "\u0661",  # ARABIC-INDIC DIGIT ONE
        "1\u0662",
        "\u00bd",
        "1.5e2.0",
        "1e2e3",
        "--1",
        "+-1",
        "-+1",
        "1e--1",
        "1d5",
        "1.5f",
        "2.5 e8",
        "1" * 65,
    ],
)
def test_decimal_rejects(text: str) -> None:
    with pytest.raises(DecimalSyntaxError):
        parse_decimal_string(text)


@pytest.mark.parametrize("value", [2.5, 3, None, ["1"], {"value": "1"}, True])
def test_decimal_rejects_non_strings(value: object) -> None:
    with pytest.raises(DecimalSyntaxError, match="must be a string"):
        parse_decimal_string(value)


def test_decimal_error_messages_explain_the_problem() -> None:
    with pytest.raises(DecimalSyntaxError, match="thousands separators"):
        parse_decimal_string("1,000")
    with pytest.raises(DecimalSyntaxError, match=re.escape("only '.' separates")):
        parse_decimal_string("2,5")
    with pytest.raises(DecimalSyntaxError, match="at least one digit after 'e'"):
        parse_decimal_string("2e")
    with pytest.raises(DecimalSyntaxError, match="at least one digit in the integer or the fraction"):
        parse_decimal_string("-.")


# An independent statement of the grammar, to hold the scanner against.
_ORACLE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|[0-9]*\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="0123456789+-.eE, _x", max_size=12))
def test_decimal_scanner_matches_the_grammar(text: str) -> None:
    accepted = _ORACLE.fullmatch(text) is not None
    try:
        parsed = parse_decimal_string(text)
    except DecimalSyntaxError:
        assert not accepted, text
        return
    assert accepted, text
    assert parsed.value == Decimal(text)
    assert not parsed.normalized.startswith("+")
    assert "E" not in parsed.normalized
    assert not parsed.normalized.lstrip("-").startswith(".")
    assert parse_decimal_string(parsed.normalized).normalized == parsed.normalized


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_round_trips_python_decimals(value: Decimal) -> None:
    text = str(value)
    if len(text) > 64:
        return
    assert parse_decimal_string(text).value == value


@pytest.mark.parametrize(
    ("text", "exceeds"),
    [
        ("1.234", False),
        ("1.2345", True),
        ("1.2340", False),
        ("1.234000000", False),
        ("1.234e-1", True),
        ("12345e-3", False),
        ("12345e-4", True),
        ("1e-999", True),
        ("0e-999", False),
        ("7", False),
        ("2.5e8", False),
    ],
)
def test_decimal_scale(text: str, exceeds: bool) -> None:
    assert parse_decimal_string(text).scale_exceeds(3) is exceeds


@pytest.mark.parametrize("code", ["en", "en-US", "zh-TW", "pt-BR", "ja", "es-MX", "yo-NG"])
def test_lang_codes_accepted(code: str) -> None:
    assert lang_code_problem(code) is None


@pytest.mark.parametrize(
    "code", ["EN", "en-us", "en_US", "eng", "zh-Hant", "es-419", "xx", "qq-US", "en-XX", "en-", "-US", "", 5]
)
def test_lang_codes_rejected(code: object) -> None:
    assert lang_code_problem(code)


# -- auth ----------------------------------------------------------------------------------------------
_CALLS = [
    ("POST", "/library/files:upload", {"file": {}}),
    ("POST", "/library/files/x:complete-upload", {}),
    ("POST", "/library/files/x:download", {}),
    ("POST", "/dubbing-jobs", {}),
    ("GET", "/dubbing-jobs/x", None),
    ("GET", "/dubbing-jobs", None),
]


@pytest.mark.parametrize(("method", "path", "body"), _CALLS)
@pytest.mark.parametrize(
    ("headers", "status", "code", "reason"),
    [
        ({}, 401, 16, "API_TOKEN_MISSING"),
        ({"x-bv-org-id": SANDBOX_ORG_ID}, 401, 16, "API_TOKEN_MISSING"),
        ({"Authorization": "Basic abc", "x-bv-org-id": SANDBOX_ORG_ID}, 401, 16, "API_TOKEN_INVALID"),
        ({"Authorization": "Bearer wrong", "x-bv-org-id": SANDBOX_ORG_ID}, 401, 16, "API_TOKEN_INVALID"),
        ({"Authorization": "Bearer", "x-bv-org-id": SANDBOX_ORG_ID}, 401, 16, "API_TOKEN_INVALID"),
        ({"Authorization": f"Bearer {SANDBOX_API_TOKEN}"}, 403, 7, "ORG_ID_MISSING"),
        (
            {"Authorization": f"Bearer {SANDBOX_API_TOKEN}", "x-bv-org-id": "other-org"},
            403,
            7,
            "ORG_ID_MISMATCH",
        ),
    ],
)
def test_auth_is_required_everywhere(sandbox, method, path, body, headers, status, code, reason) -> None:
    url = f"{sandbox.vendor_url('blendvision')}/bv/cms/v1{path}"
    response = httpx.request(method, url, json=body, headers=headers, timeout=10)
    assert_rpc_error(response, status, code, reason)


def test_bearer_scheme_is_case_insensitive(client: httpx.Client) -> None:
    response = client.get("/dubbing-jobs", headers={"Authorization": f"bearer {SANDBOX_API_TOKEN}"})
    assert response.status_code == 200


def test_unknown_api_path_is_not_found_in_status_shape(client: httpx.Client) -> None:
    assert_rpc_error(client.get("/nothing-here"), 404, 5, "RESOURCE_NOT_FOUND")
    assert_rpc_error(client.post("/library/files/abc:explode", json={}), 404, 5)
    assert_rpc_error(client.post("/library/files/abc", json={}), 404, 5)


# -- library: upload, complete, download ------------------------------------------------------------------
def test_single_part_upload_and_download(sandbox, client: httpx.Client) -> None:
    file = start_upload(client, len(SAMPLE))
    assert set(file) == {"id", "name", "type", "source", "size", "upload_data"}
    assert file["size"] == str(len(SAMPLE))
    assert (file["name"], file["type"], file["source"]) == (
        "sample.mp4",
        "FILE_TYPE_VIDEO",
        "FILE_SOURCE_ADD_VOD",
    )
    upload_data = file["upload_data"]
    assert upload_data["id"] and upload_data["id"] != file["id"]
    assert [p["part_number"] for p in upload_data["parts"]] == [1]
    assert "signature=" in upload_data["parts"][0]["presigned_url"]

    put = httpx.put(upload_data["parts"][0]["presigned_url"], content=SAMPLE, timeout=10)
    assert put.status_code == 200
    assert put.headers["ETag"] == f'"{hashlib.md5(SAMPLE, usedforsecurity=False).hexdigest()}"'

    # Not downloadable before it is completed.
    assert_rpc_error(
        client.post(f"/library/files/{file['id']}:download", json={}), 400, 9, "FILE_UPLOAD_NOT_COMPLETED"
    )

    done = complete(client, file, [{"part_number": 1, "etag": put.headers["ETag"]}])
    assert done.status_code == 200, done.text
    assert done.json() == {"file": {k: file[k] for k in ("id", "name", "type", "source", "size")}}

    link, data = download(client, file["id"])
    assert set(link) == {"id", "download_uri", "download_filename", "expiration_time"}
    assert link["id"] == file["id"]
    assert link["download_filename"] == "sample.mp4"
    assert RFC3339.fullmatch(link["expiration_time"])
    expires = datetime.strptime(link["expiration_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 0 < (expires - datetime.now(UTC)).total_seconds() <= sandbox.sandbox.settings.link_ttl_seconds + 1
    assert data == SAMPLE
    assert sandbox.counters()["created"] == {"blendvision:file": 1}


def test_multipart_upload_in_any_order(sandbox, client: httpx.Client) -> None:
    settings_url = f"{sandbox.vendor_url('blendvision')}/_sandbox/upload-settings"
    answer = httpx.post(settings_url, json={"part_size_bytes": 50_000, "multipart_threshold_bytes": 0}).json()
    assert answer == {"part_size_bytes": 50_000, "multipart_threshold_bytes": 0}
    file = start_upload(client, len(SAMPLE))
    parts = file["upload_data"]["parts"]
    assert [p["part_number"] for p in parts] == [1, 2, 3]
    etags = {}
    for part in reversed(parts):  # parts may travel in any order
        index = part["part_number"] - 1
        put = httpx.put(part["presigned_url"], content=SAMPLE[index * 50_000 : (index + 1) * 50_000])
        etags[part["part_number"]] = put.headers["ETag"]
    listed = [{"part_number": n, "etag": etags[n].strip('"')} for n in (3, 1, 2)]  # unquoted works too
    assert complete(client, file, listed).status_code == 200
    assert download(client, file["id"])[1] == SAMPLE


def test_parts_may_split_the_file_evenly_but_not_smaller(sandbox, client: httpx.Client) -> None:
    """The answer gives URLs, not sizes: any split whose parts but the last hold >= ceil(size / parts)."""
    settings_url = f"{sandbox.vendor_url('blendvision')}/_sandbox/upload-settings"
    httpx.post(settings_url, json={"part_size_bytes": 50_000, "multipart_threshold_bytes": 0})
    file = start_upload(client, len(SAMPLE))
    even = -(-len(SAMPLE) // 3)  # 47 830 bytes each
    assert complete(client, file, put_parts(file, SAMPLE, even)).status_code == 200
    assert download(client, file["id"])[1] == SAMPLE

    file = start_upload(client, len(SAMPLE))
    p1, p2, p3 = file["upload_data"]["parts"]
    cuts = [0, 1000, even + 1000, len(SAMPLE)]  # part 1 too small, part 2 larger: the total is right
    etags = [
        httpx.put(p["presigned_url"], content=SAMPLE[cuts[i] : cuts[i + 1]]).headers["ETag"]
        for i, p in enumerate((p1, p2, p3))
    ]
    listed = [{"part_number": n, "etag": etag} for n, etag in zip((1, 2, 3), etags, strict=True)]
    body = assert_rpc_error(complete(client, file, listed), 400, 3, "UPLOAD_SIZE_MISMATCH")
    assert body["details"][0]["metadata"] == {
        "partNumber": "1",
        "uploadedBytes": "1000",
        "minimumBytes": str(even),
    }


def test_default_part_layout_is_one_part_up_to_100_mb(client: httpx.Client) -> None:
    assert len(start_upload(client, 100_000_000)["upload_data"]["parts"]) == 1
    big = start_upload(client, 100_000_001)["upload_data"]["parts"]
    assert [p["part_number"] for p in big] == list(range(1, 21))  # 5 MiB parts


def test_complete_upload_errors(sandbox, client: httpx.Client) -> None:
    settings_url = f"{sandbox.vendor_url('blendvision')}/_sandbox/upload-settings"
    httpx.post(settings_url, json={"part_size_bytes": 100_000, "multipart_threshold_bytes": 0})
    file = start_upload(client, len(SAMPLE))
    p1, p2 = file["upload_data"]["parts"]
    etag1 = httpx.put(p1["presigned_url"], content=SAMPLE[:100_000]).headers["ETag"]

    body = assert_rpc_error(
        complete(client, file, [{"part_number": 1, "etag": etag1}]), 400, 3, "UPLOAD_PART_MISSING"
    )
    assert body["details"][0]["metadata"] == {"partNumber": "2"}
    never_put = [{"part_number": 1, "etag": etag1}, {"part_number": 2, "etag": "abc"}]
    assert_rpc_error(complete(client, file, never_put), 400, 3, "UPLOAD_PART_MISSING")

    short = httpx.put(p2["presigned_url"], content=SAMPLE[100_000:-1]).headers["ETag"]
    wrong_etag = [{"part_number": 1, "etag": '"0000"'}, {"part_number": 2, "etag": short}]
    assert_rpc_error(complete(client, file, wrong_etag), 400, 3, "UPLOAD_ETAG_MISMATCH")
    too_short = [{"part_number": 1, "etag": etag1}, {"part_number": 2, "etag": short}]
    assert_rpc_error(complete(client, file, too_short), 400, 3, "UPLOAD_SIZE_MISMATCH")

    # A part can be PUT again; the last upload wins.
    etag2 = httpx.put(p2["presigned_url"], content=SAMPLE[100_000:]).headers["ETag"]
    good = [{"part_number": 1, "etag": etag1}, {"part_number": 2, "etag": etag2}]
    assert_rpc_error(
        complete(client, file, good, checksum_sha1=base64.b64encode(b"x" * 20).decode()),
        400,
        3,
        "UPLOAD_CHECKSUM_MISMATCH",
    )
    assert_rpc_error(complete(client, file, good, checksum_sha1="not base64!"), 400, 3, "FIELD_VIOLATION")

    wrong_id = client.post(
        f"/library/files/{file['id']}:complete-upload", json={"complete_data": {"id": "other", "parts": good}}
    )
    assert violated_fields(assert_rpc_error(wrong_id, 400, 3, "UPLOAD_ID_MISMATCH")) == ["complete_data.id"]

    checksum = base64.b64encode(hashlib.sha1(SAMPLE, usedforsecurity=False).digest()).decode()
    assert complete(client, file, good, checksum_sha1=checksum).status_code == 200
    # Repeating the same completion is harmless; a different one is refused.
    assert complete(client, file, good).status_code == 200
    assert_rpc_error(
        complete(client, file, [good[0], {"part_number": 2, "etag": etag1}]),
        400,
        9,
        "FILE_UPLOAD_ALREADY_COMPLETED",
    )
    # The upload is closed: its part URLs no longer take data.
    closed = httpx.put(p1["presigned_url"], content=b"late")
    assert closed.status_code == 404 and "<Code>NoSuchUpload</Code>" in closed.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "complete_data"),
        ({"complete_data": {"parts": [{"part_number": 1, "etag": "x"}]}}, "complete_data.id"),
        ({"complete_data": {"id": "u"}}, "complete_data.parts"),
        ({"complete_data": {"id": "u", "parts": []}}, "complete_data.parts"),
        ({"complete_data": {"id": "u", "parts": [{"part_number": 1}]}}, "complete_data.parts[0].etag"),
        ({"complete_data": {"id": "u", "parts": [{"etag": "x"}]}}, "complete_data.parts[0].part_number"),
        (
            {"complete_data": {"id": "u", "parts": [{"part_number": 7, "etag": "x"}]}},
            "complete_data.parts[0].part_number",
        ),
        (
            {
                "complete_data": {
                    "id": "u",
                    "parts": [{"part_number": 1, "etag": "x"}, {"part_number": "1", "etag": "y"}],
                }
            },
            "complete_data.parts[1].part_number",
        ),
        (
            {"complete_data": {"id": "u", "parts": [{"part_number": 1, "etag": "x"}], "md5": "x"}},
            "complete_data.md5",
        ),
        ({"complete_data": {"id": "u", "parts": [{"part_number": 1, "etag": "x"}]}, "extra": 1}, "extra"),
    ],
)
def test_complete_upload_body_validation(client: httpx.Client, body: dict, field: str) -> None:
    file = start_upload(client, 10)
    response = client.post(f"/library/files/{file['id']}:complete-upload", json=body)
    assert field in violated_fields(assert_rpc_error(response, 400, 3, "FIELD_VIOLATION"))


def test_complete_and_download_unknown_file(client: httpx.Client) -> None:
    body = assert_rpc_error(
        client.post("/library/files/nope:complete-upload", json={}), 404, 5, "RESOURCE_NOT_FOUND"
    )
    assert body["details"][0]["metadata"] == {"resource": "file", "id": "nope"}
    assert_rpc_error(client.post("/library/files/nope:download", json={}), 404, 5, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "file"),
        ({"file": "x"}, "file"),
        ({"file": {"type": "FILE_TYPE_VIDEO", "source": "FILE_SOURCE_ADD_VOD", "size": 5}}, "file.name"),
        (
            {"file": {"type": "FILE_TYPE_VIDEO", "source": "FILE_SOURCE_ADD_VOD", "name": "a.mp4"}},
            "file.size",
        ),
        (
            {"file": {"type": "FILE_TYPE_VIDEO", "source": "FILE_SOURCE_ADD_VOD", "name": "a", "size": 0}},
            "file.size",
        ),
        (
            {
                "file": {
                    "type": "FILE_TYPE_VIDEO",
                    "source": "FILE_SOURCE_ADD_VOD",
                    "name": "a",
                    "size": "ten",
                }
            },
            "file.size",
        ),
        (
            {"file": {"type": "FILE_TYPE_VIDEO", "source": "FILE_SOURCE_ADD_VOD", "name": "a", "size": 1.5}},
            "file.size",
        ),
        ({"file": {"source": "FILE_SOURCE_ADD_VOD", "name": "a", "size": 5}}, "file.type"),
        (
            {
                "file": {
                    "type": "FILE_TYPE_UNSPECIFIED",
                    "source": "FILE_SOURCE_ADD_VOD",
                    "name": "a",
                    "size": 5,
                }
            },
            "file.type",
        ),
        ({"file": {"type": "FILE_TYPE_VIDEO", "name": "a", "size": 5}}, "file.source"),
        (
            {
                "file": {
                    "type": "FILE_TYPE_VIDEO",
                    "source": "FILE_SOURCE_ADD_VOD",
                    "name": "a",
                    "size": 5,
                    "x": 1,
                }
            },
            "file.x",
        ),
    ],
)
def test_upload_body_validation(sandbox, client: httpx.Client, body: dict, field: str) -> None:
    response = client.post("/library/files:upload", json=body)
    assert field in violated_fields(assert_rpc_error(response, 400, 3, "FIELD_VIOLATION"))
    assert sandbox.counters()["created"] == {}


def test_upload_size_as_int64_string_and_limits(sandbox, client: httpx.Client) -> None:
    ok = client.post(
        "/library/files:upload",
        json={
            "file": {
                "type": "FILE_TYPE_AUDIO",
                "source": "FILE_SOURCE_ADD_AOD",
                "name": "a.m4a",
                "size": "1234",
            }
        },
    )
    assert ok.status_code == 200 and ok.json()["file"]["size"] == "1234"
    limit = sandbox.sandbox.settings.max_upload_bytes
    too_big = client.post(
        "/library/files:upload",
        json={
            "file": {
                "type": "FILE_TYPE_VIDEO",
                "source": "FILE_SOURCE_ADD_VOD",
                "name": "a",
                "size": limit + 1,
            }
        },
    )
    body = assert_rpc_error(too_big, 400, 3, "FILE_TOO_LARGE")
    assert violated_fields(body) == ["file.size"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_malformed_bodies(client: httpx.Client, raw: bytes) -> None:
    for path in ("/library/files:upload", "/dubbing-jobs"):
        response = client.post(path, content=raw, headers={"Content-Type": "application/json"})
        assert_rpc_error(response, 400, 3, "MALFORMED_REQUEST_BODY")


def test_download_body_rules(client: httpx.Client) -> None:
    file_id = upload(client, b"0123456789", name="tiny.bin")
    assert client.post(f"/library/files/{file_id}:download").status_code == 200  # an empty body is {}
    assert client.post(f"/library/files/{file_id}:download", json={"id": file_id}).status_code == 200
    assert_rpc_error(client.post(f"/library/files/{file_id}:download", json={"id": "other"}), 400, 3)
    assert_rpc_error(
        client.post(f"/library/files/{file_id}:download", json={"ttl": 5}), 400, 3, "FIELD_VIOLATION"
    )
    link, data = download(client, file_id)
    assert data == b"0123456789" and link["download_filename"] == "tiny.bin"
    # A client that percent-encodes the custom-method colon reaches the same method.
    assert client.post(f"/library/files/{file_id}%3Adownload", json={}).json()["id"] == file_id


def test_storage_links_are_signed_and_expire(client: httpx.Client, monkeypatch, sandbox) -> None:
    file = start_upload(client, len(SAMPLE))
    url = file["upload_data"]["parts"][0]["presigned_url"]
    tampered = re.sub(r"signature=[0-9a-f]+", "signature=" + "0" * 64, url)
    refused = httpx.put(tampered, content=SAMPLE)
    assert refused.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in refused.text
    unsigned = httpx.put(url.split("?")[0], content=SAMPLE)
    assert unsigned.status_code == 403 and "<Code>AccessDenied</Code>" in unsigned.text
    # Another part number cannot reuse this part's signature.
    other = httpx.put(url.replace("/parts/1?", "/parts/2?"), content=SAMPLE)
    assert other.status_code == 403

    # Only the links under test get the 1 s lifetime: the upload before them and the fresh link after them
    # keep the normal one, so a slow (loaded) machine cannot expire them by accident.
    file_id = upload(client, SAMPLE)
    normal_ttl = sandbox.sandbox.settings.link_ttl_seconds
    monkeypatch.setattr(sandbox.sandbox.settings, "link_ttl_seconds", 1)
    short = start_upload(client, len(SAMPLE))
    link = client.post(f"/library/files/{file_id}:download", json={}).json()
    time.sleep(1.1)
    expired = httpx.get(link["download_uri"])
    assert expired.status_code == 403 and "Request has expired" in expired.text
    late_put = httpx.put(short["upload_data"]["parts"][0]["presigned_url"], content=SAMPLE)
    assert late_put.status_code == 403 and "Request has expired" in late_put.text
    # A fresh :download call gives a fresh link.
    monkeypatch.setattr(sandbox.sandbox.settings, "link_ttl_seconds", normal_ttl)
    assert (
        httpx.get(client.post(f"/library/files/{file_id}:download", json={}).json()["download_uri"]).content
        == SAMPLE
    )


def test_upload_settings_control_validates(sandbox) -> None:
    url = f"{sandbox.vendor_url('blendvision')}/_sandbox/upload-settings"
    assert_rpc_error(httpx.post(url, json={"part_size_bytes": 0}), 400, 3)
    assert_rpc_error(httpx.post(url, json={"chunk": 1}), 400, 3)
    assert httpx.get(url).json()["multipart_threshold_bytes"] == 100_000_000
    httpx.post(url, json={"part_size_bytes": 7})
    httpx.post(f"{sandbox.url}/_sandbox/reset")
    assert httpx.get(url).json()["part_size_bytes"] == 5 * 1024 * 1024


# -- dubbing jobs ----------------------------------------------------------------------------------------
def test_dubbing_job_lifecycle_and_output(sandbox, client: httpx.Client) -> None:
    clock = StandingClock(sandbox)
    source_id = upload(client, SAMPLE)
    job = create_job(
        client,
        source_id,
        interval_sec={"start": {"value": "+.5"}, "end": {"value": "7.5E0"}},
    )
    assert set(job) == {
        "id",
        "source_type",
        "source_id",
        "source_lang_code",
        "interval_sec",
        "outputs",
        "status",
        "error_infos",
        "created_at",
    }
    assert job["status"] == "DUBBING_STATUS_CREATED"
    assert job["source_type"] == "DUBBING_SOURCE_TYPE_VIDEO"
    assert job["source_id"] == source_id and job["source_lang_code"] == "en"
    assert job["interval_sec"] == {"start": {"value": "0.5"}, "end": {"value": "7.5"}}  # normalized
    assert job["outputs"] == [{"id": "", "lang_code": "ja-JP"}]
    assert job["error_infos"] == []
    assert RFC3339.fullmatch(job["created_at"])
    assert re.fullmatch(r"[0-9a-f-]{36}", job["id"])

    seen = [job["status"]]
    for _ in range(3):  # created for one stage, processing for two
        clock.blendvision_job(job["id"], 1)
        current = client.get(f"/dubbing-jobs/{job['id']}")
        assert current.status_code == 200 and set(current.json()) == {"dubbing_job"}
        seen.append(current.json()["dubbing_job"]["status"])
    assert seen == [
        "DUBBING_STATUS_CREATED",
        "DUBBING_STATUS_PROCESSING",
        "DUBBING_STATUS_PROCESSING",
        "DUBBING_STATUS_SUCCEEDED",
    ]

    done = client.get(f"/dubbing-jobs/{job['id']}").json()["dubbing_job"]
    output_id = done["outputs"][0]["id"]
    assert output_id and output_id != source_id and done["outputs"][0]["lang_code"] == "ja-JP"
    assert done["error_infos"] == [] and done["created_at"] == job["created_at"]
    # The output id stays the same on every read.
    assert client.get(f"/dubbing-jobs/{job['id']}").json()["dubbing_job"]["outputs"][0]["id"] == output_id
    link, data = download(client, output_id)
    assert data == SAMPLE and link["download_filename"] == "sample.ja-JP.mp4"
    assert httpx.get(link["download_uri"]).headers["content-type"] == "video/mp4"
    created = sandbox.counters()["created"]
    assert created == {"blendvision:file": 1, "blendvision:dubbing_job": 1}


@pytest.mark.parametrize(
    ("sample", "source_type", "reason"),
    [
        ("sample_no_audio.mp4", "DUBBING_SOURCE_TYPE_VIDEO", "SOURCE_AUDIO_MISSING"),
        ("sample_silent.mp4", "DUBBING_SOURCE_TYPE_VIDEO", "NO_SPEECH_DETECTED"),
        ("sample_audio_only.mp4", "DUBBING_SOURCE_TYPE_VIDEO", "SOURCE_VIDEO_MISSING"),
        ("sample_no_audio.mp4", "DUBBING_SOURCE_TYPE_AUDIO", "SOURCE_AUDIO_MISSING"),
        (None, "DUBBING_SOURCE_TYPE_VIDEO", "SOURCE_MEDIA_UNSUPPORTED"),
    ],
)
def test_jobs_fail_for_real_media_causes(
    client: httpx.Client, sample: str | None, source_type: str, reason: str
) -> None:
    data = media(sample) if sample else b"this is a text file, not a video\n" * 20
    source_id = upload(client, data, name=sample or "notes.txt")
    job = create_job(client, source_id, source_type=source_type)
    done = wait_terminal(client, job["id"])
    assert done["status"] == "DUBBING_STATUS_FAILED"
    assert done["outputs"] == [{"id": "", "lang_code": "ja-JP"}]
    (info,) = done["error_infos"]
    assert info["reason"] == reason and info["domain"] == ERROR_DOMAIN
    assert info["metadata"]["sourceId"] == source_id and info["metadata"]["sourceType"] == source_type
    assert all(re.fullmatch(r"[a-z][a-zA-Z0-9-_]+", key) for key in info["metadata"])
    assert all(isinstance(value, str) for value in info["metadata"].values())


def test_audio_source_without_video_succeeds(client: httpx.Client) -> None:
    data = media("sample_audio_only.mp4")
    source_id = upload(client, data, name="voice.m4a", kind="FILE_TYPE_AUDIO")
    job = create_job(
        client, source_id, source_type="DUBBING_SOURCE_TYPE_AUDIO", outputs=[{"lang_code": "fr"}]
    )
    done = wait_terminal(client, job["id"])
    assert done["status"] == "DUBBING_STATUS_SUCCEEDED" and done["error_infos"] == []
    link, got = download(client, done["outputs"][0]["id"])
    assert got == data and link["download_filename"] == "voice.fr.mp4"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source_type": ...}, "dubbing_job.source_type"),
        ({"source_type": "DUBBING_SOURCE_TYPE_UNSPECIFIED"}, "dubbing_job.source_type"),
        ({"source_type": "VIDEO"}, "dubbing_job.source_type"),
        ({"source_type": 1}, "dubbing_job.source_type"),
        ({"source_id": ...}, "dubbing_job.source_id"),
        ({"source_id": ""}, "dubbing_job.source_id"),
        ({"source_id": 42}, "dubbing_job.source_id"),
        ({"source_lang_code": ...}, "dubbing_job.source_lang_code"),
        ({"source_lang_code": "english"}, "dubbing_job.source_lang_code"),
        ({"source_lang_code": "en_US"}, "dubbing_job.source_lang_code"),
        ({"source_lang_code": "en-us"}, "dubbing_job.source_lang_code"),
        ({"source_lang_code": "zz"}, "dubbing_job.source_lang_code"),
        ({"source_lang_code": "en-ZZ"}, "dubbing_job.source_lang_code"),
        ({"outputs": ...}, "dubbing_job.outputs"),
        ({"outputs": []}, "dubbing_job.outputs"),
        ({"outputs": [{"lang_code": "ja"}, {"lang_code": "fr"}]}, "dubbing_job.outputs"),
        ({"outputs": {"lang_code": "ja"}}, "dubbing_job.outputs"),
        ({"outputs": ["ja"]}, "dubbing_job.outputs[0]"),
        ({"outputs": [{}]}, "dubbing_job.outputs[0].lang_code"),
        ({"outputs": [{"lang_code": "jp"}]}, "dubbing_job.outputs[0].lang_code"),
        ({"outputs": [{"lang_code": "zh-Hant"}]}, "dubbing_job.outputs[0].lang_code"),
        ({"outputs": [{"lang_code": "en"}]}, "dubbing_job.outputs[0].lang_code"),
        ({"outputs": [{"lang_code": "ja", "voice": "x"}]}, "dubbing_job.outputs[0].voice"),
        ({"interval_sec": "0-5"}, "dubbing_job.interval_sec"),
        ({"interval_sec": {"start": {"value": "1"}}}, "dubbing_job.interval_sec.end"),
        ({"interval_sec": {"end": {"value": "1"}}}, "dubbing_job.interval_sec.start"),
        ({"interval_sec": {"start": {}, "end": {"value": "2"}}}, "dubbing_job.interval_sec.start.value"),
        (
            {"interval_sec": {"start": {"value": 1.5}, "end": {"value": "2"}}},
            "dubbing_job.interval_sec.start.value",
        ),
        (
            {"interval_sec": {"start": {"value": "1,5"}, "end": {"value": "2"}}},
            "dubbing_job.interval_sec.start.value",
        ),
        (
            {"interval_sec": {"start": {"value": "0"}, "end": {"value": "1,000"}}},
            "dubbing_job.interval_sec.end.value",
        ),
        (
            {"interval_sec": {"start": {"value": "0"}, "end": {"value": "1 000"}}},
            "dubbing_job.interval_sec.end.value",
        ),
        (
            {"interval_sec": {"start": {"value": "0"}, "end": {"value": "abc"}}},
            "dubbing_job.interval_sec.end.value",
        ),
        (
            {"interval_sec": {"start": {"value": "0"}, "end": {"value": "NaN"}}},
            "dubbing_job.interval_sec.end.value",
        ),
        (
            {"interval_sec": {"start": {"value": "-1"}, "end": {"value": "2"}}},
            "dubbing_job.interval_sec.start.value",
        ),
        (
            {"interval_sec": {"start": {"value": "1.2345"}, "end": {"value": "2"}}},
            "dubbing_job.interval_sec.start.value",
        ),
        ({"interval_sec": {"start": {"value": "3"}, "end": {"value": "2"}}}, "dubbing_job.interval_sec"),
        ({"interval_sec": {"start": {"value": "2"}, "end": {"value": "2.0"}}}, "dubbing_job.interval_sec"),
        (
            {"interval_sec": {"start": {"value": "0"}, "end": {"value": "2", "unit": "s"}}},
            "dubbing_job.interval_sec.end.unit",
        ),
        (
            {"interval_sec": {"start": {"value": "0"}, "end": {"value": "2"}, "step": 1}},
            "dubbing_job.interval_sec.step",
        ),
        ({"id": "has space"}, "dubbing_job.id"),
        ({"id": "x" * 64}, "dubbing_job.id"),
        ({"name": "my job"}, "dubbing_job.name"),
    ],
)
def test_create_validation(sandbox, client: httpx.Client, overrides: dict, field: str) -> None:
    # The body is checked before the source is looked up, so no upload is needed for a 400.
    response = client.post("/dubbing-jobs", json=job_body("not-uploaded", **overrides))
    body = assert_rpc_error(response, 400, 3, "FIELD_VIOLATION")
    assert field in violated_fields(body), body
    assert field in body["message"]
    assert sandbox.counters()["created"].get("blendvision:dubbing_job") is None


def test_create_reports_every_violation_at_once(client: httpx.Client) -> None:
    body = {"dubbing_job": {"source_type": "X", "source_lang_code": "EN", "outputs": []}, "extra": True}
    fields = violated_fields(assert_rpc_error(client.post("/dubbing-jobs", json=body), 400, 3))
    assert fields == [
        "extra",
        "dubbing_job.source_type",
        "dubbing_job.source_id",
        "dubbing_job.source_lang_code",
        "dubbing_job.outputs",
    ]
    assert violated_fields(assert_rpc_error(client.post("/dubbing-jobs", json={}), 400, 3)) == ["dubbing_job"]


def test_output_only_fields_are_ignored_on_create(client: httpx.Client) -> None:
    source_id = upload(client, SAMPLE)
    job = create_job(
        client,
        source_id,
        status="DUBBING_STATUS_SUCCEEDED",
        error_infos=[{"reason": "X"}],
        created_at="2020-01-01T00:00:00Z",
        outputs=[{"id": "chosen", "lang_code": "de"}],
    )
    assert job["status"] == "DUBBING_STATUS_CREATED"
    assert job["outputs"] == [{"id": "", "lang_code": "de"}] and job["error_infos"] == []
    assert not job["created_at"].startswith("2020")


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        ("0", "8", ("0", "8")),
        ("0", "8.000", ("0", "8.000")),
        (".25", "0.8e1", ("0.25", "0.8e1")),
        ("2.5e-1", "80E-1", ("2.5e-1", "80e-1")),
        ("-0", "1", ("-0", "1")),
        ("7.999", "8.0", ("7.999", "8.0")),
    ],
)
def test_interval_inside_the_media(
    client: httpx.Client, start: str, end: str, stored: tuple[str, str]
) -> None:
    source_id = upload(client, SAMPLE)
    job = create_job(client, source_id, interval_sec={"start": {"value": start}, "end": {"value": end}})
    assert job["interval_sec"] == {"start": {"value": stored[0]}, "end": {"value": stored[1]}}
    assert (
        client.get(f"/dubbing-jobs/{job['id']}").json()["dubbing_job"]["interval_sec"] == job["interval_sec"]
    )


@pytest.mark.parametrize("end", ["8.001", "9", "1e1", "8.5"])
def test_interval_beyond_the_media_duration(sandbox, client: httpx.Client, end: str) -> None:
    source_id = upload(client, SAMPLE)
    response = client.post(
        "/dubbing-jobs",
        json=job_body(source_id, interval_sec={"start": {"value": "1"}, "end": {"value": end}}),
    )
    body = assert_rpc_error(response, 400, 3, "INTERVAL_OUT_OF_RANGE")
    assert body["details"][0]["metadata"] == {"sourceDurationSec": "8.0"}
    assert violated_fields(body) == ["dubbing_job.interval_sec.end.value"]
    assert "blendvision:dubbing_job" not in sandbox.counters()["created"]


def test_interval_is_optional_and_null(client: httpx.Client) -> None:
    source_id = upload(client, SAMPLE)
    assert create_job(client, source_id)["interval_sec"] is None
    assert create_job(client, source_id, interval_sec=None)["interval_sec"] is None


def test_source_must_exist_and_be_uploaded(client: httpx.Client) -> None:
    body = assert_rpc_error(
        client.post("/dubbing-jobs", json=job_body("missing-file")), 404, 5, "RESOURCE_NOT_FOUND"
    )
    assert body["details"][0]["metadata"] == {"resource": "file", "id": "missing-file"}
    pending = start_upload(client, len(SAMPLE))
    assert_rpc_error(
        client.post("/dubbing-jobs", json=job_body(pending["id"])), 400, 9, "FILE_UPLOAD_NOT_COMPLETED"
    )


def test_client_chosen_id_is_kept_and_never_duplicated(sandbox, client: httpx.Client) -> None:
    source_id = upload(client, SAMPLE)
    job = create_job(client, source_id, id="run-42_ja-JP")
    assert job["id"] == "run-42_ja-JP"
    assert client.get("/dubbing-jobs/run-42_ja-JP").json()["dubbing_job"]["id"] == "run-42_ja-JP"
    again = client.post("/dubbing-jobs", json=job_body(source_id, id="run-42_ja-JP"))
    body = assert_rpc_error(again, 409, 6, "DUBBING_JOB_ALREADY_EXISTS")
    assert body["details"][0]["metadata"] == {"resource": "dubbing_job", "id": "run-42_ja-JP"}
    # Even with a different body, the id is taken.
    other = client.post(
        "/dubbing-jobs", json=job_body(source_id, id="run-42_ja-JP", outputs=[{"lang_code": "fr"}])
    )
    assert_rpc_error(other, 409, 6)
    assert sandbox.counters()["created"]["blendvision:dubbing_job"] == 1
    assert client.get("/dubbing-jobs").json()["page"]["total_items"] == 1
    # A UUID is a valid client id; an empty id means "let the service choose".
    uuid_id = "0b6f0f5e-3f7e-4b7a-9a53-6b8e0d7a1c11"
    assert create_job(client, source_id, id=uuid_id)["id"] == uuid_id
    assert create_job(client, source_id, id="")["id"] not in ("", uuid_id)


def test_get_unknown_job(client: httpx.Client) -> None:
    body = assert_rpc_error(client.get("/dubbing-jobs/does-not-exist"), 404, 5, "RESOURCE_NOT_FOUND")
    assert body["details"][0]["metadata"] == {"resource": "dubbing_job", "id": "does-not-exist"}


def test_list_pages_newest_first_and_filters(client: httpx.Client) -> None:
    good = upload(client, SAMPLE)
    silent = upload(client, media("sample_silent.mp4"), name="silent.mp4")
    ids = [create_job(client, good, outputs=[{"lang_code": lang}])["id"] for lang in ("ja", "fr", "de")]
    failing = create_job(client, silent)["id"]
    for job_id in [*ids, failing]:
        wait_terminal(client, job_id)

    everything = client.get("/dubbing-jobs").json()
    assert set(everything) == {"dubbing_jobs", "page"}
    assert [j["id"] for j in everything["dubbing_jobs"]] == [failing, *reversed(ids)]
    assert everything["page"] == {"items_per_page": 10, "current_page": 1, "total_items": 4}

    first = client.get("/dubbing-jobs", params={"items_per_page": 3}).json()
    second = client.get("/dubbing-jobs", params={"items_per_page": 3, "current_page": 2}).json()
    beyond = client.get("/dubbing-jobs", params={"items_per_page": 3, "current_page": 3}).json()
    assert [j["id"] for j in first["dubbing_jobs"] + second["dubbing_jobs"]] == [failing, *reversed(ids)]
    assert second["page"] == {"items_per_page": 3, "current_page": 2, "total_items": 4}
    assert beyond["dubbing_jobs"] == [] and beyond["page"]["total_items"] == 4
    defaults = client.get("/dubbing-jobs", params={"items_per_page": 0, "current_page": 0}).json()["page"]
    assert defaults == {"items_per_page": 10, "current_page": 1, "total_items": 4}

    by_source = client.get("/dubbing-jobs", params={"filter.source_id": silent}).json()
    assert [j["id"] for j in by_source["dubbing_jobs"]] == [failing] and by_source["page"]["total_items"] == 1
    failed = client.get("/dubbing-jobs", params={"filter.status": "DUBBING_STATUS_FAILED"}).json()
    assert [j["id"] for j in failed["dubbing_jobs"]] == [failing]
    succeeded = client.get(
        "/dubbing-jobs", params={"filter.status": "DUBBING_STATUS_SUCCEEDED", "filter.source_id": good}
    )
    assert len(succeeded.json()["dubbing_jobs"]) == 3
    # The list carries the same job objects as GET.
    assert everything["dubbing_jobs"][1] == client.get(f"/dubbing-jobs/{ids[-1]}").json()["dubbing_job"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"items_per_page": 101}, "items_per_page"),
        ({"items_per_page": -1}, "items_per_page"),
        ({"items_per_page": "ten"}, "items_per_page"),
        ({"current_page": -2}, "current_page"),
        ({"current_page": "1.5"}, "current_page"),
        ({"filter.status": "SUCCEEDED"}, "filter.status"),
    ],
)
def test_list_parameter_validation(client: httpx.Client, params: dict, field: str) -> None:
    body = assert_rpc_error(client.get("/dubbing-jobs", params=params), 400, 3, "FIELD_VIOLATION")
    assert violated_fields(body) == [field]


# -- faults, counters, reset -----------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "code"), [(500, 13), (503, 14), (429, 8), (504, 4), (400, 3)])
def test_injected_faults_use_the_status_shape(sandbox, client: httpx.Client, status: int, code: int) -> None:
    fault = {
        "vendor": "blendvision",
        "status": status,
        "path_prefix": "/blendvision/bv/cms/v1/dubbing-jobs",
        "retry_after": 2,
    }
    assert httpx.post(f"{sandbox.url}/_sandbox/faults", json=fault).status_code == 200
    response = client.get("/dubbing-jobs")
    assert response.status_code == status
    assert response.json() == {"code": code, "message": "injected fault", "details": []}
    assert response.headers["Retry-After"] == "2"
    assert client.get("/dubbing-jobs").status_code == 200  # only once


def test_requests_are_counted_and_reset_forgets_everything(sandbox, client: httpx.Client) -> None:
    source_id = upload(client, SAMPLE)
    job = create_job(client, source_id)
    counters = sandbox.counters()
    requests = counters["requests"]
    assert requests["blendvision POST /blendvision/bv/cms/v1/library/files:upload"] == 1
    assert requests["blendvision PUT /blendvision/_storage/uploads/{upload_id}/parts/{part_number}"] == 1
    assert requests["blendvision POST /blendvision/bv/cms/v1/library/files/{file_ref}"] == 1
    assert requests["blendvision POST /blendvision/bv/cms/v1/dubbing-jobs"] == 1
    assert counters["requests_by_vendor"]["blendvision"] == 4
    assert counters["created"] == {"blendvision:file": 1, "blendvision:dubbing_job": 1}

    httpx.post(f"{sandbox.url}/_sandbox/reset")
    assert_rpc_error(client.get(f"/dubbing-jobs/{job['id']}"), 404, 5)
    assert_rpc_error(client.post(f"/library/files/{source_id}:download", json={}), 404, 5)
    assert client.get("/dubbing-jobs").json()["page"]["total_items"] == 0
