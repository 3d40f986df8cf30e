"""HTML forms from a definition's form schema: the widgets to render and the parsing of a post
back into the JSON shape that ``schema.clean_fields`` validates. Used by the citizen form, the
agent's filing page and the editor's live preview."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guichet.catalogue.schema import condition_holds

PREFIX = "f_"


def _name(key: str, *parts: Any) -> str:
    return "__".join([PREFIX + key, *[str(p) for p in parts]])


def parse_post(fields: list[dict], post, *, prefix: str = "") -> dict[str, Any]:
    """The values of ``fields`` in a POST (QueryDict), shaped as the JSON data."""
    data: dict[str, Any] = {}
    for field in fields:
        key, ftype = field.get("key"), field["type"]
        name = prefix + _name(key)
        if ftype in {"title", "file"}:
            continue
        if ftype == "multichoice":
            data[key] = post.getlist(name)
        elif ftype == "checkbox":
            data[key] = name in post
        elif ftype == "address":
            data[key] = {p: post.get(f"{name}__{p}", "") for p in ("street", "postcode", "city")}
            if not any(data[key].values()):
                data[key] = None
        elif ftype == "location":
            lat, lon = post.get(f"{name}__lat", "").strip(), post.get(f"{name}__lon", "").strip()
            data[key] = (
                {"lat": lat.replace(",", "."), "lon": lon.replace(",", ".")} if lat or lon else None
            )
        elif ftype == "repeat":
            rows = []
            for i in range(int(field.get("max_items", 20))):
                row = parse_post(field["fields"], post, prefix=f"{name}__{i}__")
                if not any(k in post for k in _row_names(field, name, i)):
                    break
                rows.append({k: v for k, v in row.items() if v not in ("", None, [], False)})
            data[key] = [r for r in rows if r]
        else:
            data[key] = post.get(name, "")
    return data


def _row_names(field: dict, name: str, i: int) -> list[str]:
    names = []
    for sub in field["fields"]:
        base = f"{name}__{i}__{_name(sub['key'])}"
        names += [base, f"{base}__street", f"{base}__lat"]
    return names


def widgets(
    fields: list[dict],
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    *,
    prefix: str = "",
    scope: Mapping[str, Any] | None = None,
    files: Mapping[str, list] | None = None,
    wallet: Mapping[str, list] | None = None,
) -> list[dict]:
    """What the template needs for each field: its spec, name, id, value, error, visibility.

    ``wallet``: for a file field that names a ``document_type``, the signed-in person's
    documents of that type (``wallet.selectors.wallet_choices_for_fields``): the field then
    offers "choose from my documents" and "keep this upload in my documents"."""
    out = []
    scope = scope if scope is not None else values
    for field in fields:
        key, ftype = field.get("key"), field["type"]
        name = prefix + _name(key)
        value = values.get(key)
        item = {
            "spec": field,
            "type": ftype,
            "name": name,
            "id": "id_" + name,
            "value": value,
            "error": errors.get(key, ""),
            "visible": condition_holds(field.get("show_if"), scope),
            "files": (files or {}).get(key, []),
        }
        if ftype == "file" and wallet is not None and key in wallet:
            from guichet.wallet.types import DOCUMENT_TYPES

            item["wallet"] = wallet[key]
            item["document_type"] = DOCUMENT_TYPES[field["document_type"]]
        if ftype in {"choice", "multichoice"}:
            selected = value if isinstance(value, list) else [value]
            item["choices"] = [
                {**c, "selected": c["value"] in selected, "id": f"id_{name}_{i}"}
                for i, c in enumerate(field["choices"])
            ]
        if ftype == "repeat":
            rows = list(value or [])
            count = min(
                int(field.get("max_items", 20)), max(len(rows) + 1, int(field.get("min_items", 1)))
            )
            item["rows"] = [
                {
                    "index": i + 1,
                    "widgets": widgets(
                        field["fields"],
                        rows[i] if i < len(rows) else {},
                        {},
                        prefix=f"{name}__{i}__",
                        scope={},
                    ),
                }
                for i in range(count)
            ]
        out.append(item)
    return out
