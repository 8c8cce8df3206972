"""The Rev emulator's memory: inputs, orders, attachments and accounts, and the time-driven order life.

An order moves by `sandbox.stages_elapsed` (see `wire.FIRST_WORK_STAGE`): it is advanced lazily on every
read and by the notifier's ticker, and each change that the order's notification level asks for is put
in its outbox as a ready-to-post notification. All access goes through `sandbox.lock`.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from video_localization_dev.sandbox.media import MediaInfo
from video_localization_dev.sandbox.rev.formats import DEFAULT_FORMAT
from video_localization_dev.sandbox.rev.samples import sample_video
from video_localization_dev.sandbox.rev.source import CaptionSource
from video_localization_dev.sandbox.rev.wire import (
    AI_CAPTION_PRICE_PER_MINUTE_USD,
    BURNED_IN_CONTENT_TYPE,
    BURNED_IN_PRICE_PER_MINUTE_USD,
    COMMENT_AUTHOR,
    DELIVERABLE_AI_CAPTION,
    DELIVERABLE_BURNED_IN,
    FIRST_WORK_STAGE,
    INPUT_URN_PREFIX,
    KIND_BURNED_IN,
    KIND_CAPTION,
    KIND_MEDIA,
    NOTIFICATION_CONTENT_TYPES,
    NOTIFICATION_TYPE_COMMENT,
    NOTIFICATION_TYPE_FILE,
    NOTIFICATION_TYPE_STATUS,
    ORDER_NUMBER_PREFIX,
    ORDER_PRIORITY,
    STATUS_CANCELLED,
    STATUS_COMPLETE,
    STATUS_IN_PROGRESS,
    STATUS_TRANSCRIBING,
    TERMINAL_STATUSES,
    VENDOR,
    Account,
    default_accounts,
)
from video_localization_dev.sandbox.state import Sandbox


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_attachment_id() -> str:
    """16 URL-safe characters, like Rev's attachment ids (never a dot, so `content.{ext}` parses)."""
    return secrets.token_urlsafe(12)


@dataclass
class StoredInput:
    """Media sent to POST /inputs, referenced later by its URN."""

    id: str
    user_key: str
    filename: str
    content_type: str
    data: bytes
    info: MediaInfo

    @property
    def urn(self) -> str:
        return INPUT_URN_PREFIX + self.id


@dataclass
class OrderInput:
    """One input of an order, with what the sandbox knows about its media."""

    name: str
    stem: str  # names the caption and burned-in files
    length_seconds: int
    duration: float
    has_speech: bool
    has_video: bool
    data: bytes | None = None  # None for external links
    content_type: str | None = None
    external_link: str | None = None


@dataclass
class Attachment:
    id: str
    order_number: str
    kind: str
    name: str
    stem: str
    content_type: str | None = None  # media / burned-in bytes' type; captions are negotiated
    data: bytes | None = None
    video_length_seconds: int | None = None
    deliverable_type: str | None = None
    captions: CaptionSource | None = None
    generated_at: float = field(default_factory=time.time)


@dataclass
class NotificationSettings:
    url: str
    level: str
    content_type: str


@dataclass
class Order:
    number: str
    user_key: str
    sandbox_mode: bool
    language: str
    inputs: list[OrderInput]
    price: float
    output_file_formats: list[str]
    burned_in_captions: bool
    client_ref: str | None = None
    po_number: str | None = None
    non_standard_tat_guarantee: bool = False
    workspace_id: int | None = None
    notification: NotificationSettings | None = None
    started_at: float = field(default_factory=time.monotonic)
    created_at: float = field(default_factory=time.time)
    status: str = STATUS_IN_PROGRESS
    stage: int = 0
    attachment_ids: list[str] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)
    outbox: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    @property
    def total_length_seconds(self) -> int:
        return sum(item.length_seconds for item in self.inputs)

    @property
    def work_begun(self) -> bool:
        return self.stage >= FIRST_WORK_STAGE


def order_price(total_seconds: int, burned_in: bool) -> float:
    rate = AI_CAPTION_PRICE_PER_MINUTE_USD + (BURNED_IN_PRICE_PER_MINUTE_USD if burned_in else 0.0)
    return round(total_seconds / 60 * rate, 2)


class RevStore:
    """Everything the Rev emulator remembers; cleared by the sandbox's reset."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.inputs: dict[str, StoredInput] = {}
        self.orders: dict[str, Order] = {}
        self.attachments: dict[str, Attachment] = {}
        self.accounts: dict[str, Account] = default_accounts()

    def clear(self) -> None:
        with self.sandbox.lock:
            self.inputs.clear()
            self.orders.clear()
            self.attachments.clear()
            self.accounts = default_accounts()

    # -- creation ---------------------------------------------------------------------------------
    def add_input(
        self, user_key: str, filename: str, content_type: str, data: bytes, info: MediaInfo
    ) -> StoredInput:
        stored = StoredInput(secrets.token_urlsafe(24), user_key, filename, content_type, data, info)
        with self.sandbox.lock:
            self.inputs[stored.id] = stored
        self.sandbox.record_created(VENDOR, "input")
        return stored

    def find_input(self, user_key: str, urn: str) -> StoredInput | None:
        if not urn.startswith(INPUT_URN_PREFIX):
            return None
        with self.sandbox.lock:
            stored = self.inputs.get(urn[len(INPUT_URN_PREFIX) :])
        return stored if stored is not None and stored.user_key == user_key else None

    def _new_order_number(self) -> str:
        while True:
            number = f"{ORDER_NUMBER_PREFIX}{secrets.randbelow(10**10):010d}"
            if number not in self.orders:
                return number

    def add_order(self, order_fields: dict[str, Any]) -> Order:
        """Create the order (debiting the account) with a media attachment per input."""
        with self.sandbox.lock:
            order = Order(number=self._new_order_number(), **order_fields)
            for item in order.inputs:
                attachment = Attachment(
                    id=new_attachment_id(),
                    order_number=order.number,
                    kind=KIND_MEDIA,
                    name=item.external_link or item.name,
                    stem=item.stem,
                    content_type=item.content_type,
                    data=item.data,
                    video_length_seconds=item.length_seconds,
                )
                self.attachments[attachment.id] = attachment
                order.attachment_ids.append(attachment.id)
            self.orders[order.number] = order
            self.accounts[order.user_key].balance_used_usd += order.price
        self.sandbox.record_created(VENDOR, "order")
        return order

    # -- reads ------------------------------------------------------------------------------------
    def get_order(self, user_key: str, number: str) -> Order | None:
        with self.sandbox.lock:
            order = self.orders.get(number)
            if order is None or order.user_key != user_key:
                return None
            self.advance(order)
            return order

    def list_orders(self, user_key: str, client_ref: str | None) -> list[Order]:
        with self.sandbox.lock:
            orders = [
                order
                for order in self.orders.values()
                if order.user_key == user_key and (client_ref is None or order.client_ref == client_ref)
            ]
            for order in orders:
                self.advance(order)
            return orders[::-1]  # newest first (the dict keeps creation order)

    def get_attachment(self, user_key: str, attachment_id: str) -> Attachment | None:
        with self.sandbox.lock:
            attachment = self.attachments.get(attachment_id)
            if attachment is None:
                return None
            order = self.orders.get(attachment.order_number)
            return attachment if order is not None and order.user_key == user_key else None

    # -- life of an order -------------------------------------------------------------------------
    def advance(self, order: Order) -> None:
        """Apply every stage that has elapsed since the order was placed (caller holds the lock)."""
        target = self.sandbox.stages_elapsed(order.started_at)
        files = len(order.inputs)
        while order.stage < target and order.status not in TERMINAL_STATUSES:
            order.stage += 1
            if order.stage == FIRST_WORK_STAGE and not order.sandbox_mode:
                self._set_status(order, STATUS_TRANSCRIBING)
            if 2 <= order.stage <= files + 1:
                self._complete_file(order, order.inputs[order.stage - 2])
            if order.stage == files + 2:
                self._set_status(order, STATUS_COMPLETE)

    def cancel(self, order: Order) -> bool:
        """Cancel an order on which work has not begun; False when it can no longer be cancelled."""
        with self.sandbox.lock:
            self.advance(order)
            if order.work_begun or order.status in TERMINAL_STATUSES:
                return False
            self._set_status(order, STATUS_CANCELLED)
            self.accounts[order.user_key].balance_used_usd -= order.price
            return True

    def tick(self) -> list[tuple[str, bytes, dict[str, str]]]:
        """Advance every live order; hand over the notifications that are due, oldest first."""
        due: list[tuple[str, bytes, dict[str, str]]] = []
        with self.sandbox.lock:
            for order in self.orders.values():
                self.advance(order)
                due += order.outbox
                order.outbox.clear()
        return due

    def _set_status(self, order: Order, status: str) -> None:
        order.status = status
        self._notify(order, NOTIFICATION_TYPE_STATUS)

    def _add_comment(self, order: Order, text: str) -> None:
        order.comments.append({"by": COMMENT_AUTHOR, "timestamp": _now_iso(), "text": text})
        self._notify(order, NOTIFICATION_TYPE_COMMENT)

    def _complete_file(self, order: Order, item: OrderInput) -> None:
        stem = item.stem
        captions = CaptionSource(order.language, item.duration, item.has_speech, title=stem)
        caption = Attachment(
            id=new_attachment_id(),
            order_number=order.number,
            kind=KIND_CAPTION,
            name=DEFAULT_FORMAT.filename(stem, order.language),
            stem=stem,
            deliverable_type=DELIVERABLE_AI_CAPTION,
            captions=captions,
        )
        self._attach(order, caption)
        if not item.has_speech:
            self._add_comment(order, f"No speech was detected in {item.name}; its caption file is empty.")
        if not order.burned_in_captions:
            return
        if not item.has_video:
            self._add_comment(order, f"{item.name} has no video track: no burned-in caption video was made.")
            return
        burned = Attachment(
            id=new_attachment_id(),
            order_number=order.number,
            kind=KIND_BURNED_IN,
            name=f"{stem}.burnedin.mp4",
            stem=f"{stem}.burnedin",
            content_type=BURNED_IN_CONTENT_TYPE,
            data=item.data if item.data is not None else sample_video(),
            video_length_seconds=item.length_seconds,
            deliverable_type=DELIVERABLE_BURNED_IN,
        )
        self._attach(order, burned)

    def _attach(self, order: Order, attachment: Attachment) -> None:
        self.attachments[attachment.id] = attachment
        order.attachment_ids.append(attachment.id)
        self._notify(order, NOTIFICATION_TYPE_FILE, attachment)

    # -- notifications ----------------------------------------------------------------------------
    def _notify(self, order: Order, kind: str, attachment: Attachment | None = None) -> None:
        settings = order.notification
        if settings is None or not _level_wants(settings.level, kind, order.status):
            return
        fields: dict[str, Any] = {"order_number": order.number}
        if order.client_ref is not None:
            fields["client_ref"] = order.client_ref
        fields["type"] = kind
        fields["status"] = order.status
        if order.comments:
            fields["comment"] = order.comments[-1]["text"]
        if attachment is not None:
            fields["deliverable_type"] = attachment.deliverable_type
            fields["attachment_id"] = attachment.id
        content_type = NOTIFICATION_CONTENT_TYPES[settings.content_type]
        as_json = content_type == "application/json"
        body = json.dumps(fields).encode() if as_json else urlencode(fields).encode()
        order.outbox.append((settings.url, body, {"Content-Type": content_type}))


def _level_wants(level: str, kind: str, status: str) -> bool:
    """Detailed: every status change, file and comment; FileComplete: files; FinalOnly: Complete only."""
    if level == "Detailed":
        return True
    if level == "FileComplete":
        return kind == NOTIFICATION_TYPE_FILE
    return kind == NOTIFICATION_TYPE_STATUS and status == STATUS_COMPLETE


def length_seconds(duration: float) -> int:
    """Video length "in seconds rounded up" (doc)."""
    return max(1, math.ceil(duration - 1e-9))


# -- entities ---------------------------------------------------------------------------------------------
def attachment_entity(attachment: Attachment, base_url: str) -> dict[str, Any]:
    entity: dict[str, Any] = {"kind": attachment.kind, "name": attachment.name, "id": attachment.id}
    if attachment.video_length_seconds is not None:
        entity["video_length_seconds"] = attachment.video_length_seconds
    if attachment.deliverable_type is not None:
        entity["deliverable_type"] = attachment.deliverable_type
    links = []
    if attachment.kind != KIND_MEDIA or attachment.data is not None:  # an external link has no content
        content_type = attachment.content_type or DEFAULT_FORMAT.accept_value
        href = f"{base_url}/attachments/{attachment.id}/content"
        links.append({"rel": "content", "href": href, "content_type": content_type})
    entity["links"] = links
    return entity


def order_entity(order: Order, attachments: dict[str, Attachment], base_url: str) -> dict[str, Any]:
    entity: dict[str, Any] = {"order_number": order.number}
    if order.client_ref is not None:
        entity["client_ref"] = order.client_ref
    if order.po_number is not None:
        entity["po_number"] = order.po_number
    total = order.total_length_seconds
    entity |= {
        "price": order.price,
        "status": order.status,
        "priority": ORDER_PRIORITY,
        "non_standard_tat_guarantee": order.non_standard_tat_guarantee,
        "caption": {"total_length": max(1, round(total / 60)), "total_length_seconds": total},
        "comments": list(order.comments),
        "attachments": [attachment_entity(attachments[i], base_url) for i in order.attachment_ids],
    }
    return entity
