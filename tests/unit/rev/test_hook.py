"""RevHook against the Rev sandbox: every endpoint, and every documented error code through its cause.

The hook reads `rev_default` from the environment (see the `rev` fixture), so these are also examples
of what a DAG author gets back from each call.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from rev_test_support import (
    INPUTS_ROUTE,
    LIST_ROUTE,
    ORDER_ROUTE,
    ORDERS_ROUTE,
    PRODUCTION_USER_KEY,
    SAMPLE,
    RevObjects,
    fast_hook,
    inject_fault,
    rev_connection_json,
    set_account,
)
from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization.core.storage import require_mp4
from video_localization.rev import hook as rev_hook_module
from video_localization.rev.models import (
    AttachmentKind,
    AutomatedCaptionOptions,
    Notification,
    Order,
    OrderInput,
    OrderRequest,
    OrderStatus,
    parse,
)
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import wait_until

SPOKEN_FIRST_LINE = "Hello and welcome."


def other_connection(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox, conn_id: str, **fields: Any
) -> Any:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", rev_connection_json(sandbox, **fields))
    return fast_hook(conn_id)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rev_error(call: Any) -> VendorError:
    with pytest.raises(VendorError) as caught:
        call()
    return caught.value


# -- auth ---------------------------------------------------------------------------------------------------
def test_wrong_keys_get_rev_s_401(rev: RevObjects, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = other_connection(monkeypatch, rev.sandbox, "rev_wrong", password="not-a-user-key")
    error = rev_error(lambda: hook.list_orders())
    assert (error.vendor, error.status_code, error.code) == ("rev", 401, 401)
    assert "Authorization: Rev <ClientApiKey>:<UserApiKey>" in error.message
    assert not error.retryable


def test_a_connection_without_both_keys_is_refused_before_any_call(
    rev: RevObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = other_connection(monkeypatch, rev.sandbox, "rev_half", login=None)
    with pytest.raises(VendorError, match="client API key as login and the user API key as password"):
        hook.list_orders()
    assert rev.requests() == 0


def test_both_keys_are_masked(rev: RevObjects, monkeypatch: pytest.MonkeyPatch) -> None:
    masked: list[str] = []
    monkeypatch.setattr(rev_hook_module, "mask_secret", masked.append)
    hook = other_connection(monkeypatch, rev.sandbox, "rev_masked")
    assert hook.auth_headers() == {"Authorization": "Rev sandbox-client-key:sandbox-user-key"}
    assert masked == ["sandbox-client-key", "sandbox-user-key"]


def test_test_connection(rev: RevObjects, monkeypatch: pytest.MonkeyPatch) -> None:
    assert rev.hook.test_connection() == (True, "Connected to Rev (sandbox mode): 0 orders")
    ok, message = other_connection(monkeypatch, rev.sandbox, "rev_bad", password="nope").test_connection()
    assert not ok and "HTTP 401" in message


# -- inputs -----------------------------------------------------------------------------------------------
def test_upload_input_file_streams_the_media_and_answers_its_urn(rev: RevObjects) -> None:
    urn = rev.upload()
    assert urn.startswith("urn:rev:inputmedia:")
    assert rev.counters()["created"] == {"rev:input": 1}
    order = rev.complete_order(uri=urn)
    [media] = order.attachments_of(AttachmentKind.MEDIA)
    assert media.name == "sample.mp4"
    assert rev.hook.get_content(media.id) == SAMPLE.read_bytes()  # every byte arrived


def test_a_retried_upload_sends_the_whole_file_again(rev: RevObjects) -> None:
    inject_fault(rev.sandbox, 503, "POST", "/inputs")
    urn = rev.upload()  # 503: Rev did nothing, so the create is safely sent again, from the start
    assert rev.requests_to(INPUTS_ROUTE) == 2
    [media] = rev.complete_order(uri=urn).attachments_of(AttachmentKind.MEDIA)
    assert rev.hook.get_content(media.id) == SAMPLE.read_bytes()


def test_upload_input_url_lets_rev_fetch_the_media(rev: RevObjects) -> None:
    urn = rev.hook.upload_input_url(rev.media_url(), filename="launch.mp4")
    order = rev.complete_order(uri=urn)
    assert [a.name for a in order.attachments_of(AttachmentKind.MEDIA)] == ["launch.mp4"]


@pytest.mark.parametrize(
    ("call", "code", "words"),
    [
        (
            lambda h: h.upload_input(io.BytesIO(b"hello"), "notes.txt", "text/plain"),
            10001,
            "Unsupported Content",
        ),
        (
            lambda h: h.upload_input_url(f"http://127.0.0.1:{closed_port()}/a.mp4"),
            10002,
            "Could not retrieve",
        ),
        (
            lambda h: h.api.request(
                "POST",
                "/inputs",
                files={"a": ("a.mp4", b"1", "video/mp4"), "b": ("b.mp4", b"2", "video/mp4")},
            ),
            10003,
            "Invalid multipart request",
        ),
        (lambda h: h.upload_input(io.BytesIO(b"\0\0\0\x18ftypmp42"), ""), 10004, "Unspecified filename"),
    ],
)
def test_every_input_error_code(rev: RevObjects, call: Any, code: int, words: str) -> None:
    error = rev_error(lambda: call(rev.hook))
    assert (error.status_code, error.code) == (400, code)
    assert words in error.message
    assert rev.counters()["created"] == {}


# -- orders -----------------------------------------------------------------------------------------------
def test_submit_order_then_get_it_until_complete(rev: RevObjects) -> None:
    urn = rev.upload()
    request = rev.request(urn, formats=[CaptionFormat.SUBRIP, CaptionFormat.SCC], client_ref="my-ref")
    assert request.wire() == {
        "sandbox_mode": True,
        "client_ref": "my-ref",
        "automated_caption_options": {
            "inputs": [{"uri": urn}],
            "output_file_formats": ["SubRip", "Scc"],
            "inputs_language": "en",
        },
    }
    number = rev.hook.submit_order(request)
    assert number.startswith("CP")
    placed = rev.hook.get_order(number)
    assert (placed.order_number, placed.client_ref, placed.status) == (
        number,
        "my-ref",
        OrderStatus.IN_PROGRESS,
    )
    assert placed.price == pytest.approx(0.03)
    order = rev.wait_order(number)
    assert order.status is OrderStatus.COMPLETE
    assert [a.kind for a in order.attachments] == ["media", "caption"]
    assert rev.orders_created() == 1


def test_a_real_order_goes_through_transcribing(rev: RevObjects, monkeypatch: pytest.MonkeyPatch) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 0.3
    hook = other_connection(monkeypatch, rev.sandbox, "rev_prod", password=PRODUCTION_USER_KEY)
    number = hook.submit_order(RevObjects(hook, rev.sandbox).request(sandbox_mode=False))
    seen = set()
    wait_until(
        "Complete",
        lambda: seen.add(hook.get_order(number).status) or seen,
        lambda statuses: OrderStatus.COMPLETE in statuses,
    )
    assert {OrderStatus.IN_PROGRESS, OrderStatus.TRANSCRIBING, OrderStatus.COMPLETE} <= seen


def test_an_unknown_status_fails_loudly_with_the_raw_value() -> None:
    known = re.escape("OrderStatus (known: In Progress, Transcribing, Complete, Cancelled): Finalizing")
    with pytest.raises(VendorResponseError, match=known):
        parse(Order, {"order_number": "CP1", "status": "Finalizing"}, "order")


def test_get_order_and_aget_order_agree(rev: RevObjects) -> None:
    order = rev.complete_order()
    assert asyncio.run(rev.hook.aget_order(order.order_number)).model_dump() == order.model_dump()


def test_an_unknown_order_is_rev_s_404(rev: RevObjects) -> None:
    error = rev_error(lambda: rev.hook.get_order("CP0000000000"))
    assert (error.status_code, error.code) == (404, 404)
    assert "no order 'CP0000000000'" in error.message


def raw_options(**options: Any) -> dict[str, Any]:
    return {"sandbox_mode": True, "automated_caption_options": {"inputs_language": "en", **options}}


ORDER_ERROR_CASES: list[tuple[str, Any, int]] = [
    ("missing inputs", lambda rev, urn: rev.post_order(raw_options(inputs=[])), 10001),
    ("invalid input", lambda rev, urn: rev.place(uri="urn:rev:inputmedia:unknown"), 10002),
    (
        "two services",
        lambda rev, urn: rev.post_order(
            {"automated_caption_options": {"inputs": [{"uri": urn}]}, "caption_options": {"inputs": []}}
        ),
        10003,
    ),
    ("no service", lambda rev, urn: rev.post_order({"sandbox_mode": True}), 10004),
    (
        "link and uri",
        lambda rev, urn: rev.post_order(
            raw_options(inputs=[{"uri": urn, "external_link": "https://vimeo.com/1"}])
        ),
        10005,
    ),
    (
        "no location",
        lambda rev, urn: rev.post_order(raw_options(inputs=[{"video_length_seconds": 9}])),
        10006,
    ),
    (
        "unreachable link",
        lambda rev, urn: rev.hook.submit_order(
            link_request(f"http://127.0.0.1:{closed_port()}/talk", video_length_seconds=60)
        ),
        10007,
    ),
    (
        "s3 bucket",
        lambda rev, urn: rev.hook.submit_order(link_request("s3://bucket/talk.mp4", video_length_seconds=60)),
        10008,
    ),
    (
        "no media length",
        lambda rev, urn: rev.hook.submit_order(link_request("https://vimeo.com/7976699")),
        20001,
    ),
    ("bad language", lambda rev, urn: rev.place(urn, language="xx"), 20003),
    (
        "long reference",
        lambda rev, urn: rev.post_order({**raw_options(inputs=[{"uri": urn}]), "client_ref": "r" * 257}),
        20010,
    ),
    ("workspace", lambda rev, urn: rev.place(urn, workspace_id=42), 20050),
    (
        "long po number",
        lambda rev, urn: rev.post_order({**raw_options(inputs=[{"uri": urn}]), "ponumber": "p" * 65}),
        40010,
    ),
    (
        "field format",
        lambda rev, urn: rev.post_order(raw_options(inputs=[{"uri": urn}], output_file_formats=["Srt"])),
        50000,
    ),
    ("sandbox required", lambda rev, urn: rev.place(urn, sandbox_mode=False), 50002),
]


def link_request(link: str, video_length_seconds: int | None = None) -> OrderRequest:
    return OrderRequest(
        sandbox_mode=True,
        automated_caption_options=AutomatedCaptionOptions(
            inputs=[OrderInput(external_link=link, video_length_seconds=video_length_seconds)]
        ),
    )


@pytest.mark.parametrize(
    ("case", "place", "code"), ORDER_ERROR_CASES, ids=[case[0] for case in ORDER_ERROR_CASES]
)
def test_every_order_error_code_from_its_cause(rev: RevObjects, case: str, place: Any, code: int) -> None:
    urn = rev.upload()
    error = rev_error(lambda: place(rev, urn))
    assert (error.vendor, error.status_code, error.code) == ("rev", 400, code)
    assert not error.retryable
    assert rev.orders_created() == 0


@pytest.mark.parametrize(
    ("account", "options", "code", "words"),
    [
        ({"balance_payments": False}, {}, 30010, "Ineligible For Balance Payments"),
        ({"balance_limit_usd": 0.01}, {}, 30011, "Account Balance Limit Exceeded"),
        ({"invoicing": False}, {"ponumber": "PO-1"}, 40011, "User Unauthorized For PO Number"),
        ({"po_order_types": []}, {"ponumber": "PO-1"}, 40012, "Invalid Order Type For PO Number"),
    ],
)
def test_account_errors_from_the_account_s_settings(
    rev: RevObjects, account: dict[str, Any], options: dict[str, Any], code: int, words: str
) -> None:
    urn = rev.upload()
    set_account(rev.sandbox, **account)
    error = rev_error(lambda: rev.place(urn, **options))
    assert (error.status_code, error.code) == (400, code)
    assert words in error.message


def test_the_models_refuse_what_rev_would_refuse() -> None:
    with pytest.raises(ValidationError):
        AutomatedCaptionOptions(inputs=[])  # 10001
    with pytest.raises(ValidationError, match="exactly one of uri and external_link"):
        OrderInput(uri="urn:rev:inputmedia:x", external_link="https://vimeo.com/1")  # 10005
    with pytest.raises(ValidationError, match="exactly one of uri and external_link"):
        OrderInput()  # 10006
    with pytest.raises(ValidationError):
        OrderInput(uri="urn:rev:inputmedia:x", video_length_seconds=0)  # 20001
    with pytest.raises(ValidationError):
        OrderRequest(
            client_ref="r" * 257,
            automated_caption_options=AutomatedCaptionOptions(inputs=[OrderInput(uri="u")]),
        )
    with pytest.raises(ValidationError):
        Notification(url="https://hooks.example/rev", level="Sometimes")


def test_transient_answers_are_retried_and_a_500_after_a_create_is_not(rev: RevObjects) -> None:
    urn = rev.upload()
    inject_fault(rev.sandbox, 429, "POST", "/orders", retry_after=0)
    number = rev.place(urn)  # 429: Rev did nothing, so the order is sent again
    assert rev.requests_to(ORDERS_ROUTE) == 2 and rev.orders_created() == 1
    inject_fault(rev.sandbox, 503, "GET", f"/orders/{number}", times=2)
    assert rev.hook.get_order(number).order_number == number
    assert rev.requests_to(ORDER_ROUTE) == 3
    inject_fault(rev.sandbox, 500, "POST", "/orders", message="upstream timeout")
    error = rev_error(lambda: rev.place(urn))  # a 500 after a create may have made it: not resent
    assert (error.status_code, error.message, error.retryable) == (500, "upstream timeout", True)
    assert rev.requests_to(ORDERS_ROUTE) == 3


# -- listing and finding by client_ref ------------------------------------------------------------------
def test_list_orders_pages_and_find_orders_by_client_ref(rev: RevObjects) -> None:
    urn = rev.upload()
    numbers = [rev.place(urn, client_ref=f"ref-{n % 2}") for n in range(26)]
    first, second = rev.hook.list_orders(0), rev.hook.list_orders(1)
    assert (first.total_count, first.results_per_page, first.page, len(first.orders)) == (26, 25, 0, 25)
    assert [o.order_number for o in first.orders + second.orders] == numbers[::-1]  # newest first
    listed = rev.requests_to(LIST_ROUTE)
    assert [o.order_number for o in rev.hook.iter_orders()] == numbers[::-1]
    assert rev.requests_to(LIST_ROUTE) - listed == 2
    found = rev.hook.find_orders("ref-1")
    assert [o.order_number for o in found] == numbers[1::2][::-1]
    assert rev.hook.find_orders("ref-") == []  # exact references only


# -- cancel -----------------------------------------------------------------------------------------------
def test_cancel_before_work_begins_then_rev_refuses(rev: RevObjects) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    rev.hook.cancel_order(number)
    assert rev.hook.get_order(number).status is OrderStatus.CANCELLED
    error = rev_error(lambda: rev.hook.cancel_order(number))
    assert error.status_code == 400 and "can no longer be cancelled" in error.message


def test_acancel_order_and_a_refusal_once_work_has_begun(rev: RevObjects) -> None:
    rev.sandbox.sandbox.settings.step_seconds = 5
    number = rev.place()
    asyncio.run(rev.hook.acancel_order(number))
    assert rev.hook.get_order(number).status is OrderStatus.CANCELLED
    rev.sandbox.sandbox.settings.step_seconds = 0.05
    done = rev.complete_order()
    error = rev_error(lambda: asyncio.run(rev.hook.acancel_order(done.order_number)))
    assert (error.status_code, error.code) == (400, 400)


# -- attachments ------------------------------------------------------------------------------------------
def test_get_attachment_and_its_content_in_every_caption_format(rev: RevObjects) -> None:
    order = rev.complete_order(formats=list(CaptionFormat))
    [caption] = order.attachments_of(AttachmentKind.CAPTION)
    attachment = rev.hook.get_attachment(caption.id)
    assert (attachment.kind, attachment.id) == ("caption", caption.id)
    assert attachment.links[0].href.endswith(f"/attachments/{caption.id}/content")
    contents = {fmt: rev.hook.get_content(caption.id, fmt) for fmt in CaptionFormat}
    assert SPOKEN_FIRST_LINE in contents[CaptionFormat.SUBRIP].decode()
    assert contents[CaptionFormat.WEBVTT].startswith(b"WEBVTT")
    assert contents[CaptionFormat.SCC].startswith(b"Scenarist_SCC V1.0")
    assert contents[CaptionFormat.EBU_STL][3:11] == b"STL25.01"
    assert contents[CaptionFormat.FACEBOOK_SUBRIP] == contents[CaptionFormat.SUBRIP]
    assert all(contents.values())


def test_a_format_rev_cannot_make_for_the_language_is_406(rev: RevObjects) -> None:
    order = rev.complete_order(language="ja", formats=[CaptionFormat.SUBRIP])
    [caption] = order.attachments_of(AttachmentKind.CAPTION)
    assert "こんにちは" in rev.hook.get_content(caption.id, CaptionFormat.SUBRIP).decode()
    error = rev_error(lambda: rev.hook.get_content(caption.id, CaptionFormat.SCC))
    assert (error.status_code, error.code) == (406, 406)
    assert "Not Acceptable" in error.message


def test_an_unknown_attachment_is_404(rev: RevObjects) -> None:
    error = rev_error(lambda: rev.hook.get_attachment("nope"))
    assert (error.status_code, error.code) == (404, 404)


def test_download_attachment_streams_captions_and_the_burned_in_video(
    rev: RevObjects, tmp_path: Path
) -> None:
    order = rev.complete_order(burned_in_captions=True)
    [caption] = order.attachments_of(AttachmentKind.CAPTION)
    [burned] = order.attachments_of(AttachmentKind.BURNED_IN)
    stored = rev.hook.download_attachment(caption.id, tmp_path / "en.vtt", CaptionFormat.WEBVTT)
    data = (tmp_path / "en.vtt").read_bytes()
    assert (stored.size_bytes, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    video = rev.hook.download_attachment(burned.id, tmp_path / "video.burned-in.mp4", check_head=require_mp4)
    assert video.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["en.vtt", "video.burned-in.mp4"]
