"""RevHook: the only place that knows Rev's wire format (paths, auth, error shape, content links).

Connection (`rev_default`): login = client API key, password = user API key; host = base URL (default
`https://api.rev.com/api/v1`); extras: `sandbox_mode` (place sandbox orders: free, never worked on)
and `notification_url` (where Rev posts order status notifications).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import PurePosixPath
from typing import IO, Any
from urllib.parse import quote

import httpx
from airflow.sdk import Connection, ObjectStoragePath
from airflow.sdk.log import mask_secret

from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization.core.hooks import VendorHook
from video_localization.core.http import ErrorParser
from video_localization.core.storage import CHUNK_SIZE, StoredFile, as_storage_path, stream_to_storage
from video_localization.core.wait.status import split_unchanged
from video_localization.rev.models import (
    CONTENT_EXTENSIONS,
    INPUT_URN_PREFIX,
    VENDOR,
    Attachment,
    ErrorBody,
    InputFromUrl,
    Order,
    OrderPage,
    OrderRequest,
    parse,
)

DEFAULT_BASE_URL = "https://api.rev.com/api/v1"
AUTH_SCHEME = "Rev"
JSON = "application/json"
#: Media types of uploads, by file extension (anything else is sent as application/octet-stream).
MEDIA_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".m4a": "audio/mp4", ".mp3": "audio/mpeg"}


def rev_error(response: httpx.Response) -> VendorError:
    """`{"code": <int>, "message": "...", "detail"?: ...}` -> VendorError; any other body is kept raw."""
    try:
        raw = response.json()
    except ValueError:
        raw = None
    if isinstance(raw, dict) and "message" in raw:
        body = ErrorBody.model_validate(raw)
        message = body.message
        if body.detail:
            message += f" ({body.detail})"
        return VendorError(VENDOR, message, status_code=response.status_code, code=body.code, details=raw)
    return VendorError(
        VENDOR, f"unexpected error body: {response.text[:2000]!r}", status_code=response.status_code
    )


def truthy(value: Any) -> bool:
    """A flag from a connection extra or a rendered template (`"true"`, `"False"`, `1`, `True`)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class _RewindingBody:
    """A file sent as a request body in chunks; each new attempt of the request starts from its beginning."""

    def __init__(self, stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> None:
        self.stream = stream
        self.chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        self.stream.seek(0)
        while chunk := self.stream.read(self.chunk_size):
            yield chunk


class RevHook(VendorHook):
    """One method per Rev endpoint; async twins for what triggers poll and cancel.

    :param rev_conn_id: the Airflow connection (type `rev`); `conn_id` is accepted too. Default `rev_default`.
    :param timeout: seconds per HTTP request.
    :param retry: the backoff policy for retryable answers (429, 5xx, timeouts); default `RetryPolicy()`.
    """

    vendor = VENDOR
    default_base_url = DEFAULT_BASE_URL
    conn_name_attr = "rev_conn_id"
    default_conn_name = "rev_default"
    conn_type = "rev"
    hook_name = "Rev Captions"

    @staticmethod
    def _mask(connection: Connection) -> None:
        for secret in (connection.login, connection.password):
            if secret:
                mask_secret(secret)

    def auth_headers(self) -> dict[str, str]:
        client_key, user_key = self.connection.login, self.connection.password
        if not client_key or not user_key:
            raise VendorError(
                VENDOR,
                f"connection {self.conn_id!r} needs the client API key as login and the user API key "
                "as password",
            )
        return {"Authorization": f"{AUTH_SCHEME} {client_key}:{user_key}"}

    def error_parser(self) -> ErrorParser:
        return rev_error

    @property
    def sandbox_mode(self) -> bool:
        return truthy(self.extras.get("sandbox_mode"))

    @property
    def notification_url(self) -> str | None:
        return self.extras.get("notification_url") or None

    # -- inputs -----------------------------------------------------------------------------------
    @staticmethod
    def _input_urn(response: httpx.Response) -> str:
        location = response.headers.get("Location", "")
        if not location.startswith(INPUT_URN_PREFIX):
            raise VendorResponseError(VENDOR, "Location of a new input", location, status_code=201)
        return location

    def upload_input(
        self, stream: IO[bytes], filename: str, content_type: str = "video/mp4", size: int | None = None
    ) -> str:
        """`POST /inputs` with the media as the raw body, streamed in chunks; answers the input's URN."""
        headers = {
            "Accept": JSON,
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{filename.replace(chr(34), "")}"',
        }
        if size is not None:
            headers["Content-Length"] = str(size)  # a known length, so the body is not sent chunked
        response = self.api.request(
            "POST",
            "/inputs",
            content=_RewindingBody(stream),
            headers=headers,
            expected=(201,),
            creates=True,
        )
        return self._input_urn(response)

    def upload_input_file(self, source: str | ObjectStoragePath, content_type: str | None = None) -> str:
        """Upload a local file or an object-storage object, streamed (never read whole into memory)."""
        path = as_storage_path(source)
        kind = content_type or MEDIA_TYPES.get(
            PurePosixPath(path.name).suffix.lower(), "application/octet-stream"
        )
        size = path.stat().st_size
        with path.open("rb") as stream:
            return self.upload_input(stream, path.name, kind, size=size)

    def upload_input_url(self, url: str, filename: str | None = None, content_type: str | None = None) -> str:
        """`POST /inputs` with `{"url"}`: Rev downloads the media itself."""
        body = InputFromUrl(url=url, filename=filename, content_type=content_type).wire()
        response = self.api.request(
            "POST", "/inputs", json=body, headers={"Accept": JSON}, expected=(201,), creates=True
        )
        return self._input_urn(response)

    # -- orders -----------------------------------------------------------------------------------
    def submit_order(self, request: OrderRequest) -> str:
        """`POST /orders`; answers the new order's number (the last segment of `Location`)."""
        response = self.api.request(
            "POST", "/orders", json=request.wire(), headers={"Accept": JSON}, expected=(201,), creates=True
        )
        location = response.headers.get("Location", "")
        number = location.rstrip("/").rsplit("/", 1)[-1]
        if "/orders/" not in location or not number:
            raise VendorResponseError(VENDOR, "Location of a new order", location, status_code=201)
        return number

    def list_orders(self, page: int = 0, client_ref: str | None = None) -> OrderPage:
        """`GET /orders?page=N[&clientRef=...]` (pages count from 0), newest first."""
        params: dict[str, Any] = {"page": page}
        if client_ref is not None:
            params["clientRef"] = client_ref
        response = self.api.request("GET", "/orders", params=params, headers={"Accept": JSON})
        return parse(OrderPage, response.json(), "order list")

    async def alist_orders(
        self, page: int = 0, only: Collection[str] | None = None, held: Mapping[str, Order] | None = None
    ) -> OrderPage:
        """The async `list_orders` for the triggerer's status loop (`core.wait.status`).

        `only`: the order numbers the caller waits on; the other orders of the page are dropped before
        they are parsed (a page holds 25 orders, a status loop wants a few of them).
        `held`: orders the caller already holds a parsed model for; an entry whose status word is still
        that model's comes back as the held model, not parsed again (`core.wait.status.split_unchanged`).
        """
        api = await self.aapi()
        response = await api.arequest("GET", "/orders", params={"page": page}, headers={"Accept": JSON})
        raw = response.json()
        unchanged: list[Order] = []
        if only is not None and isinstance(raw, dict) and isinstance(raw.get("orders"), list):
            orders = [o for o in raw["orders"] if isinstance(o, dict) and o.get("order_number") in only]
            if held:
                unchanged, orders = split_unchanged(orders, held, "order_number", lambda o: o.status.value)
            raw = {**raw, "orders": orders}
        listing = parse(OrderPage, raw, "order list")
        listing.orders.extend(unchanged)
        return listing

    def iter_orders(self, client_ref: str | None = None) -> Iterator[Order]:
        page = 0
        while True:
            listing = self.list_orders(page, client_ref)
            yield from listing.orders
            if not listing.orders or (page + 1) * listing.results_per_page >= listing.total_count:
                return
            page += 1

    def find_orders(self, client_ref: str) -> list[Order]:
        """Orders placed with `client_ref`, newest first (how a retried submit finds its order)."""
        return [order for order in self.iter_orders(client_ref) if order.client_ref == client_ref]

    def get_order(self, order_number: str) -> Order:
        response = self.api.request("GET", f"/orders/{order_number}", headers={"Accept": JSON})
        return parse(Order, response.json(), "order")

    def order_url(self, order_number: str) -> str:
        """The order's own URL at Rev (`GET /orders/{n}`): what the order's extra link opens."""
        return self.api.url(f"/orders/{quote(order_number, safe='')}")

    async def aget_order(self, order_number: str) -> Order:
        api = await self.aapi()
        response = await api.arequest("GET", f"/orders/{order_number}", headers={"Accept": JSON})
        return parse(Order, response.json(), "order")

    def cancel_order(self, order_number: str) -> None:
        """`POST /orders/{n}/cancel` (204); Rev refuses (400) once work on the order has begun."""
        self.api.request("POST", f"/orders/{order_number}/cancel", headers={"Accept": JSON}, expected=(204,))

    async def acancel_order(self, order_number: str) -> None:
        api = await self.aapi()
        await api.arequest(
            "POST", f"/orders/{order_number}/cancel", headers={"Accept": JSON}, expected=(204,)
        )

    # -- attachments ------------------------------------------------------------------------------
    def get_attachment(self, attachment_id: str) -> Attachment:
        response = self.api.request("GET", f"/attachments/{attachment_id}", headers={"Accept": JSON})
        return parse(Attachment, response.json(), "attachment")

    def content_url(self, attachment_id: str, fmt: CaptionFormat | None = None) -> str:
        """The content link of an attachment; for captions, in the format `fmt` (by URL extension)."""
        url = self.api.url(f"/attachments/{attachment_id}/content")
        return f"{url}.{CONTENT_EXTENSIONS[fmt]}" if fmt is not None else url

    def get_content(self, attachment_id: str, fmt: CaptionFormat | None = None) -> bytes:
        """A (small) attachment's content in memory; 406 when Rev cannot make that format of it."""
        return self.api.request("GET", self.content_url(attachment_id, fmt)).content

    def download_attachment(
        self,
        attachment_id: str,
        destination: ObjectStoragePath,
        fmt: CaptionFormat | None = None,
        check_head: Any = None,
    ) -> StoredFile:
        """Stream an attachment's content into storage, verified (size; nothing left behind on failure)."""
        return stream_to_storage(
            self.api,
            self.content_url(attachment_id, fmt),
            destination,
            authenticated=True,
            check_head=check_head,
        )

    # -- UI ---------------------------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        try:
            listing = self.list_orders(page=0)
        except VendorError as error:
            return False, str(error)
        mode = "sandbox mode" if self.sandbox_mode else "real orders"
        return True, f"Connected to Rev ({mode}): {listing.total_count} orders"
