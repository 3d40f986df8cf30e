"""Structured edits of a definition document, for the editor's forms (add, order, configure
pages, fields, conditions, statuses and transitions). Each operation returns a new document;
the caller validates it as a whole before saving, so an edit never leaves a broken draft."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping

from django.utils.translation import gettext as _

from guichet.catalogue.schema import ANY_STATUS


class EditError(ValueError):
    pass


def slug_key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:50]
    return key if key and key[0].isalpha() else f"k_{key}"[:50]


def _page(doc: dict, page_key: str) -> dict:
    for page in doc["form"]["pages"]:
        if page["key"] == page_key:
            return page
    raise EditError(_("Page inconnue : « %s ».") % page_key)


def _move(items: list, index: int, direction: str) -> None:
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]


def _choices(text: str) -> list[dict]:
    choices = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        value, _sep, label = line.partition("|") if "|" in line else (slug_key(line), "", line)
        choices.append({"value": value.strip(), "label": label.strip()})
    return choices


def apply_operation(document: Mapping, op: str, params: Mapping[str, str]) -> dict:
    """The document after ``op`` (add_page, move_page, remove_page, add_field, move_field,
    remove_field, set_condition, add_status, remove_status, add_transition, remove_transition).
    """
    doc = copy.deepcopy(dict(document))
    pages = doc["form"]["pages"]
    get = lambda name: (params.get(name) or "").strip()  # noqa: E731
    if op == "add_page":
        title = get("title")
        pages.append({"key": get("key") or slug_key(title), "title": title, "fields": []})
    elif op in ("move_page", "remove_page"):
        index = next((i for i, p in enumerate(pages) if p["key"] == get("page")), None)
        if index is None:
            raise EditError(_("Page inconnue : « %s ».") % get("page"))
        if op == "remove_page":
            pages.pop(index)
        else:
            _move(pages, index, get("direction"))
    elif op == "add_field":
        page = _page(doc, get("page"))
        label = get("label")
        field = {"key": get("key") or slug_key(label), "type": get("type"), "label": label}
        if get("required"):
            field["required"] = True
        if get("help"):
            field["help"] = get("help")
        if field["type"] in ("choice", "multichoice"):
            field["choices"] = _choices(params.get("choices") or "")
        if field["type"] == "title":
            field["text"] = get("help")
            field.pop("help", None)
        if field["type"] == "repeat":
            field["fields"] = [{"key": "element", "type": "text", "label": _("Élément")}]
        page["fields"].append(field)
    elif op in ("move_field", "remove_field", "set_condition"):
        page = _page(doc, get("page"))
        index = next(
            (i for i, f in enumerate(page["fields"]) if f.get("key") == get("field")), None
        )
        if index is None:
            raise EditError(_("Champ inconnu : « %s ».") % get("field"))
        if op == "remove_field":
            page["fields"].pop(index)
        elif op == "move_field":
            _move(page["fields"], index, get("direction"))
        elif get("when_field"):
            value: object = get("when_value")
            if value in ("true", "false"):
                value = value == "true"
            page["fields"][index]["show_if"] = {"field": get("when_field"), "equals": value}
        else:
            page["fields"][index].pop("show_if", None)
    elif op == "add_status":
        label = get("label")
        status = {
            "key": get("key") or slug_key(label),
            "label": label,
            "citizen_label": get("citizen_label") or label,
        }
        if get("closed"):
            status["closed"] = True
        doc["workflow"]["statuses"].append(status)
    elif op == "remove_status":
        doc["workflow"]["statuses"] = [
            s for s in doc["workflow"]["statuses"] if s["key"] != get("status")
        ]
    elif op == "add_transition":
        label = get("label")
        sources = list(params.getlist("from")) if hasattr(params, "getlist") else []
        transition = {
            "key": get("key") or slug_key(label),
            "label": label,
            "from": ANY_STATUS if ANY_STATUS in sources else sources,
            "to": get("to"),
            "functions": list(params.getlist("functions")) if hasattr(params, "getlist") else [],
        }
        if get("comment_required"):
            transition["comment_required"] = True
        if get("confirm"):
            transition["confirm"] = get("confirm")
        doc["workflow"].setdefault("transitions", []).append(transition)
    elif op == "remove_transition":
        doc["workflow"]["transitions"] = [
            t for t in doc["workflow"].get("transitions", []) if t["key"] != get("transition")
        ]
    else:
        raise EditError(_("Opération inconnue."))
    return doc
