"""Rev speaks JSON and XML: parse request entities of either kind into one shape, answer in the kind the
client asked for (`Accept`, or the kind of its request body), and build `{code, message, detail?}` errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.responses import JSONResponse, Response

from video_localization_dev.sandbox.rev.wire import (
    HTTP_STATUS_AS_CODE,
    SERVICE_OPTIONS,
    XML_ROOT_ERROR,
    XML_SINGULAR,
)

JSON_TYPE = "application/json"
XML_TYPES = ("application/xml", "text/xml")

# Typing of XML element text, by element name (JSON carries types itself).
_XML_BOOLEAN_FIELDS = frozenset({"sandbox_mode", "burned_in_captions", "non_standard_tat_guarantee"})
_XML_INTEGER_FIELDS = frozenset({"video_length_seconds", "workspace_id"})
_XML_LIST_FIELDS = {"inputs": "input", "output_file_formats": "file_format"}
_XML_OBJECT_FIELDS = frozenset({*SERVICE_OPTIONS, "notification", "input"})


class BodyError(ValueError):
    """The request entity could not be read at all."""


class RevError(Exception):
    """An answer in Rev's error shape; raised anywhere under `/rev`, rendered by the app's handler."""

    def __init__(
        self, status: int, code: int | None, message: str, detail: str | None = None, xml: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code if code is not None else (status if HTTP_STATUS_AS_CODE else None)
        self.message = message
        self.detail = detail
        self.xml = xml
        self.headers: dict[str, str] = {}


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_xml_body(content_type: str | None, body: bytes) -> bool:
    kind = media_type(content_type)
    if kind in XML_TYPES or kind.endswith("+xml"):
        return True
    return kind != JSON_TYPE and body.lstrip().startswith(b"<")


def _name(element: ET.Element) -> str:
    return element.tag.split("}")[-1]


def _typed(name: str, element: ET.Element) -> Any:
    """An element as the JSON value it stands for (objects, lists, booleans, integers, strings)."""
    children = list(element)
    if name in _XML_LIST_FIELDS:
        return [_typed(_name(child), child) for child in children]
    if children or name in _XML_OBJECT_FIELDS:
        return {_name(child): _typed(_name(child), child) for child in children}
    text = (element.text or "").strip()
    if name in _XML_BOOLEAN_FIELDS and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if name in _XML_INTEGER_FIELDS and text.lstrip("-").isdigit():
        return int(text)
    return text


def parse_xml(body: bytes) -> tuple[str, dict[str, Any]]:
    """(root element name, its children as a dict typed like the JSON entity)."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BodyError("XML document type declarations are not accepted")
    try:
        root = ET.fromstring(body)  # noqa: S314 - no DTD can reach the parser (refused above)
    except ET.ParseError as exc:
        raise BodyError(f"the request body is not well-formed XML: {exc}") from None
    value = _typed(_name(root), root)
    return _name(root), value if isinstance(value, dict) else {}


def parse_entity(content_type: str | None, body: bytes) -> tuple[dict[str, Any], bool]:
    """The request entity as a dict, and whether it was XML."""
    if not body.strip():
        raise BodyError("the request body is empty")
    if is_xml_body(content_type, body):
        return parse_xml(body)[1], True
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BodyError("the request body must be a JSON object")
    return value, False


def wants_xml(accept: str | None) -> bool:
    """True when the client prefers application/xml or text/xml over JSON."""
    for item in (accept or "").split(","):
        kind = media_type(item)
        if kind in XML_TYPES:
            return True
        if kind in (JSON_TYPE, "*/*", "application/*"):
            return False
    return False


def accepts_entity(accept: str | None) -> bool:
    """Entities come as JSON or XML only ("Must be application/json, application/xml, or text/xml")."""
    kinds = [media_type(item) for item in (accept or "").split(",") if item.strip()]
    allowed = (JSON_TYPE, *XML_TYPES, "*/*", "application/*", "text/*")
    return not kinds or any(kind in allowed for kind in kinds)


def _to_xml(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        container = ET.SubElement(parent, name)
        for item in value:
            _to_xml(container, XML_SINGULAR.get(name, "item"), item)
    elif isinstance(value, dict) and name == "link":
        ET.SubElement(parent, name, {key: str(item) for key, item in value.items()})
    elif isinstance(value, dict):
        element = ET.SubElement(parent, name)
        for key, item in value.items():
            _to_xml(element, key, item)
    else:
        element = ET.SubElement(parent, name)
        element.text = str(value).lower() if isinstance(value, bool) else str(value)


def render_xml(root: str, entity: dict[str, Any]) -> bytes:
    element = ET.Element(root)
    for key, value in entity.items():
        _to_xml(element, key, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def entity_response(root: str, entity: dict[str, Any], xml: bool, status: int = 200) -> Response:
    if xml:
        return Response(render_xml(root, entity), status_code=status, media_type="application/xml")
    return JSONResponse(entity, status_code=status)


def error_entity(error: RevError) -> dict[str, Any]:
    entity: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.detail is not None:
        entity["detail"] = error.detail
    return entity


def error_response(error: RevError) -> Response:
    response = entity_response(XML_ROOT_ERROR, error_entity(error), error.xml, error.status)
    response.headers.update(error.headers)
    return response


def fault_body(status: int, message: str) -> Response:
    """The error shape of injected faults (the sandbox's `error_body_factory`)."""
    return error_response(RevError(status, None, message))
