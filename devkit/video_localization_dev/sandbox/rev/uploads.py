"""POST /inputs: the three ways Rev takes media (raw body, multipart with one file part, or a JSON/XML
entity naming a URL the sandbox then downloads), with the input error codes of Rev's SDK."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httpx
from fastapi import Request
from starlette.datastructures import UploadFile

from video_localization_dev.sandbox.rev.bodies import BodyError, RevError, media_type, parse_entity
from video_localization_dev.sandbox.rev.wire import INPUT_ERRORS, SUPPORTED_INPUT_MEDIA_TYPES

RETRIEVE_TIMEOUT_SECONDS = 15.0
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.IGNORECASE)


@dataclass(frozen=True)
class ReceivedMedia:
    filename: str
    content_type: str
    data: bytes


def input_error(code: int, explanation: str, xml: bool = False) -> RevError:
    return RevError(400, code, f"{INPUT_ERRORS[code]}: {explanation}", xml=xml)


def unsupported_type(content_type: str | None, xml: bool = False) -> RevError:
    explanation = f"the content type {content_type or '(none)'!r} is not supported for input media"
    return input_error(10001, explanation, xml)


def supported(content_type: str) -> bool:
    kind = media_type(content_type)
    return bool(kind) and kind.startswith(SUPPORTED_INPUT_MEDIA_TYPES)


def disposition_filename(header: str | None) -> str | None:
    """The filename of a `Content-Disposition: attachment; filename="..."` header (RFC 6266 forms)."""
    if not header:
        return None
    star = _FILENAME_STAR.search(header)
    if star:
        return unquote(star.group(2).strip(), encoding=star.group(1) or "utf-8") or None
    plain = _FILENAME.search(header)
    if not plain:
        return None
    value = plain.group(1) if plain.group(1) is not None else plain.group(2).strip()
    return value.replace('\\"', '"').strip() or None


async def _from_multipart(request: Request) -> ReceivedMedia:
    try:
        form = await request.form()
    except Exception as exc:  # python-multipart raises several kinds for a malformed body
        raise input_error(10003, f"the multipart body could not be read ({exc})") from None
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if len(files) != 1:
        explanation = f"the multipart request must have exactly one file part, it has {len(files)}"
        raise input_error(10003, explanation)
    part = files[0]
    field_type = form.get("Content-Type")
    content_type = field_type if isinstance(field_type, str) else (part.content_type or "")
    if not supported(content_type):
        raise unsupported_type(content_type)
    if not part.filename:
        raise input_error(10004, "the file part's Content-Disposition names no filename")
    return ReceivedMedia(part.filename, media_type(content_type), await part.read())


async def _from_url(request: Request, body: bytes) -> ReceivedMedia:
    try:
        entity, xml = parse_entity(request.headers.get("content-type"), body)
    except BodyError as exc:
        raise input_error(10002, str(exc)) from None
    url, filename, content_type = entity.get("url"), entity.get("filename"), entity.get("content_type")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise input_error(10002, f"url must be a publicly accessible http(s) URL, got {url!r}", xml)
    if content_type is not None and not supported(str(content_type)):
        raise input_error(10001, f"the content type {content_type!r} is not supported for input media", xml)
    try:
        async with httpx.AsyncClient(timeout=RETRIEVE_TIMEOUT_SECONDS, follow_redirects=True) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise input_error(10002, f"{url} could not be retrieved ({type(exc).__name__})", xml) from None
    if response.status_code >= 400:
        raise input_error(10002, f"{url} answered HTTP {response.status_code}", xml)
    content_type = content_type or response.headers.get("content-type", "")
    if not supported(content_type):
        raise input_error(10001, f"{url} serves {content_type or 'no content type'!r}, not media", xml)
    filename = filename or unquote(urlsplit(str(response.url)).path.rstrip("/").rsplit("/", 1)[-1])
    if not filename:
        raise input_error(10004, f"no filename was given and none can be taken from {url}", xml)
    return ReceivedMedia(str(filename), media_type(content_type), response.content)


async def receive_media(request: Request) -> ReceivedMedia:
    """Read an input in whichever of the three forms the request uses."""
    content_type = request.headers.get("content-type", "")
    kind = media_type(content_type)
    if kind == "multipart/form-data":
        return await _from_multipart(request)
    body = await request.body()
    if kind in ("application/json", "application/xml", "text/xml"):
        return await _from_url(request, body)
    if not supported(content_type):
        raise unsupported_type(content_type)
    filename = disposition_filename(request.headers.get("content-disposition"))
    if not filename:
        raise input_error(10004, 'give the filename in "Content-Disposition: attachment; filename=..."')
    return ReceivedMedia(filename, kind, body)
