"""Rev's wire vocabulary: keys, accounts, languages, status words, error codes, caption formats.

Everything the emulator says on the wire and every guess it makes lives here, one constant each, so a
correction from a newer Rev page is a one-line change. Sources: the Rev document
(rev-ai-captions.md, "doc"), vendor-notes.md ("notes"), and Rev's own SDK and public pages ("sdk", "page").
"""

from __future__ import annotations

from dataclasses import dataclass, field

VENDOR = "rev"

# -- auth (notes: `Authorization: Rev <ClientApiKey>:<UserApiKey>`) --------------------------------------
AUTH_SCHEME = "Rev"
SANDBOX_CLIENT_KEY = "sandbox-client-key"
# A user whose keys are "not set up to place real orders" (doc, 50002): only `sandbox_mode: true` orders.
SANDBOX_USER_KEY = "sandbox-user-key"
# A user with production credentials: may place real orders (`sandbox_mode` false or absent).
PRODUCTION_USER_KEY = "production-user-key"


@dataclass
class Account:
    """What a Rev user may do; each flag is the real cause of one documented order error."""

    real_orders: bool  # 50002 when false and the order is not `sandbox_mode: true`
    invoicing: bool = True  # 40011 when false and a `ponumber` is given
    po_order_types: tuple[str, ...] = ("automated_caption_options",)  # 40012 for any other
    balance_payments: bool = True  # 30010 when false
    balance_limit_usd: float = 100.0  # 30011 when the orders' prices would pass it
    workspace_ids: tuple[int, ...] = (123456789,)  # 20050 for any other `workspace_id`
    balance_used_usd: float = field(default=0.0)


def default_accounts() -> dict[str, Account]:
    """The sandbox's users, keyed by user API key (restored on every sandbox reset)."""
    return {
        SANDBOX_USER_KEY: Account(real_orders=False),
        PRODUCTION_USER_KEY: Account(real_orders=True),
    }


# -- languages (doc: "You can order captions for these language codes") ---------------------------------
INPUTS_LANGUAGES: tuple[str, ...] = (
    "ar", "bg", "ca", "hr", "cs", "da", "nl", "en", "fa", "fi", "fr", "de", "el", "he", "hi", "hu", "id",
    "it", "ja", "ko", "lt", "lv", "ms", "cmn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "es", "sv", "ta",
    "te", "tr",
)  # fmt: skip
DEFAULT_INPUTS_LANGUAGE = "en"

# -- order request vocabulary (doc) -----------------------------------------------------------------------
SERVICE_OPTIONS = (
    "transcription_options",
    "automated_transcription_options",
    "caption_options",
    "automated_caption_options",
)
EMULATED_SERVICE = "automated_caption_options"
NOTIFICATION_LEVELS = ("Detailed", "FileComplete", "FinalOnly")
DEFAULT_NOTIFICATION_LEVEL = "FinalOnly"
NOTIFICATION_CONTENT_TYPES = {
    "FormUrlEncoded": "application/x-www-form-urlencoded",
    "ApplicationJson": "application/json",
}
DEFAULT_NOTIFICATION_CONTENT_TYPE = "FormUrlEncoded"
MAX_CLIENT_REF_LENGTH = 256  # doc (20010); the old Ruby SDK said 40
MAX_PO_NUMBER_LENGTH = 64  # doc (40010)
INPUT_URN_PREFIX = "urn:rev:inputmedia:"
# doc: "We can generally calculate video length of files ... that are up to 10MB in size."
MAX_PROBE_BYTES = 10 * 1024 * 1024

# -- status words (notes; "Cancelled" with double L; only Complete and Cancelled are terminal) ----------
STATUS_IN_PROGRESS = "In Progress"
STATUS_TRANSCRIBING = "Transcribing"
STATUS_COMPLETE = "Complete"
STATUS_CANCELLED = "Cancelled"
TERMINAL_STATUSES = (STATUS_COMPLETE, STATUS_CANCELLED)

# -- attachment kinds (notes) and deliverable types (page: dev.rev.com/api/attachmentsget) -------------
KIND_MEDIA = "media"
KIND_CAPTION = "caption"
KIND_BURNED_IN = "burnedin"
DELIVERABLE_AI_CAPTION = "ai_caption"
DELIVERABLE_BURNED_IN = "burned_in_caption"
BURNED_IN_CONTENT_TYPE = "video/mp4"  # page: burned-in attachments are always video/mp4, Accept ignored
# doc: "Burned-in captions will be available to download via the API for 7 days after they are generated."
BURNED_IN_RETENTION_SECONDS = 7 * 24 * 3600

# -- error codes of POST /orders (doc) and POST /inputs (sdk: InputRequestErrorCodes) -----------------
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
INPUT_ERRORS: dict[int, str] = {
    10001: "Unsupported Content Type",
    10002: "Could not retrieve file",
    10003: "Invalid multipart request",
    10004: "Unspecified filename",
}

# -- inferred ---------------------------------------------------------------------------------------------
# Inferred: undocumented errors (401, 404, 406, cancel refusal) carry the HTTP status as their `code`.
HTTP_STATUS_AS_CODE = True
# Inferred (notes say 400; Rev's own orderscancel page says 403 Forbidden): status of a refused cancel.
CANCEL_REFUSED_STATUS = 400
# Inferred: order numbers are "CP" + 10 digits, like Rev's caption orders in the SDK cassettes.
ORDER_NUMBER_PREFIX = "CP"
# Inferred: price per media minute of an AI caption order (doc only gives the burned-in surcharge).
AI_CAPTION_PRICE_PER_MINUTE_USD = 0.25
BURNED_IN_PRICE_PER_MINUTE_USD = 0.30  # doc: "adds $0.30 per audio minute"
# Inferred: `priority` of every order (the SDK cassettes show "Normal").
ORDER_PRIORITY = "Normal"
# Inferred: page size of GET /orders (the SDK cassette shows 25).
RESULTS_PER_PAGE = 25
# Inferred: the video length Rev "determines automatically" for a YouTube external link.
YOUTUBE_VIDEO_LENGTH_SECONDS = 120
# Inferred: the media types POST /inputs takes (the SDK shows "trololo" refused with 10001).
SUPPORTED_INPUT_MEDIA_TYPES = ("video/", "audio/", "application/mp4", "application/octet-stream")
# Inferred: time-driven stages. Stage 0 = not begun (cancellable); file i (1-based) is done at stage
# 1 + i; the order is Complete at stage n + 2. Real orders show "Transcribing" from stage 1; sandbox-mode
# orders stay "In Progress" until Complete (notes).
FIRST_WORK_STAGE = 1
# Inferred: notification `type` values (the notifications page names the field, not its values here).
NOTIFICATION_TYPE_STATUS = "StatusChanged"
NOTIFICATION_TYPE_FILE = "FileComplete"
NOTIFICATION_TYPE_COMMENT = "CommentAdded"
# Inferred: author of the comments the sandbox adds.
COMMENT_AUTHOR = "Rev"
# Inferred: XML element names of responses (JSON names are the notes'; XML lists wrap singular items).
XML_SINGULAR = {
    "attachments": "attachment",
    "comments": "comment",
    "orders": "order",
    "links": "link",
    "output_file_formats": "file_format",
    "inputs": "input",
}
XML_ROOT_ORDER = "order"
XML_ROOT_ATTACHMENT = "attachment"
XML_ROOT_ORDER_LIST = "orders_list_page"
XML_ROOT_ERROR = "error"
