"""Open311 GeoReport v2 documents in XML and JSON, and the spec's error lists.

Lists are top-level arrays in JSON and ``<plural><singular>…</singular></plural>`` in XML;
booleans are ``true``/``false``; dates are ISO 8601 with their offset; ``None`` is ``null`` in
JSON and an empty element in XML. UTF-8 everywhere, and the XML declaration says so (the spec
asks for ``encoding="UTF-8"``).
"""

import json
import re
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
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
# characters XML 1.0 cannot carry at all (a pasted control character would otherwise make the
# whole list unreadable to every client)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def xml_text(value) -> str:
    """The escaped XML text of a scalar."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _NOT_XML.sub("", value).translate(_ESCAPES)
    return str(value)


def _write(parts: list[str], name: str, value) -> None:
    if isinstance(value, list):
        item_name = ITEM_NAMES.get(name, "item")
        parts.append(f"<{name}>")
        for item in value:
            _write(parts, item_name, item)
        parts.append(f"</{name}>")
    elif isinstance(value, dict):
        parts.append(f"<{name}>")
        for key, sub in value.items():
            _write(parts, key, sub)
        parts.append(f"</{name}>")
    else:
        text = xml_text(value)
        parts.append(f"<{name}>{text}</{name}>" if text else f"<{name} />")


def to_xml(root: str, payload) -> bytes:
    """``payload`` is a list (root holds its items) or a dict (root holds its keys).

    Built as a list of strings joined once: several times faster than ElementTree for the
    1,000 requests of a list, for the same document."""
    parts = [XML_DECLARATION]
    _write(parts, root, payload)
    return "".join(parts).encode()


def respond(fmt: str, root: str, payload, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


_SUFFIX = re.compile(r"\.(json|xml)/?$")


def door_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A refusal at the Open311 door (``core.edges.register_door``): the spec's error list, in
    the format the URL's suffix names (JSON when it names none)."""
    match = _SUFFIX.search(request.path_info)
    return error(match.group(1) if match else "json", status, message)


def error(fmt: str, status: int, *descriptions: str, allow: str = "") -> HttpResponse:
    """The spec's error list: ``[{"code": 403, "description": "…"}]`` / ``<errors>``."""
    response = respond(
        fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status
    )
    if allow:
        response["Allow"] = allow
    return response
