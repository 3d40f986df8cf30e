"""Open311 GeoReport v2 documents in XML and JSON, and the spec's error lists.

Lists are top-level arrays in JSON and ``<plural><singular>…</singular></plural>`` in XML;
booleans are ``true``/``false``; dates are ISO 8601 with their offset.
"""

import json
from datetime import datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# XML element name of the items of each list
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value) -> None:
    if isinstance(value, list):
        container = ET.SubElement(parent, name)
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            _append(container, item_name, item)
    elif isinstance(value, dict):
        element = ET.SubElement(parent, name)
        for key, sub in value.items():
            _append(element, key, sub)
    else:
        ET.SubElement(parent, name).text = _text(value)


def to_xml(root: str, payload) -> bytes:
    """``payload`` is a list (root holds its items) or a dict (root holds its keys)."""
    element = ET.Element(root)
    if isinstance(payload, list):
        item_name = ITEM_NAMES.get(root, "item")
        for item in payload:
            _append(element, item_name, item)
    else:
        for key, value in payload.items():
            _append(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def respond(fmt: str, root: str, payload, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: ``[{"code": 403, "description": "…"}]`` / ``<errors>``."""
    return respond(
        fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status
    )
