"""Rev AI caption wire models: the order request of Rev's document, its answers, and the status enum.

Sources: Rev's AI caption document (the order request, its error codes, the 14 caption formats) and
vendor-notes.md (order, list, cancel and attachment answers, status words, content links).

Inferred: the URL extension of each caption format for `GET /attachments/{id}/content.{ext}`
(`CONTENT_EXTENSIONS`: the notes give srt, scc, ttml and qt; vtt is their inference; mcc, txt, dfxp,
cap and stl follow Rev's SDK; avid-ds.txt, avid-dvd.txt, facebook.srt and ebu.stl are the project's,
shared with the sandbox); attachment kinds other than the notes' five are kept as plain strings.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.models import ModelT, VendorAnswer, VendorStatus, parse_answer

VENDOR = "rev"
INPUT_URN_PREFIX = "urn:rev:inputmedia:"
MAX_CLIENT_REF_LENGTH = 256  # error 20010
MAX_PO_NUMBER_LENGTH = 64  # error 40010

#: Error codes of `POST /orders` (Rev's document).
ORDER_ERRORS: dict[int, str] = {
    10001: "Missing Inputs",
    10002: "Invalid Input",
    10003: "Multiple Service Options Specified",
    10004: "Service type is not specified",
    10005: "External Link and URI specified",
    10006: "Input Location is not specified",
    10007: "Cannot connect to the External Link provided",
    10008: "S3 buckets are not supported, consider using a signed S3 URL instead",
    20001: "Invalid Media Length",
    20003: "Invalid Language Code",
    20010: "Reference Number Too Long Code",
    20050: "User does not have authorization to add a Workspace Id",
    30010: "Ineligible For Balance Payments",
    30011: "Account Balance Limit Exceeded",
    40010: "PO Number Too Long",
    40011: "User Unauthorized For PO Number",
    40012: "Invalid Order Type For PO Number",
    50000: "Field Validation Errors",
    50002: "Sandbox Mode Required",
}
#: Error codes of `POST /inputs` (Rev's SDK).
INPUT_ERRORS: dict[int, str] = {
    10001: "Unsupported Content Type",
    10002: "Could not retrieve file",
    10003: "Invalid multipart request",
    10004: "Unspecified filename",
}

#: `GET /attachments/{id}/content.{ext}`: the extension that asks for each caption format (see above).
CONTENT_EXTENSIONS: dict[CaptionFormat, str] = {
    CaptionFormat.SUBRIP: "srt",
    CaptionFormat.SCC: "scc",
    CaptionFormat.MCC: "mcc",
    CaptionFormat.TTML: "ttml",
    CaptionFormat.QTTEXT: "qt",
    CaptionFormat.TRANSCRIPT: "txt",
    CaptionFormat.WEBVTT: "vtt",
    CaptionFormat.DFXP: "dfxp",
    CaptionFormat.CHEETAH_CAP: "cap",
    CaptionFormat.STL: "stl",
    CaptionFormat.AVID_DS: "avid-ds.txt",
    CaptionFormat.AVID_DVD: "avid-dvd.txt",
    CaptionFormat.FACEBOOK_SUBRIP: "facebook.srt",
    CaptionFormat.EBU_STL: "ebu.stl",
}


class OrderStatus(VendorStatus):
    """Order status words (notes): "Cancelled" with a double L; only Complete and Cancelled end an order."""

    IN_PROGRESS = "In Progress"
    TRANSCRIBING = "Transcribing"
    COMPLETE = "Complete"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (OrderStatus.COMPLETE, OrderStatus.CANCELLED)

    @property
    def is_success(self) -> bool:
        return self is OrderStatus.COMPLETE


class AttachmentKind(StrEnum):
    MEDIA = "media"
    TRANSCRIPT = "transcript"
    CAPTION = "caption"
    TRANSLATION = "translation"
    BURNED_IN = "burnedin"


class NotificationLevel(StrEnum):
    DETAILED = "Detailed"
    FILE_COMPLETE = "FileComplete"
    FINAL_ONLY = "FinalOnly"


class NotificationContentType(StrEnum):
    FORM = "FormUrlEncoded"
    JSON = "ApplicationJson"


# -- requests ------------------------------------------------------------------------------------
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class InputFromUrl(_Request):
    """`POST /inputs` as JSON: Rev downloads the media from `url`."""

    url: str
    filename: str | None = None
    content_type: str | None = None


class OrderInput(_Request):
    """One input: a `uri` from `POST /inputs` or an `external_link` (a page with the media), not both."""

    uri: str | None = None
    external_link: str | None = None
    video_length_seconds: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_location(self) -> Self:
        if (self.uri is None) == (self.external_link is None):
            raise ValueError("give exactly one of uri and external_link")
        return self


class AutomatedCaptionOptions(_Request):
    inputs: list[OrderInput] = Field(min_length=1)
    output_file_formats: list[CaptionFormat] | None = None
    burned_in_captions: bool | None = None
    inputs_language: str | None = None


class Notification(_Request):
    url: str
    level: NotificationLevel | None = None
    content_type: NotificationContentType | None = None


class OrderRequest(_Request):
    """The JSON order request of Rev's document (an AI caption order)."""

    sandbox_mode: bool | None = None
    client_ref: str | None = Field(default=None, max_length=MAX_CLIENT_REF_LENGTH)
    automated_caption_options: AutomatedCaptionOptions
    notification: Notification | None = None
    ponumber: str | None = Field(default=None, max_length=MAX_PO_NUMBER_LENGTH)
    workspace_id: int | None = None
    non_standard_tat_guarantee: bool | None = None


# -- answers -------------------------------------------------------------------------------------
class ErrorBody(VendorAnswer):
    code: int | None = None
    message: str = ""
    detail: Any = None


class Link(VendorAnswer):
    rel: str
    href: str
    content_type: str | None = None


class Attachment(VendorAnswer):
    kind: str
    name: str
    id: str
    video_length_seconds: int | None = None
    deliverable_type: str | None = None
    links: list[Link] = []


class Comment(VendorAnswer):
    by: str | None = None
    timestamp: datetime | None = None
    text: str = ""


class Order(VendorAnswer):
    order_number: str
    client_ref: str | None = None
    status: OrderStatus
    price: float | None = None
    comments: list[Comment] = []
    attachments: list[Attachment] = []

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any) -> OrderStatus:
        return OrderStatus.parse(raw, VENDOR)

    def attachments_of(self, kind: AttachmentKind) -> list[Attachment]:
        return [attachment for attachment in self.attachments if attachment.kind == kind.value]

    @property
    def comment_text(self) -> str:
        return " ".join(comment.text for comment in self.comments if comment.text)


class OrderPage(VendorAnswer):
    total_count: int
    results_per_page: int
    page: int
    orders: list[Order] = []


def parse(model: type[ModelT], raw: Any, what: str, status_code: int | None = None) -> ModelT:
    return parse_answer(VENDOR, model, raw, what, status_code)
