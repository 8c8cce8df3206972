"""POST /orders: check an order request against the document, in the order Rev's errors are listed, and
turn it into the fields of a new order. Every documented error code is raised here from its real cause."""

from __future__ import annotations

import re
import socket
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from video_localization_dev.sandbox.rev.bodies import RevError
from video_localization_dev.sandbox.rev.formats import FORMATS_BY_NAME
from video_localization_dev.sandbox.rev.store import (
    NotificationSettings,
    OrderInput,
    RevStore,
    StoredInput,
    length_seconds,
    order_price,
)
from video_localization_dev.sandbox.rev.wire import (
    DEFAULT_INPUTS_LANGUAGE,
    DEFAULT_NOTIFICATION_CONTENT_TYPE,
    DEFAULT_NOTIFICATION_LEVEL,
    EMULATED_SERVICE,
    INPUTS_LANGUAGES,
    MAX_CLIENT_REF_LENGTH,
    MAX_PO_NUMBER_LENGTH,
    MAX_PROBE_BYTES,
    NOTIFICATION_CONTENT_TYPES,
    NOTIFICATION_LEVELS,
    ORDER_ERRORS,
    SERVICE_OPTIONS,
    YOUTUBE_VIDEO_LENGTH_SECONDS,
    Account,
)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
CONNECT_TIMEOUT_SECONDS = 1.0
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtu.be"})


def order_error(code: int, explanation: str, xml: bool, detail: str | None = None) -> RevError:
    return RevError(400, code, f"{ORDER_ERRORS[code]}: {explanation}", detail, xml=xml)


# -- field formats (50000) ----------------------------------------------------------------------------
def _check_type(container: dict[str, Any], key: str, path: str, kind: type, errors: list[str]) -> None:
    value = container.get(key)
    if value is None:
        return
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        errors.append(f"{path}{key}: expected {kind.__name__}, got {value!r}")


def _field_errors(entity: dict[str, Any], options: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    for key in ("sandbox_mode", "non_standard_tat_guarantee"):
        _check_type(entity, key, "", bool, errors)
    for key in ("client_ref", "ponumber"):
        _check_type(entity, key, "", str, errors)
    _check_type(entity, "workspace_id", "", int, errors)
    prefix = f"{EMULATED_SERVICE}."
    _check_type(options, "burned_in_captions", prefix, bool, errors)
    _check_type(options, "inputs_language", prefix, str, errors)
    inputs = options.get("inputs")
    if inputs is not None and not isinstance(inputs, list):
        errors.append(f"{prefix}inputs: expected a list of input objects")
    for index, item in enumerate(inputs if isinstance(inputs, list) else []):
        if not isinstance(item, dict):
            errors.append(f"{prefix}inputs[{index}]: expected an object")
            continue
        for key in ("uri", "external_link"):
            _check_type(item, key, f"{prefix}inputs[{index}].", str, errors)
    formats = options.get("output_file_formats")
    if formats is not None:
        if not isinstance(formats, list):
            errors.append(f"{prefix}output_file_formats: expected a list")
        else:
            for index, name in enumerate(formats):
                if name not in FORMATS_BY_NAME:
                    allowed = ", ".join(FORMATS_BY_NAME)
                    errors.append(f"{prefix}output_file_formats[{index}]: {name!r} is not one of {allowed}")
    notification = entity.get("notification")
    if notification is not None:
        errors += _notification_errors(notification)
    return errors


def _notification_errors(notification: Any) -> list[str]:
    if not isinstance(notification, dict):
        return ["notification: expected an object"]
    errors = []
    url = notification.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(f"notification.url: an absolute http(s) URL is mandatory, got {url!r}")
    level = notification.get("level")
    if level is not None and level not in NOTIFICATION_LEVELS:
        errors.append(f"notification.level: {level!r} is not one of {', '.join(NOTIFICATION_LEVELS)}")
    content_type = notification.get("content_type")
    if content_type is not None and content_type not in NOTIFICATION_CONTENT_TYPES:
        allowed = ", ".join(NOTIFICATION_CONTENT_TYPES)
        errors.append(f"notification.content_type: {content_type!r} is not one of {allowed}")
    return errors


# -- inputs ---------------------------------------------------------------------------------------------
def _positive_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    return None


def youtube_id(link: str) -> str | None:
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    if host not in _YOUTUBE_HOSTS:
        return None
    if host.endswith("youtu.be"):
        candidate = parts.path.strip("/")
    elif parts.path.startswith(("/shorts/", "/embed/", "/live/")):
        candidate = parts.path.split("/")[2]
    else:
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    return candidate if _YOUTUBE_ID.match(candidate) else None


def _is_unsigned_s3(link: str) -> bool:
    parts = urlsplit(link)
    if parts.scheme.lower() == "s3":
        return True
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    is_s3 = host.endswith(".amazonaws.com") and any(label.startswith(("s3", "s3-")) for label in labels)
    query = {key.lower() for key in parse_qs(parts.query)}
    return is_s3 and not ({"x-amz-signature", "signature"} & query)


def _can_connect(link: str) -> bool:
    """A loopback link is really dialled (it is reachable offline); public hosts are taken on trust."""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname.lower() not in LOOPBACK_HOSTS:
        return True
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def link_stem(link: str) -> str:
    video = youtube_id(link)
    if video:
        return video
    parts = urlsplit(link)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return (last.rsplit(".", 1)[0] if "." in last.strip(".") else last) or (parts.hostname or "media")


def file_stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name.strip(".") else name


def probeable(stored: StoredInput) -> bool:
    """Whether Rev "can calculate the video length" itself: a common format, at most 10 MB."""
    info = stored.info
    return info.is_mp4 and info.duration_seconds > 0 and info.size_bytes <= MAX_PROBE_BYTES


def _resolve_input(store: RevStore, user_key: str, index: int, item: dict[str, Any], xml: bool) -> OrderInput:
    where = f"{EMULATED_SERVICE}.inputs[{index}]"
    given = item.get("video_length_seconds")
    length = _positive_integer(given)
    if given is not None and length is None:
        explanation = f"{where}.video_length_seconds must be a positive integer, got {given!r}"
        raise order_error(20001, explanation, xml)
    link = item.get("external_link")
    if link:
        if _is_unsigned_s3(link):
            raise order_error(10008, f"{where}.external_link {link!r} is an S3 bucket", xml)
        if not _can_connect(link):
            raise order_error(10007, f"{where}.external_link {link!r} cannot be reached", xml)
        if length is None:
            if youtube_id(link) is None:
                raise order_error(20001, f"{where}: video_length_seconds is required for {link!r}", xml)
            length = YOUTUBE_VIDEO_LENGTH_SECONDS
        return OrderInput(
            name=link,
            stem=link_stem(link),
            length_seconds=length,
            duration=float(length),
            has_speech=True,
            has_video=True,
            external_link=link,
        )
    stored = store.find_input(user_key, item["uri"])
    if stored is None:
        explanation = f"{where}.uri {item['uri']!r} does not identify media posted to /inputs"
        raise order_error(10002, explanation, xml)
    info = stored.info
    if length is None:
        if not probeable(stored):
            explanation = f"{where}: the length of {stored.filename!r} cannot be determined"
            raise order_error(20001, f"{explanation}; give video_length_seconds", xml)
        length = length_seconds(info.duration_seconds)
    duration = info.duration_seconds if info.is_mp4 and info.duration_seconds > 0 else float(length)
    return OrderInput(
        name=stored.filename,
        stem=file_stem(stored.filename),
        length_seconds=length,
        duration=duration,
        has_speech=info.has_speech if info.is_mp4 else True,
        has_video=info.has_video if info.is_mp4 else True,
        data=stored.data,
        content_type=stored.content_type,
    )


# -- the whole request ----------------------------------------------------------------------------------
def validate_order(
    store: RevStore, user_key: str, account: Account, entity: dict[str, Any], xml: bool
) -> dict[str, Any]:
    """The fields of the order to create, or a `RevError` with the document's code for the first fault."""
    services = [name for name in SERVICE_OPTIONS if entity.get(name) is not None]
    if not services:
        raise order_error(10004, f"include exactly one of {', '.join(SERVICE_OPTIONS)}", xml)
    if len(services) > 1:
        raise order_error(10003, f"only one service option may be given, got {', '.join(services)}", xml)
    if services[0] != EMULATED_SERVICE:
        detail = f"{services[0]}: the sandbox emulates AI caption orders only; use {EMULATED_SERVICE}"
        raise order_error(50000, "one or more fields are in the wrong format", xml, detail)
    options = entity[EMULATED_SERVICE]
    if not isinstance(options, dict):
        detail = f"{EMULATED_SERVICE}: expected an object"
        raise order_error(50000, "one or more fields are in the wrong format", xml, detail)
    errors = _field_errors(entity, options)
    if errors:
        raise order_error(50000, "one or more fields are in the wrong format", xml, "; ".join(errors))

    raw_inputs = options.get("inputs") or []
    if not raw_inputs:
        raise order_error(10001, "the order request contains no input media", xml)
    for index, item in enumerate(raw_inputs):
        uri, link = item.get("uri"), item.get("external_link")
        where = f"{EMULATED_SERVICE}.inputs[{index}]"
        if uri and link:
            raise order_error(10005, f"{where} gives both uri and external_link", xml)
        if not uri and not link:
            raise order_error(10006, f"{where} gives neither uri nor external_link", xml)
    inputs = [_resolve_input(store, user_key, index, item, xml) for index, item in enumerate(raw_inputs)]

    language = options.get("inputs_language", DEFAULT_INPUTS_LANGUAGE)
    if language not in INPUTS_LANGUAGES:
        explanation = f"inputs_language {language!r} is not one of {', '.join(INPUTS_LANGUAGES)}"
        raise order_error(20003, explanation, xml)
    client_ref = entity.get("client_ref")
    if client_ref is not None and len(client_ref) > MAX_CLIENT_REF_LENGTH:
        raise order_error(20010, f"client_ref is longer than {MAX_CLIENT_REF_LENGTH} characters", xml)
    po_number = entity.get("ponumber")
    if po_number is not None and len(po_number) > MAX_PO_NUMBER_LENGTH:
        raise order_error(40010, f"ponumber is longer than {MAX_PO_NUMBER_LENGTH} characters", xml)

    workspace_id = entity.get("workspace_id")
    if workspace_id is not None and workspace_id not in account.workspace_ids:
        raise order_error(20050, f"the user is not a member of workspace {workspace_id}", xml)
    if po_number is not None and not account.invoicing:
        explanation = "the user has no invoicing, so no PO, Project, or Department can be set"
        raise order_error(40011, explanation, xml)
    if po_number is not None and EMULATED_SERVICE not in account.po_order_types:
        explanation = f"a PO, Project, or Department cannot be set on {EMULATED_SERVICE} orders"
        raise order_error(40012, explanation, xml)
    sandbox_mode = entity.get("sandbox_mode") is True
    if not sandbox_mode and not account.real_orders:
        explanation = "your keys are not set up to place real orders; set sandbox_mode to true"
        raise order_error(50002, explanation, xml)

    burned_in = options.get("burned_in_captions") is True
    price = order_price(sum(item.length_seconds for item in inputs), burned_in)
    if not account.balance_payments:
        raise order_error(30010, "the user is not eligible for paying with the account balance", xml)
    if account.balance_used_usd + price > account.balance_limit_usd + 1e-9:
        raise order_error(
            30011,
            f"this order (${price:.2f}) would pass the balance limit of ${account.balance_limit_usd:.2f} "
            f"(${account.balance_used_usd:.2f} used)",
            xml,
        )

    notification = entity.get("notification")
    return {
        "user_key": user_key,
        "sandbox_mode": sandbox_mode,
        "language": language,
        "inputs": inputs,
        "price": price,
        "output_file_formats": list(options.get("output_file_formats") or ["SubRip"]),
        "burned_in_captions": burned_in,
        "client_ref": client_ref,
        "po_number": po_number,
        "non_standard_tat_guarantee": entity.get("non_standard_tat_guarantee") is True,
        "workspace_id": workspace_id,
        "notification": NotificationSettings(
            url=notification["url"],
            level=notification.get("level") or DEFAULT_NOTIFICATION_LEVEL,
            content_type=notification.get("content_type") or DEFAULT_NOTIFICATION_CONTENT_TYPE,
        )
        if notification
        else None,
    }
