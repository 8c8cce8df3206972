"""The Rev AI caption emulator (`/rev`) against Rev's document: auth, inputs, orders (JSON and XML), every
documented error through its real cause, order life and cancel, attachments in every caption format (by
Accept and by extension, each checked with an independent reader), 406, notifications, counters."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from sandbox_clock import StandingClock
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.rev import api as rev_api
from video_localization_dev.sandbox.rev.wire import (
    FIRST_WORK_STAGE,
    INPUTS_LANGUAGES,
    PRODUCTION_USER_KEY,
    SANDBOX_CLIENT_KEY,
    SANDBOX_USER_KEY,
)

SAMPLE = media_dir() / "sample.mp4"
SPOKEN = (
    "Hello and welcome. This short clip is the sample video of the video localization project. "
    "Every vendor dubs it into another language."
)
# The document's caption table: constant -> (Accept media type, URL extension).
FORMATS = {
    "SubRip": ("application/x-subrip", "srt"),
    "Scc": ("text/x-scc", "scc"),
    "Mcc": ("text/x-mcc", "mcc"),
    "Ttml": ("application/ttml+xml", "ttml"),
    "QTtext": ("application/x-quicktime-timedtext", "qt"),
    "Transcript": ("text/plain", "txt"),
    "WebVtt": ("text/vtt", "vtt"),
    "Dfxp": ("application/ttaf+xml", "dfxp"),
    "CheetahCap": ("application/x-cheetah-cap", "cap"),
    "Stl": ("text/x-stl", "stl"),
    "AvidDs": ("text/vnd.avid-ds", "avid-ds.txt"),
    "AvidDvd": ("text/vnd.avid-dvd", "avid-dvd.txt"),
    "FacebookSubRip": ("application/x-subrip; format=facebook", "facebook.srt"),
    "EbuStl": ("application/x-ebu-stl", "ebu.stl"),
}


def xml_root(data: bytes) -> ET.Element:
    """Parse an answer of the sandbox (trusted: it is the code under test)."""
    return ET.fromstring(data)  # noqa: S314


def auth(user_key: str = SANDBOX_USER_KEY) -> dict[str, str]:
    return {"Authorization": f"Rev {SANDBOX_CLIENT_KEY}:{user_key}"}


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Rev:
    """A thin client of the emulator, as the hook will use it."""

    _client = httpx.Client(timeout=10)  # one connection pool for the whole module: fast on loopback

    def __init__(self, base: str, user_key: str = SANDBOX_USER_KEY) -> None:
        self.base = base
        self.headers = auth(user_key)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self._client.request(method, f"{self.base}{path}", headers=headers, **kwargs)

    def upload(self, path: Path = SAMPLE, content_type: str = "video/mp4", data: bytes | None = None) -> str:
        response = self.request(
            "POST",
            "/inputs",
            content=data if data is not None else path.read_bytes(),
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{path.name}"',
            },
        )
        assert response.status_code == 201, response.text
        return response.headers["Location"]

    def order(self, body: dict[str, Any]) -> httpx.Response:
        return self.request("POST", "/orders", json=body)

    def place(self, uri: str | None = None, **options: Any) -> str:
        top = {key: options.pop(key) for key in list(options) if key in TOP_LEVEL}
        body = {
            "sandbox_mode": True,
            **top,
            "automated_caption_options": {"inputs": [{"uri": uri}], **options},
        }
        response = self.order(body)
        assert response.status_code == 201, response.text
        return response.headers["Location"].rsplit("/", 1)[-1]

    def get(self, number: str) -> dict[str, Any]:
        response = self.request("GET", f"/orders/{number}")
        assert response.status_code == 200, response.text
        return response.json()

    def complete(self, number: str) -> dict[str, Any]:
        return wait_for(lambda: (order := self.get(number))["status"] == "Complete" and order)

    def caption(self, number: str) -> dict[str, Any]:
        order = self.complete(number)
        return next(a for a in order["attachments"] if a["kind"] == "caption")


TOP_LEVEL = {
    "client_ref",
    "notification",
    "ponumber",
    "workspace_id",
    "sandbox_mode",
    "non_standard_tat_guarantee",
}


@pytest.fixture
def rev(sandbox) -> Rev:
    sandbox.sandbox.settings.step_seconds = 0.01  # tests that watch the stages set their own pace
    return Rev(sandbox.vendor_url("rev"))


@pytest.fixture
def sample_uri(rev: Rev) -> str:
    return rev.upload()


class Receiver:
    """A tiny notification receiver; `GET /` serves the sample video (a URL without a file name)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.end_headers()

            def do_GET(self) -> None:
                data = SAMPLE.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def bodies(self) -> list[dict[str, Any]]:
        out = []
        for item in self.received:
            if item["headers"].get("Content-Type") == "application/json":
                out.append(json.loads(item["body"]))
            else:
                out.append({key: values[0] for key, values in parse_qs(item["body"].decode()).items()})
        return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def assert_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


# -- auth -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        None,
        f"Bearer {SANDBOX_CLIENT_KEY}:{SANDBOX_USER_KEY}",
        f"Rev wrong-client:{SANDBOX_USER_KEY}",
        f"Rev {SANDBOX_CLIENT_KEY}:wrong-user",
        f"Rev {SANDBOX_CLIENT_KEY}",
    ],
)
def test_requests_without_valid_rev_keys_are_unauthorized(sandbox, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{sandbox.vendor_url('rev')}/orders", headers=headers)
    assert_error(response, 401, 401)
    assert response.headers["WWW-Authenticate"] == "Rev"


def test_injected_faults_come_back_in_revs_error_shape(sandbox, rev: Rev) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"vendor": "rev", "status": 503, "message": "down"})
    response = rev.request("GET", "/orders")
    assert response.status_code == 503
    assert response.json() == {"code": 503, "message": "down"}


# -- inputs -----------------------------------------------------------------------------------------------
def test_raw_upload_answers_201_with_an_input_media_urn(sandbox, rev: Rev) -> None:
    response = rev.request(
        "POST",
        "/inputs",
        content=SAMPLE.read_bytes(),
        headers={"Content-Type": "video/mp4", "Content-Disposition": 'attachment; filename="sample.mp4"'},
    )
    assert response.status_code == 201
    assert response.content == b""
    assert re.fullmatch(r"urn:rev:inputmedia:[A-Za-z0-9_-]+", response.headers["Location"])
    assert sandbox.counters()["created"] == {"rev:input": 1}


def test_multipart_upload_takes_one_file_part_and_its_content_type_field(rev: Rev) -> None:
    files = {"file": ("sample.mp4", SAMPLE.read_bytes(), "application/octet-stream")}
    response = rev.request("POST", "/inputs", files=files, data={"Content-Type": "video/mp4"})
    assert response.status_code == 201
    assert response.headers["Location"].startswith("urn:rev:inputmedia:")


def test_link_input_downloads_the_media_from_json_and_xml_entities(sandbox, rev: Rev) -> None:
    url = f"{sandbox.url}/_sandbox/media/sample.mp4"
    by_json = rev.request(
        "POST", "/inputs", json={"url": url, "filename": "clip.mp4", "content_type": "video/mp4"}
    )
    assert by_json.status_code == 201, by_json.text
    xml = f"<media><url>{url}</url></media>".encode()
    by_xml = rev.request("POST", "/inputs", content=xml, headers={"Content-Type": "application/xml"})
    assert by_xml.status_code == 201, by_xml.text
    assert sandbox.counters()["created"] == {"rev:input": 2}
    number = rev.place(by_xml.headers["Location"])
    media = rev.get(number)["attachments"][0]
    assert media["name"] == "sample.mp4" and media["video_length_seconds"] == 8


def test_input_errors_have_revs_input_codes(sandbox, rev: Rev, receiver: Receiver) -> None:
    png = {"Content-Type": "trololo", "Content-Disposition": "attachment; filename=x.png"}
    assert_error(rev.request("POST", "/inputs", content=b"data", headers=png), 400, 10001)
    assert_error(
        rev.request("POST", "/inputs", json={"url": receiver.url, "content_type": "image/png"}), 400, 10001
    )
    not_media = {"url": f"{sandbox.url}/_sandbox/health", "filename": "health.json"}
    assert_error(rev.request("POST", "/inputs", json=not_media), 400, 10001)
    assert_error(
        rev.request("POST", "/inputs", json={"url": f"http://127.0.0.1:{closed_port()}/a.mp4"}), 400, 10002
    )
    assert_error(
        rev.request("POST", "/inputs", json={"url": f"{sandbox.url}/_sandbox/media/none.mp4"}), 400, 10002
    )
    assert_error(rev.request("POST", "/inputs", json={"url": "ftp://example.com/a.mp4"}), 400, 10002)
    two = {"a": ("a.mp4", b"1", "video/mp4"), "b": ("b.mp4", b"2", "video/mp4")}
    assert_error(rev.request("POST", "/inputs", files=two), 400, 10003)
    no_name = {"Content-Type": "video/mp4"}
    assert_error(rev.request("POST", "/inputs", content=SAMPLE.read_bytes(), headers=no_name), 400, 10004)
    assert_error(rev.request("POST", "/inputs", json={"url": receiver.url + "/"}), 400, 10004)
    assert sandbox.counters()["created"] == {}


def test_multipart_without_any_file_part_is_invalid(rev: Rev) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="Content-Type"\r\n\r\nvideo/mp4\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    assert_error(rev.request("POST", "/inputs", content=body, headers=headers), 400, 10003)


# -- orders -----------------------------------------------------------------------------------------------
def test_json_order_answers_201_with_location_and_is_counted(sandbox, rev: Rev, sample_uri: str) -> None:
    body = {
        "sandbox_mode": True,
        "client_ref": "XB432423",
        "automated_caption_options": {
            "inputs": [{"uri": sample_uri}],
            "output_file_formats": ["Scc", "SubRip"],
            "inputs_language": "en",
        },
    }
    response = rev.order(body)
    assert response.status_code == 201 and response.content == b""
    location = response.headers["Location"]
    assert re.fullmatch(rf"{re.escape(rev.base)}/orders/CP\d{{10}}", location)
    order = httpx.get(location, headers=auth()).json()
    assert order["order_number"] == location.rsplit("/", 1)[-1]
    assert order["client_ref"] == "XB432423"
    assert order["status"] in ("In Progress", "Complete")
    assert order["caption"] == {"total_length": 1, "total_length_seconds": 8}
    assert order["price"] == round(8 / 60 * 0.25, 2)
    media = order["attachments"][0]
    assert media["kind"] == "media" and media["name"] == "sample.mp4" and media["video_length_seconds"] == 8
    assert sandbox.counters()["created"] == {"rev:input": 1, "rev:order": 1}


def test_xml_order_request_of_the_document_is_accepted(sandbox, rev: Rev, sample_uri: str, receiver) -> None:
    xml = f"""<order_request>
        <!-- Optional, whether to place a sandbox mode or real order -->
        <sandbox_mode>true</sandbox_mode>,
        <client_ref>XB432423</client_ref>
        <non_standard_tat_guarantee>false</non_standard_tat_guarantee>
        <automated_caption_options>
          <inputs>
            <input><video_length_seconds>600</video_length_seconds><uri>{sample_uri}</uri></input>
            <input><external_link>http://www.youtube.com/watch?v=UF8uR6Z6KLc</external_link></input>
            <input>
              <video_length_seconds>300</video_length_seconds>
              <external_link>https://vimeo.com/7976699</external_link>
            </input>
          </inputs>
          <output_file_formats><file_format>Scc</file_format><file_format>SubRip</file_format></output_file_formats>
          <burned_in_captions>true</burned_in_captions>
          <inputs_language>en</inputs_language>
        </automated_caption_options>
        <notification>
          <url>{receiver.url}/orderupdate</url>
          <level>Detailed</level>
          <content_type>FormUrlEncoded</content_type>
        </notification>
        <ponumber>SamplePoNumber01</ponumber>
        <workspace_id>123456789</workspace_id>
    </order_request>"""
    response = rev.request(
        "POST", "/orders", content=xml.encode(), headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 201, response.text
    number = response.headers["Location"].rsplit("/", 1)[-1]
    order = rev.complete(number)
    assert order["caption"]["total_length_seconds"] == 600 + 120 + 300
    assert order["po_number"] == "SamplePoNumber01"
    assert order["price"] == round(1020 / 60 * (0.25 + 0.30), 2)
    kinds = [a["kind"] for a in order["attachments"]]
    assert kinds.count("media") == 3 and kinds.count("caption") == 3 and kinds.count("burnedin") == 3
    youtube = order["attachments"][1]
    assert youtube["name"] == "http://www.youtube.com/watch?v=UF8uR6Z6KLc" and youtube["links"] == []

    as_xml = rev.request("GET", f"/orders/{number}", headers={"Accept": "application/xml"})
    assert as_xml.headers["content-type"].startswith("application/xml")
    root = xml_root(as_xml.content)
    assert root.tag == "order" and root.findtext("status") == "Complete"
    assert len(root.findall("attachments/attachment")) == 9
    assert root.find("attachments/attachment/links/link").get("rel") == "content"
    by_extension = rev.request("GET", f"/orders/{number}.xml")
    assert xml_root(by_extension.content).findtext("order_number") == number
    assert rev.request("GET", f"/orders/{number}.json").json()["order_number"] == number
    assert_error(rev.request("GET", f"/orders/{number}", headers={"Accept": "text/html"}), 406, 406)


def test_xml_order_errors_are_xml_error_entities(rev: Rev) -> None:
    xml = b"<order_request><sandbox_mode>true</sandbox_mode></order_request>"
    response = rev.request("POST", "/orders", content=xml, headers={"Content-Type": "text/xml"})
    assert response.status_code == 400
    root = xml_root(response.content)
    assert root.tag == "error" and root.findtext("code") == "10004" and root.findtext("message")
    empty = b"<order_request><automated_caption_options/></order_request>"
    response = rev.request("POST", "/orders", content=empty, headers={"Content-Type": "application/xml"})
    assert xml_root(response.content).findtext("code") == "10001"


def _order(inputs: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    options = top.pop("options", {})
    body: dict[str, Any] = {"sandbox_mode": True, **top}
    body["automated_caption_options"] = {**({"inputs": inputs} if inputs is not None else {}), **options}
    return body


def test_order_input_errors_10001_to_10008(rev: Rev, sample_uri: str) -> None:
    assert_error(rev.order(_order([])), 400, 10001)
    assert_error(rev.order(_order(None)), 400, 10001)
    assert_error(rev.order(_order([{"uri": "urn:rev:inputmedia:doesnotexist"}])), 400, 10002)
    assert_error(rev.order(_order([{"uri": "not-a-urn"}])), 400, 10002)
    both = {"automated_caption_options": {"inputs": [{"uri": sample_uri}]}, "caption_options": {"inputs": []}}
    assert_error(rev.order({"sandbox_mode": True, **both}), 400, 10003)
    assert_error(rev.order({"sandbox_mode": True, "client_ref": "x"}), 400, 10004)
    link = "https://vimeo.com/7976699"
    assert_error(rev.order(_order([{"uri": sample_uri, "external_link": link}])), 400, 10005)
    assert_error(rev.order(_order([{"video_length_seconds": 10}])), 400, 10006)
    dead = f"http://127.0.0.1:{closed_port()}/watch"
    assert_error(rev.order(_order([{"external_link": dead, "video_length_seconds": 10}])), 400, 10007)
    assert_error(
        rev.order(_order([{"external_link": "ftp://example.com/v", "video_length_seconds": 10}])), 400, 10007
    )
    for bucket in ("s3://bucket/video.mp4", "https://bucket.s3.amazonaws.com/video.mp4"):
        assert_error(rev.order(_order([{"external_link": bucket, "video_length_seconds": 10}])), 400, 10008)
    signed = "https://bucket.s3.amazonaws.com/video.mp4?X-Amz-Signature=abc"
    assert rev.order(_order([{"external_link": signed, "video_length_seconds": 10}])).status_code == 201


def test_another_users_input_is_not_a_valid_input(sandbox, sample_uri: str) -> None:
    production = Rev(sandbox.vendor_url("rev"), PRODUCTION_USER_KEY)
    assert_error(production.order(_order([{"uri": sample_uri}])), 400, 10002)


def test_media_length_errors_20001(rev: Rev, sample_uri: str) -> None:
    for bad in (0, -5, 1.5, "abc", True):
        assert_error(rev.order(_order([{"uri": sample_uri, "video_length_seconds": bad}])), 400, 20001)
    vimeo = "https://vimeo.com/7976699"
    assert_error(rev.order(_order([{"external_link": vimeo}])), 400, 20001)
    assert_error(rev.order(_order([{"external_link": "https://www.youtube.com/watch?v=short"}])), 400, 20001)
    not_video = rev.upload(Path("notes.mp4"), data=b"this is not a video at all")
    assert_error(rev.order(_order([{"uri": not_video}])), 400, 20001)
    big = rev.upload(Path("big.mp4"), data=SAMPLE.read_bytes() + bytes(10 * 1024 * 1024))
    assert_error(rev.order(_order([{"uri": big}])), 400, 20001)
    # An explicit length makes both acceptable; YouTube lengths are determined automatically.
    assert rev.order(_order([{"uri": not_video, "video_length_seconds": 30}])).status_code == 201
    assert rev.order(_order([{"external_link": "https://youtu.be/UF8uR6Z6KLc"}])).status_code == 201


def test_language_and_length_errors_20003_20010_40010(rev: Rev, sample_uri: str) -> None:
    inputs = [{"uri": sample_uri}]
    assert_error(rev.order(_order(inputs, options={"inputs_language": "xx"})), 400, 20003)
    assert_error(rev.order(_order(inputs, options={"inputs_language": "zh"})), 400, 20003)
    assert_error(rev.order(_order(inputs, client_ref="r" * 257)), 400, 20010)
    assert rev.order(_order(inputs, client_ref="r" * 256)).status_code == 201
    assert_error(rev.order(_order(inputs, ponumber="p" * 65)), 400, 40010)
    assert rev.order(_order(inputs, ponumber="p" * 64)).status_code == 201


@pytest.mark.parametrize("language", INPUTS_LANGUAGES)
def test_every_documented_inputs_language_is_accepted(rev: Rev, sample_uri: str, language: str) -> None:
    assert rev.order(_order([{"uri": sample_uri}], options={"inputs_language": language})).status_code == 201


@pytest.mark.parametrize(
    ("body_change", "field"),
    [
        ({"sandbox_mode": "yes"}, "sandbox_mode"),
        ({"workspace_id": "abc"}, "workspace_id"),
        ({"client_ref": 5}, "client_ref"),
        ({"options": {"output_file_formats": ["SubRip", "Foo"]}}, "output_file_formats[1]"),
        ({"options": {"burned_in_captions": "yes"}}, "burned_in_captions"),
        ({"notification": {"level": "Detailed"}}, "notification.url"),
        ({"notification": {"url": "http://x.example/n", "level": "Sometimes"}}, "notification.level"),
        ({"notification": {"url": "http://x.example/n", "content_type": "Xml"}}, "notification.content_type"),
    ],
)
def test_field_validation_errors_50000_name_the_field(rev: Rev, sample_uri: str, body_change, field) -> None:
    body = assert_error(rev.order(_order([{"uri": sample_uri}], **body_change)), 400, 50000)
    assert field in body["detail"]


def test_unreadable_bodies_and_other_services_are_field_errors(rev: Rev, sample_uri: str) -> None:
    bad_json = rev.request(
        "POST", "/orders", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in assert_error(bad_json, 400, 50000)["detail"]
    bad_xml = rev.request("POST", "/orders", content=b"<order_request>", headers={"Content-Type": "text/xml"})
    assert xml_root(bad_xml.content).findtext("code") == "50000"
    doctype = b'<!DOCTYPE x [<!ENTITY a "b">]><order_request/>'
    assert (
        rev.request("POST", "/orders", content=doctype, headers={"Content-Type": "text/xml"}).status_code
        == 400
    )
    human = {"sandbox_mode": True, "caption_options": {"inputs": [{"uri": sample_uri}]}}
    assert "caption_options" in assert_error(rev.order(human), 400, 50000)["detail"]


def test_sandbox_keys_require_sandbox_mode_50002(sandbox, rev: Rev, sample_uri: str) -> None:
    body = _order([{"uri": sample_uri}])
    del body["sandbox_mode"]
    assert_error(rev.order(body), 400, 50002)
    assert_error(rev.order({**body, "sandbox_mode": False}), 400, 50002)
    production = Rev(sandbox.vendor_url("rev"), PRODUCTION_USER_KEY)
    uri = production.upload()
    real = _order([{"uri": uri}])
    del real["sandbox_mode"]
    assert production.order(real).status_code == 201


def test_account_errors_20050_30010_30011_40011_40012(sandbox, rev: Rev, sample_uri: str) -> None:
    inputs = [{"uri": sample_uri}]
    assert_error(rev.order(_order(inputs, workspace_id=42)), 400, 20050)
    assert rev.order(_order(inputs, workspace_id=123456789)).status_code == 201
    long_video = [{"external_link": "https://vimeo.com/1", "video_length_seconds": 30_000}]  # $125 > $100
    assert_error(rev.order(_order(long_video)), 400, 30011)

    controls = f"{sandbox.vendor_url('rev')}/_sandbox/accounts/{SANDBOX_USER_KEY}"
    assert httpx.patch(controls, json={"invoicing": False}).json()["invoicing"] is False
    assert_error(rev.order(_order(inputs, ponumber="PO1")), 400, 40011)
    httpx.patch(controls, json={"invoicing": True, "po_order_types": []})
    assert_error(rev.order(_order(inputs, ponumber="PO1")), 400, 40012)
    assert rev.order(_order(inputs)).status_code == 201
    httpx.patch(controls, json={"balance_payments": False})
    assert_error(rev.order(_order(inputs)), 400, 30010)
    assert httpx.patch(controls, json={"nope": 1}).status_code == 400
    assert httpx.patch(f"{sandbox.vendor_url('rev')}/_sandbox/accounts/unknown", json={}).status_code == 404


def test_the_balance_limit_counts_earlier_orders_and_reset_restores_accounts(sandbox, rev: Rev) -> None:
    forty_dollars = [{"external_link": "https://vimeo.com/1", "video_length_seconds": 9600}]
    assert rev.order(_order(forty_dollars)).status_code == 201
    assert rev.order(_order(forty_dollars)).status_code == 201
    assert_error(rev.order(_order(forty_dollars)), 400, 30011)
    accounts = httpx.get(f"{sandbox.vendor_url('rev')}/_sandbox/accounts").json()
    assert accounts[SANDBOX_USER_KEY]["balance_used_usd"] == pytest.approx(80.0)
    sandbox.sandbox.reset()
    accounts = httpx.get(f"{sandbox.vendor_url('rev')}/_sandbox/accounts").json()
    assert accounts[SANDBOX_USER_KEY]["balance_used_usd"] == 0


# -- order life, listing, cancel ------------------------------------------------------------------------
def test_sandbox_order_stays_in_progress_then_completes_with_captions(
    sandbox, rev: Rev, sample_uri: str
) -> None:
    clock = StandingClock(sandbox)
    number = rev.place(sample_uri)
    order = rev.get(number)
    assert order["status"] == "In Progress"
    assert [a["kind"] for a in order["attachments"]] == ["media"]
    seen = []
    for _ in range(3):  # one input: its file is done at stage 2, the order Complete at stage 3
        clock.rev_order(number, 1)
        seen.append((order := rev.get(number))["status"])
    assert seen == ["In Progress", "In Progress", "Complete"]
    caption = next(a for a in order["attachments"] if a["kind"] == "caption")
    assert caption["deliverable_type"] == "ai_caption" and caption["name"] == "sample.srt"
    assert caption["links"][0]["href"] == f"{rev.base}/attachments/{caption['id']}/content"
    assert caption["links"][0]["content_type"] == "application/x-subrip"


def test_real_order_shows_transcribing_before_complete(sandbox) -> None:
    clock = StandingClock(sandbox)
    production = Rev(sandbox.vendor_url("rev"), PRODUCTION_USER_KEY)
    response = production.order({"automated_caption_options": {"inputs": [{"uri": production.upload()}]}})
    number = response.headers["Location"].rsplit("/", 1)[-1]
    statuses = [production.get(number)["status"]]
    for _ in range(3):
        clock.rev_order(number, 1)
        statuses.append(production.get(number)["status"])
    assert statuses == ["In Progress", "Transcribing", "Transcribing", "Complete"]


def test_unknown_and_foreign_orders_are_404(sandbox, rev: Rev, sample_uri: str) -> None:
    assert_error(rev.request("GET", "/orders/CP0000000000"), 404, 404)
    number = rev.place(sample_uri)
    production = Rev(sandbox.vendor_url("rev"), PRODUCTION_USER_KEY)
    assert_error(production.request("GET", f"/orders/{number}"), 404, 404)
    assert_error(production.request("POST", f"/orders/{number}/cancel"), 404, 404)


def test_orders_are_listed_by_client_ref_and_page(sandbox, rev: Rev, sample_uri: str) -> None:
    first = rev.place(sample_uri, client_ref="batch-1")
    second = rev.place(sample_uri, client_ref="batch-1")
    rev.place(sample_uri, client_ref="other")
    listing = rev.request("GET", "/orders", params={"clientRef": "batch-1"}).json()
    assert listing["total_count"] == 2 and listing["results_per_page"] == 25 and listing["page"] == 0
    assert [o["order_number"] for o in listing["orders"]] == [second, first]
    assert rev.request("GET", "/orders").json()["total_count"] == 3
    assert rev.request("GET", "/orders", params={"clientRef": "nothing"}).json()["orders"] == []
    assert rev.request("GET", "/orders", params={"page": 1}).json()["orders"] == []
    assert_error(rev.request("GET", "/orders", params={"page": "-1"}), 400, 50000)
    as_xml = rev.request("GET", "/orders", params={"clientRef": "other"}, headers={"Accept": "text/xml"})
    root = xml_root(as_xml.content)
    assert root.findtext("total_count") == "1" and root.find("orders/order/client_ref").text == "other"


def test_cancel_before_work_begins_then_refused(sandbox, rev: Rev, sample_uri: str, receiver) -> None:
    StandingClock(sandbox)
    notification = {"url": f"{receiver.url}/n", "level": "Detailed"}
    number = rev.place(sample_uri, notification=notification)
    response = rev.request("POST", f"/orders/{number}/cancel")
    assert response.status_code == 204 and response.content == b""
    assert rev.get(number)["status"] == "Cancelled"
    assert_error(rev.request("POST", f"/orders/{number}/cancel"), 400, 400)
    wait_for(lambda: receiver.bodies())
    assert receiver.bodies()[-1]["status"] == "Cancelled"
    accounts = httpx.get(f"{sandbox.vendor_url('rev')}/_sandbox/accounts").json()
    assert accounts[SANDBOX_USER_KEY]["balance_used_usd"] == pytest.approx(0)


def test_cancel_is_refused_once_work_has_begun(sandbox, rev: Rev, sample_uri: str) -> None:
    clock = StandingClock(sandbox)
    number = rev.place(sample_uri)
    clock.rev_order(number, FIRST_WORK_STAGE)
    body = assert_error(rev.request("POST", f"/orders/{number}/cancel"), 400, 400)
    assert "cancel" in body["message"]
    clock.rev_order(number, 2)
    assert rev.get(number)["status"] == "Complete"
    assert_error(rev.request("POST", f"/orders/{number}/cancel"), 400, 400)


# -- attachments ----------------------------------------------------------------------------------------
def test_attachment_metadata_as_json_and_xml(rev: Rev, sample_uri: str) -> None:
    caption = rev.caption(rev.place(sample_uri))
    metadata = rev.request("GET", f"/attachments/{caption['id']}").json()
    assert metadata == caption
    as_xml = xml_root(rev.request("GET", f"/attachments/{caption['id']}.xml").content)
    assert as_xml.tag == "attachment" and as_xml.findtext("kind") == "caption"
    accept_xml = rev.request("GET", f"/attachments/{caption['id']}", headers={"Accept": "application/xml"})
    assert xml_root(accept_xml.content).findtext("id") == caption["id"]
    assert_error(rev.request("GET", "/attachments/nope"), 404, 404)
    assert_error(rev.request("GET", "/attachments/nope/content"), 404, 404)


@pytest.fixture
def caption_id(rev: Rev, sample_uri: str) -> str:
    return rev.caption(rev.place(sample_uri))["id"]


@pytest.mark.parametrize("name", FORMATS)
def test_every_caption_format_by_accept_header(rev: Rev, caption_id: str, name: str) -> None:
    accept, extension = FORMATS[name]
    response = rev.request("GET", f"/attachments/{caption_id}/content", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept.split(";")[0]
    if name == "FacebookSubRip":
        assert "format=facebook" in response.headers["content-type"]
        assert 'filename="sample.en_US.srt"' in response.headers["content-disposition"]
    else:
        assert f'filename="sample.{extension}"' in response.headers["content-disposition"]
    assert_spoken_text(name, response.content)


@pytest.mark.parametrize("name", FORMATS)
def test_every_caption_format_by_url_extension(rev: Rev, caption_id: str, name: str) -> None:
    accept, extension = FORMATS[name]
    response = rev.request("GET", f"/attachments/{caption_id}/content.{extension}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept.split(";")[0]
    assert_spoken_text(name, response.content)


def test_quicktime_text_also_answers_the_qt_txt_extension(rev: Rev, caption_id: str) -> None:
    response = rev.request("GET", f"/attachments/{caption_id}/content.qt.txt")
    assert response.content.startswith(b"{QTtext}")


def test_default_representation_is_subrip_and_accept_lists_are_negotiated(rev: Rev, caption_id: str) -> None:
    plain = httpx.get(f"{rev.base}/attachments/{caption_id}/content", headers={**rev.headers, "Accept": ""})
    assert plain.headers["content-type"].startswith("application/x-subrip")
    anything = rev.request("GET", f"/attachments/{caption_id}/content", headers={"Accept": "*/*"})
    assert anything.headers["content-type"].startswith("application/x-subrip")
    ranked = "application/pdf, text/vtt;q=0.5, application/x-subrip;q=0.9"
    chosen = rev.request("GET", f"/attachments/{caption_id}/content", headers={"Accept": ranked})
    assert chosen.headers["content-type"].startswith("application/x-subrip")


@pytest.mark.parametrize(
    "accept",
    ["application/pdf", "text/plain; format=youtube-transcript", "application/msword", "image/png"],
)
def test_unavailable_representations_are_406(rev: Rev, caption_id: str, accept: str) -> None:
    response = rev.request("GET", f"/attachments/{caption_id}/content", headers={"Accept": accept})
    assert_error(response, 406, 406)


def test_unknown_extension_is_406(rev: Rev, caption_id: str) -> None:
    assert_error(rev.request("GET", f"/attachments/{caption_id}/content.docx"), 406, 406)


def test_formats_that_cannot_carry_a_script_are_406(rev: Rev, sample_uri: str) -> None:
    japanese = rev.caption(rev.place(sample_uri, inputs_language="ja"))["id"]
    for extension in ("scc", "mcc", "cap", "ebu.stl"):
        assert_error(rev.request("GET", f"/attachments/{japanese}/content.{extension}"), 406, 406)
    srt = rev.request("GET", f"/attachments/{japanese}/content.srt").content.decode()
    assert "こんにちは、ようこそ。" in srt
    russian = rev.caption(rev.place(sample_uri, inputs_language="ru"))["id"]
    stl = rev.request("GET", f"/attachments/{russian}/content.ebu.stl").content
    assert stl[12:14] == b"01" and stl[14:16] == b"56"  # Cyrillic table, Russian
    text = b"".join(parse_ebu_stl(stl)).decode("iso8859_5")
    assert "Здравствуйте" in text
    assert_error(rev.request("GET", f"/attachments/{russian}/content.scc"), 406, 406)


def test_latin_languages_are_folded_into_cea608(rev: Rev, sample_uri: str) -> None:
    polish = rev.caption(rev.place(sample_uri, inputs_language="pl"))["id"]
    scc = rev.request("GET", f"/attachments/{polish}/content.scc").content
    assert "Czesc i witajcie." in decode_608(scc_pairs(scc))
    french = rev.caption(rev.place(sample_uri, inputs_language="fr"))["id"]
    stl = rev.request("GET", f"/attachments/{french}/content.ebu.stl").content
    assert b"vid\xc2eo" in stl  # ISO 6937: acute accent byte, then the letter


def test_media_and_burned_in_content(monkeypatch, rev: Rev, sample_uri: str) -> None:
    number = rev.place(sample_uri, burned_in_captions=True)
    order = rev.complete(number)
    media, _, burned = order["attachments"]
    assert burned["kind"] == "burnedin" and burned["deliverable_type"] == "burned_in_caption"
    assert burned["links"][0]["content_type"] == "video/mp4"
    source = rev.request("GET", f"/attachments/{media['id']}/content", headers={"Accept": "video/mp4"})
    assert source.content == SAMPLE.read_bytes() and source.headers["content-type"] == "video/mp4"
    assert rev.request("GET", f"/attachments/{media['id']}/content.mp4").content == SAMPLE.read_bytes()
    refused = rev.request(
        "GET", f"/attachments/{media['id']}/content", headers={"Accept": "application/x-subrip"}
    )
    assert_error(refused, 406, 406)
    video = rev.request(
        "GET", f"/attachments/{burned['id']}/content", headers={"Accept": "application/x-subrip"}
    )
    assert video.headers["content-type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    assert_error(rev.request("GET", f"/attachments/{burned['id']}/content.srt"), 406, 406)
    monkeypatch.setattr(rev_api, "BURNED_IN_RETENTION_SECONDS", 0)
    assert_error(rev.request("GET", f"/attachments/{burned['id']}/content"), 404, 404)


def test_external_link_media_has_no_content_but_a_burned_in_video(rev: Rev) -> None:
    inputs = [{"external_link": "https://www.youtube.com/watch?v=UF8uR6Z6KLc"}]
    response = rev.order(_order(inputs, options={"burned_in_captions": True}))
    order = rev.complete(response.headers["Location"].rsplit("/", 1)[-1])
    media, caption, burned = order["attachments"]
    assert media["links"] == [] and media["video_length_seconds"] == 120
    assert_error(rev.request("GET", f"/attachments/{media['id']}/content"), 404, 404)
    assert rev.request("GET", f"/attachments/{burned['id']}/content").content[4:8] == b"ftyp"
    assert caption["name"] == "UF8uR6Z6KLc.srt"


def test_silent_and_audio_only_media(rev: Rev) -> None:
    silent = rev.upload(media_dir() / "sample_silent.mp4")
    audio = rev.upload(media_dir() / "sample_audio_only.mp4")
    body = _order([{"uri": silent}, {"uri": audio}], options={"burned_in_captions": True})
    order = rev.complete(rev.order(body).headers["Location"].rsplit("/", 1)[-1])
    captions = [a for a in order["attachments"] if a["kind"] == "caption"]
    assert [a["kind"] for a in order["attachments"]].count("burnedin") == 1  # only the one with video
    assert rev.request("GET", f"/attachments/{captions[0]['id']}/content.srt").content == b""
    assert "Hello and welcome." in rev.request("GET", f"/attachments/{captions[1]['id']}/content.srt").text
    texts = [comment["text"] for comment in order["comments"]]
    assert any("No speech" in text for text in texts) and any("no video track" in text for text in texts)


def test_unprobeable_media_with_a_given_length_is_timed_over_that_length(rev: Rev) -> None:
    uri = rev.upload(Path("raw.mp4"), data=b"opaque bytes")
    response = rev.order(_order([{"uri": uri, "video_length_seconds": 30}]))
    caption = rev.caption(response.headers["Location"].rsplit("/", 1)[-1])
    srt = rev.request("GET", f"/attachments/{caption['id']}/content.srt").text
    assert "Hello and welcome." in srt


# -- notifications --------------------------------------------------------------------------------------
def test_detailed_form_notifications_follow_every_change(
    sandbox, rev: Rev, sample_uri: str, receiver
) -> None:
    notification = {"url": f"{receiver.url}/rev", "level": "Detailed", "content_type": "FormUrlEncoded"}
    number = rev.place(sample_uri, client_ref="ref-1", burned_in_captions=True, notification=notification)
    wait_for(lambda: len(receiver.received) >= 3)
    time.sleep(0.1)
    assert {item["headers"]["Content-Type"] for item in receiver.received} == {
        "application/x-www-form-urlencoded"
    }
    bodies = receiver.bodies()
    assert [(b["type"], b["status"]) for b in bodies] == [
        ("FileComplete", "In Progress"),
        ("FileComplete", "In Progress"),
        ("StatusChanged", "Complete"),
    ]
    assert all(b["order_number"] == number and b["client_ref"] == "ref-1" for b in bodies)
    order = rev.get(number)
    caption, burned = order["attachments"][1:]
    assert (bodies[0]["deliverable_type"], bodies[0]["attachment_id"]) == ("ai_caption", caption["id"])
    assert (bodies[1]["deliverable_type"], bodies[1]["attachment_id"]) == ("burned_in_caption", burned["id"])
    sent = httpx.get(f"{sandbox.url}/_sandbox/callbacks").json()
    assert [s["url"] for s in sent if s["vendor"] == "rev"] == [f"{receiver.url}/rev"] * 3


def test_detailed_notifications_of_a_real_order_include_transcribing_and_comments(sandbox, receiver) -> None:
    production = Rev(sandbox.vendor_url("rev"), PRODUCTION_USER_KEY)
    uri = production.upload(media_dir() / "sample_silent.mp4")
    body = {
        "automated_caption_options": {"inputs": [{"uri": uri}]},
        "notification": {"url": receiver.url, "level": "Detailed", "content_type": "ApplicationJson"},
    }
    assert production.order(body).status_code == 201
    wait_for(lambda: len(receiver.received) >= 4)
    time.sleep(0.1)
    bodies = receiver.bodies()
    assert [(b["type"], b["status"]) for b in bodies] == [
        ("StatusChanged", "Transcribing"),
        ("FileComplete", "Transcribing"),
        ("CommentAdded", "Transcribing"),
        ("StatusChanged", "Complete"),
    ]
    assert "client_ref" not in bodies[0] and "No speech" in bodies[2]["comment"]


def test_file_complete_json_notifications_only_announce_files(rev: Rev, receiver) -> None:
    uris = [rev.upload(), rev.upload()]
    notification = {"url": receiver.url, "level": "FileComplete", "content_type": "ApplicationJson"}
    response = rev.order(_order([{"uri": uri} for uri in uris], notification=notification))
    order = rev.complete(response.headers["Location"].rsplit("/", 1)[-1])
    wait_for(lambda: len(receiver.received) >= 2)
    time.sleep(0.15)
    assert {item["headers"]["Content-Type"] for item in receiver.received} == {"application/json"}
    bodies = receiver.bodies()
    captions = [a["id"] for a in order["attachments"] if a["kind"] == "caption"]
    assert [b["attachment_id"] for b in bodies] == captions
    assert all(b["type"] == "FileComplete" for b in bodies)


def test_final_only_is_the_default_and_sends_one_notification(rev: Rev, sample_uri: str, receiver) -> None:
    number = rev.place(sample_uri, notification={"url": receiver.url})
    rev.complete(number)
    wait_for(lambda: receiver.received)
    time.sleep(0.15)
    assert len(receiver.received) == 1
    assert receiver.received[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert receiver.bodies() == [{"order_number": number, "type": "StatusChanged", "status": "Complete"}]


def test_final_only_sends_nothing_for_a_cancelled_order(sandbox, rev: Rev, sample_uri: str, receiver) -> None:
    StandingClock(sandbox)
    number = rev.place(sample_uri, notification={"url": receiver.url, "level": "FinalOnly"})
    assert rev.request("POST", f"/orders/{number}/cancel").status_code == 204
    time.sleep(0.3)
    assert receiver.received == []


def test_counters_count_inputs_orders_and_requests(sandbox, rev: Rev, sample_uri: str) -> None:
    rev.place(sample_uri)
    rev.order(_order([]))  # refused: not counted as an order
    counters = sandbox.counters()
    assert counters["created"] == {"rev:input": 1, "rev:order": 1}
    assert counters["requests"]["rev POST /rev/orders"] == 2
    assert counters["requests"]["rev POST /rev/inputs"] == 1


# -- independent readers of the caption formats ------------------------------------------------------
def assert_spoken_text(name: str, content: bytes) -> None:
    """Read the file with a reader of its own format and find the spoken words in it."""
    readers: dict[str, Callable[[bytes], str]] = {
        "SubRip": read_srt,
        "FacebookSubRip": read_srt,
        "WebVtt": read_vtt,
        "Ttml": read_ttml,
        "Dfxp": read_ttml,
        "QTtext": read_qt,
        "Transcript": lambda data: data.decode(),
        "Stl": read_spruce,
        "AvidDs": read_avid_ds,
        "AvidDvd": read_avid_dvd,
        "Scc": lambda data: decode_608(scc_pairs(data)),
        "Mcc": lambda data: decode_608(mcc_pairs(data)),
        "CheetahCap": read_cap,
        "EbuStl": lambda data: " ".join(line.decode("ascii") for line in parse_ebu_stl(data)),
    }
    words = " ".join(readers[name](content).split())
    assert words.replace(" ", "") == SPOKEN.replace(" ", ""), words
    if name in ("Scc", "Mcc") and shutil.which("ffmpeg"):
        assert_ffmpeg_reads(name.lower(), content)


def assert_ffmpeg_reads(kind: str, content: bytes) -> None:
    """ffmpeg's own CEA-608 decoder must find the words too."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", kind, "-i", "pipe:0", "-f", "srt", "pipe:1"],
        input=content,
        capture_output=True,
        timeout=20,
        check=True,
    )
    text = re.sub(r"<[^>]+>|\{[^}]*\}|\\h", " ", result.stdout.decode())
    assert "Hello and welcome." in text and "another language." in " ".join(text.split())


def read_srt(data: bytes) -> str:
    text = data.decode()
    blocks = re.findall(r"(\d+)\n(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})\n((?:.+\n?)+)", text)
    assert [int(b[0]) for b in blocks] == list(range(1, len(blocks) + 1)) and blocks
    assert all(b[1] < b[2] for b in blocks)
    return " ".join(b[3] for b in blocks)


def read_vtt(data: bytes) -> str:
    text = data.decode()
    assert text.startswith("WEBVTT\n")
    blocks = re.findall(r"\n(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n((?:.+\n?)+)", text)
    assert blocks and all(b[0] < b[1] for b in blocks)
    return " ".join(b[2] for b in blocks)


def read_ttml(data: bytes) -> str:
    root = xml_root(data)
    ns = "{http://www.w3.org/ns/ttml}"
    assert root.tag == f"{ns}tt"
    paragraphs = root.findall(f"{ns}body/{ns}div/{ns}p")
    assert paragraphs and all(p.get("begin") < p.get("end") for p in paragraphs)
    return " ".join(" ".join(p.itertext()) for p in paragraphs)


def read_qt(data: bytes) -> str:
    text = data.decode()
    assert text.startswith("{QTtext}")
    stamps = re.findall(r"^\[(\d\d:\d\d:\d\d\.\d\d)\]$", text, re.M)
    assert stamps == sorted(stamps)
    return " ".join(line for line in text.splitlines() if line and not line.startswith(("{", "[")))


def read_spruce(data: bytes) -> str:
    rows = re.findall(r"^(\d\d:\d\d:\d\d:\d\d) , (\d\d:\d\d:\d\d:\d\d) , (.+)\r$", data.decode(), re.M)
    assert rows and all(r[0] < r[1] for r in rows)
    return " ".join(r[2].replace("|", " ") for r in rows)


def read_avid_ds(data: bytes) -> str:
    text = data.decode()
    body = text.split("<begin subtitles>\n", 1)[1].split("<end subtitles>", 1)[0]
    cues = re.findall(r"(\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d)\n((?:.+\n)+)", body)
    assert cues
    return " ".join(c[2] for c in cues)


def read_avid_dvd(data: bytes) -> str:
    rows = re.findall(r"^(\d+)\t(\d\d:\d\d:\d\d:\d\d)\t(\d\d:\d\d:\d\d:\d\d)\t(.+)$", data.decode(), re.M)
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1)) and rows
    return " ".join(r[3].replace("|", " ") for r in rows)


def scc_pairs(data: bytes) -> list[tuple[int, int]]:
    lines = data.decode("ascii").splitlines()
    assert lines[0] == "Scenarist_SCC V1.0"
    pairs = []
    for line in filter(None, lines[1:]):
        code, words = line.split("\t")
        assert re.fullmatch(r"\d\d:\d\d:\d\d[:;]\d\d", code)
        for word in words.split(" "):
            pairs.append((int(word[:2], 16), int(word[2:], 16)))
    return pairs


MCC_ALIASES = {chr(ord("F") + n): "FA0000" * n for n in range(1, 10)}
MCC_ALIASES |= {
    "P": "FB8080",
    "Q": "FC8080",
    "R": "FD8080",
    "S": "9669",
    "T": "6101",
    "U": "E1000000",
    "Z": "00",
}


def mcc_pairs(data: bytes) -> list[tuple[int, int]]:
    text = data.decode("ascii")
    assert text.startswith("File Format=MacCaption_MCC V1.0") and "Time Code Rate=30DF" in text
    pairs = []
    for line in text.splitlines():
        if not re.match(r"\d\d:\d\d:\d\d:\d\d\t", line):
            continue
        packet = bytes.fromhex("".join(MCC_ALIASES.get(c, c) for c in line.split("\t")[1]))
        assert packet[:2] == b"\x61\x01" and packet[2] == len(packet) - 4  # DID, SDID, data count
        cdp = packet[3:-1]
        assert cdp[:2] == b"\x96\x69" and cdp[2] == len(cdp) and sum(cdp) % 256 == 0
        assert cdp[7] == 0x72 and cdp[8] & 0x1F == 20
        triples = [cdp[9 + 3 * i : 12 + 3 * i] for i in range(20)]
        field_one = [t for t in triples if t[0] == 0xFC]
        pairs += [(t[1], t[2]) for t in field_one]
    return pairs


def decode_608(pairs: list[tuple[int, int]]) -> str:
    """Just enough of a line-21 decoder: parity, basic characters, extended ones replacing their stand-in."""
    basic = {0x2A: "á", 0x5C: "é", 0x5E: "í", 0x5F: "ó", 0x60: "ú", 0x7B: "ç", 0x7E: "ñ"}
    out: list[str] = []
    for high, low in pairs:
        for byte in (high, low):
            assert bin(byte).count("1") % 2 == 1, f"{byte:02x} lacks odd parity"
        high, low = high & 0x7F, low & 0x7F
        if high >= 0x20:
            out += [basic.get(b, chr(b)) for b in (high, low) if b >= 0x20]
        elif (high, low) in ((0x14, 0x2F), (0x14, 0x2C)) and (not out or out[-1] != " "):
            out.append(" ")  # a caption boundary
        elif (high & 0x70) == 0x10 and low >= 0x40 and out and out[-1] != " ":
            out.append(" ")  # a new row
    return "".join(out)


def read_cap(data: bytes) -> str:
    assert data[:4] == b"\xea\x22\x01\x00"
    count = int.from_bytes(data[4:6], "little")
    position, texts = 128, []
    while position < len(data):
        length, kind = data[position], data[position + 1]
        assert kind in (0x61, 0x62)
        start, end = data[position + 2 : position + 6], data[position + 6 : position + 10]
        assert tuple(start) < tuple(end)
        text = data[position + 19 : position + length].split(b"\x00")
        texts.append(" ".join(part.decode("latin-1") for part in text if part))
        position += length
    assert len(texts) == count
    return " ".join(texts)


def parse_ebu_stl(data: bytes) -> list[bytes]:
    """The text fields of an EBU STL file (GSI checked), lines split on the CR/LF code."""
    assert len(data) % 128 == 0 and data[3:11] == b"STL25.01" and data[:3] == b"850"
    blocks = (len(data) - 1024) // 128
    assert int(data[238:243]) == blocks and int(data[243:248]) == blocks
    lines = []
    for index in range(blocks):
        tti = data[1024 + 128 * index : 1024 + 128 * (index + 1)]
        assert int.from_bytes(tti[1:3], "little") == index + 1 and tti[3] == 0xFF
        assert tuple(tti[5:9]) < tuple(tti[9:13])
        lines += tti[16:].rstrip(b"\x8f").split(b"\x8a")
    return lines
