"""The HTTP surface of the Rev emulator: `/rev/...` (Rev's `/api/v1/...`) and `/rev/_sandbox/...`."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from video_localization_dev.sandbox.media import probe_bytes
from video_localization_dev.sandbox.rev.bodies import (
    BodyError,
    RevError,
    accepts_entity,
    entity_response,
    fault_body,
    is_xml_body,
    parse_entity,
    wants_xml,
)
from video_localization_dev.sandbox.rev.formats import by_extension, negotiate
from video_localization_dev.sandbox.rev.notifier import Notifier
from video_localization_dev.sandbox.rev.ordering import order_error, validate_order
from video_localization_dev.sandbox.rev.store import (
    Attachment,
    Order,
    RevStore,
    attachment_entity,
    order_entity,
)
from video_localization_dev.sandbox.rev.uploads import receive_media
from video_localization_dev.sandbox.rev.wire import (
    AUTH_SCHEME,
    BURNED_IN_RETENTION_SECONDS,
    CANCEL_REFUSED_STATUS,
    KIND_BURNED_IN,
    KIND_CAPTION,
    RESULTS_PER_PAGE,
    SANDBOX_CLIENT_KEY,
    VENDOR,
    XML_ROOT_ATTACHMENT,
    XML_ROOT_ORDER,
    XML_ROOT_ORDER_LIST,
)
from video_localization_dev.sandbox.state import Sandbox


def _user_key(request: Request) -> str:
    return request.state.rev_user_key


def _split_extension(value: str) -> tuple[str, bool | None]:
    """`CP123.xml` -> (`CP123`, True); entities may be asked for by URL extension as well as Accept."""
    for extension, xml in ((".json", False), (".xml", True)):
        if value.lower().endswith(extension):
            return value[: -len(extension)], xml
    return value, None


def build_routers(sandbox: Sandbox, store: RevStore, notifier: Notifier) -> tuple[APIRouter, APIRouter]:
    def base_url() -> str:
        return f"{sandbox.settings.public_url.rstrip('/')}/{VENDOR}"

    async def authenticate(request: Request) -> None:
        """`Authorization: Rev <client key>:<user key>`; anything else is 401 with `WWW-Authenticate: Rev`."""
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        client_key, _, user_key = credentials.strip().partition(":")
        if scheme != AUTH_SCHEME or client_key != SANDBOX_CLIENT_KEY or user_key not in store.accounts:
            error = RevError(401, None, "Unauthorized: send Authorization: Rev <ClientApiKey>:<UserApiKey>")
            error.xml = wants_xml(request.headers.get("accept"))
            error.headers["WWW-Authenticate"] = AUTH_SCHEME
            raise error
        request.state.rev_user_key = user_key

    router = APIRouter(
        prefix=f"/{VENDOR}",
        tags=["rev"],
        dependencies=[
            Depends(sandbox.vendor_dependency(VENDOR, fault_body)),
            Depends(notifier.ensure_running),
            Depends(authenticate),
        ],
    )

    def entity_kind(request: Request, from_extension: bool | None) -> bool:
        accept = request.headers.get("accept")
        if from_extension is not None:
            return from_extension
        if not accepts_entity(accept):
            message = "Not Acceptable: entities are application/json, application/xml or text/xml"
            raise RevError(406, None, message)
        return wants_xml(accept)

    def not_found(what: str, xml: bool) -> RevError:
        return RevError(404, None, f"Not Found: {what}", xml=xml)

    # -- inputs -----------------------------------------------------------------------------------
    @router.post("/inputs", status_code=201)
    async def post_input(request: Request) -> Response:
        user_key = _user_key(request)
        try:
            media = await receive_media(request)
        except RevError as error:
            error.xml = error.xml or wants_xml(request.headers.get("accept"))
            raise
        info = await run_in_threadpool(probe_bytes, media.data)
        stored = store.add_input(user_key, media.filename, media.content_type, media.data, info)
        return Response(status_code=201, headers={"Location": stored.urn})

    # -- orders -----------------------------------------------------------------------------------
    @router.post("/orders", status_code=201)
    async def post_order(request: Request) -> Response:
        user_key = _user_key(request)
        body = await request.body()
        content_type = request.headers.get("content-type")
        xml = is_xml_body(content_type, body) or wants_xml(request.headers.get("accept"))
        try:
            entity, _ = parse_entity(content_type, body)
        except BodyError as exc:
            raise order_error(50000, "the request entity could not be read", xml, str(exc)) from None
        account = store.accounts[user_key]
        fields = await run_in_threadpool(validate_order, store, user_key, account, entity, xml)
        order = store.add_order(fields)
        return Response(status_code=201, headers={"Location": f"{base_url()}/orders/{order.number}"})

    @router.get("/orders")
    async def list_orders(request: Request) -> Response:
        xml = entity_kind(request, None)
        raw_page = request.query_params.get("page", "0")
        if not raw_page.isdigit():
            raise order_error(50000, "page must be a 0-based page number", xml, f"page: got {raw_page!r}")
        page = int(raw_page)
        orders = store.list_orders(_user_key(request), request.query_params.get("clientRef"))
        chunk = orders[page * RESULTS_PER_PAGE : (page + 1) * RESULTS_PER_PAGE]
        with sandbox.lock:
            entity: dict[str, Any] = {
                "total_count": len(orders),
                "results_per_page": RESULTS_PER_PAGE,
                "page": page,
                "orders": [order_entity(order, store.attachments, base_url()) for order in chunk],
            }
        return entity_response(XML_ROOT_ORDER_LIST, entity, xml)

    def find_order(request: Request, number: str, xml: bool) -> Order:
        order = store.get_order(_user_key(request), number)
        if order is None:
            raise not_found(f"no order {number!r} for this user", xml)
        return order

    @router.get("/orders/{order_number}")
    async def get_order(order_number: str, request: Request) -> Response:
        number, from_extension = _split_extension(order_number)
        xml = entity_kind(request, from_extension)
        order = find_order(request, number, xml)
        with sandbox.lock:
            entity = order_entity(order, store.attachments, base_url())
        return entity_response(XML_ROOT_ORDER, entity, xml)

    @router.post("/orders/{order_number}/cancel", status_code=204)
    async def cancel_order(order_number: str, request: Request) -> Response:
        xml = wants_xml(request.headers.get("accept"))
        order = find_order(request, order_number, xml)
        if not store.cancel(order):
            message = (
                f"Order {order.number} can no longer be cancelled: work on it has begun ({order.status})"
            )
            raise RevError(CANCEL_REFUSED_STATUS, None, message, xml=xml)
        return Response(status_code=204)

    # -- attachments ------------------------------------------------------------------------------
    def find_attachment(request: Request, attachment_id: str, xml: bool) -> Attachment:
        attachment = store.get_attachment(_user_key(request), attachment_id)
        if attachment is None:
            raise not_found(f"no attachment {attachment_id!r} for this user", xml)
        return attachment

    @router.get("/attachments/{attachment_id}")
    async def get_attachment(attachment_id: str, request: Request) -> Response:
        attachment_id, from_extension = _split_extension(attachment_id)
        xml = entity_kind(request, from_extension)
        attachment = find_attachment(request, attachment_id, xml)
        return entity_response(XML_ROOT_ATTACHMENT, attachment_entity(attachment, base_url()), xml)

    def content(request: Request, attachment_id: str, extension: str | None) -> Response:
        attachment = find_attachment(request, attachment_id, False)
        accept = request.headers.get("accept")
        if attachment.kind == KIND_CAPTION:
            return caption_content(attachment, accept, extension)
        if attachment.kind == KIND_BURNED_IN:
            if time.time() - attachment.generated_at > BURNED_IN_RETENTION_SECONDS:
                raise not_found(
                    f"the burned-in caption video {attachment.id} was kept for 7 days and has expired", False
                )
        elif attachment.data is None:
            raise not_found(f"attachment {attachment.id} is an external link; Rev holds no copy of it", False)
        else:
            _check_media_accept(attachment, accept)  # burned-in videos ignore Accept (Rev's page)
        if extension is not None and extension.lower() != attachment.name.rsplit(".", 1)[-1].lower():
            raise RevError(406, None, f"Not Acceptable: {attachment.kind} attachments are served as they are")
        return Response(
            attachment.data,
            media_type=attachment.content_type,
            headers={"Content-Disposition": f'attachment; filename="{attachment.name}"'},
        )

    def caption_content(attachment: Attachment, accept: str | None, extension: str | None) -> Response:
        captions = attachment.captions
        assert captions is not None
        if extension is not None:
            fmt = by_extension(extension, captions.language)
        else:
            fmt = negotiate(accept, captions.language)
        if fmt is None:
            asked = f"extension .{extension}" if extension is not None else f"Accept: {accept}"
            raise RevError(
                406, None, f"Not Acceptable: the captions are not available as {asked} ({captions.language})"
            )
        filename = fmt.filename(attachment.stem, captions.language)
        return Response(
            fmt.writer(captions),
            headers={
                "Content-Type": fmt.content_type,
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )

    @router.get("/attachments/{attachment_id}/content")
    async def get_content(attachment_id: str, request: Request) -> Response:
        return await run_in_threadpool(content, request, attachment_id, None)

    @router.get("/attachments/{attachment_id}/content.{extension}")
    async def get_content_with_extension(attachment_id: str, extension: str, request: Request) -> Response:
        return await run_in_threadpool(content, request, attachment_id, extension)

    # -- sandbox controls (not Rev's API; not counted as vendor calls) -----------------------------
    controls = APIRouter(prefix=f"/{VENDOR}/_sandbox", tags=["rev sandbox controls"])

    @controls.get("/accounts")
    def accounts() -> dict[str, Any]:
        """The sandbox's Rev users and what each may do (the causes of 20050, 30010, 30011, 40011, ...)."""
        with sandbox.lock:
            return {key: vars(account).copy() for key, account in store.accounts.items()}

    @controls.patch("/accounts/{user_key}")
    async def update_account(user_key: str, request: Request) -> dict[str, Any]:
        """Change a user's account (e.g. `{"invoicing": false}`); restored on sandbox reset."""
        changes = await request.json()
        with sandbox.lock:
            account = store.accounts.get(user_key)
            if account is None:
                raise RevError(404, None, f"Not Found: no sandbox user {user_key!r}")
            unknown = set(changes) - set(vars(account))
            if unknown:
                raise RevError(400, None, f"unknown account fields: {', '.join(sorted(unknown))}")
            for key, value in changes.items():
                setattr(account, key, tuple(value) if isinstance(value, list) else value)
            return vars(account).copy()

    return router, controls


def _check_media_accept(attachment: Attachment, accept: str | None) -> None:
    """Source media comes as it was sent: Accept must allow its own type."""
    content_type = (attachment.content_type or "application/octet-stream").lower()
    major = content_type.split("/", 1)[0]
    kinds = [item.split(";", 1)[0].strip().lower() for item in (accept or "").split(",") if item.strip()]
    if kinds and not any(kind in ("*/*", f"{major}/*", content_type) for kind in kinds):
        raise RevError(406, None, f"Not Acceptable: this media attachment is {content_type}")
