from guichet.catalogue.schema import iter_fields


def display_value(field: dict, value) -> str:
    if value in (None, "", [], {}):
        return "—"
    ftype = field["type"]
    if ftype in ("choice", "multichoice"):
        labels = {c["value"]: c["label"] for c in field["choices"]}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in values)
    if ftype == "checkbox":
        return "Oui" if value else "Non"
    if ftype == "address":
        return " ".join(
            p for p in (value.get("street"), value.get("postcode"), value.get("city")) if p
        )
    if ftype == "location":
        return f"{value['lat']:.5f}, {value['lon']:.5f}"
    if ftype == "repeat":
        parts = []
        for row in value:
            parts.append(
                " ; ".join(
                    f"{sub['label']} : {display_value(sub, row.get(sub['key']))}"
                    for sub in field["fields"]
                    if sub["type"] != "title"
                )
            )
        return " | ".join(parts)
    return str(value)


def case_data_rows(case, attachments=None) -> list[dict]:
    """(label, text, attachments) for each answered field of the case, in form order.
    ``attachments``: the case's attachments when the caller has read them already."""
    by_field: dict[str, list] = {}
    for att in case.attachments.all() if attachments is None else attachments:
        if att.field_key:
            by_field.setdefault(att.field_key, []).append(att)
    rows = []
    for page, field in iter_fields(case.version.form):
        if field["type"] == "title":
            continue
        key = field["key"]
        if field["type"] == "file":
            if key in by_field:
                rows.append(
                    {
                        "page": page["title"],
                        "label": field["label"],
                        "text": "",
                        "files": by_field[key],
                    }
                )
            continue
        if key in case.data:
            rows.append(
                {
                    "page": page["title"],
                    "label": field["label"],
                    "text": display_value(field, case.data[key]),
                    "files": [],
                }
            )
    return rows


def uploaded_files(request, fields: list[dict], *, wallet: bool = False) -> dict[str, list]:
    """The files posted for the file fields among ``fields`` (input name ``f_<key>``); with
    ``wallet``, also the signed-in person's choices from their document wallet and their
    "keep this upload" requests (``wallet.views.wallet_pieces_posted``)."""
    files = {}
    for field in fields:
        if field["type"] != "file":
            continue
        posted = request.FILES.getlist(f"f_{field['key']}")
        if wallet and field.get("document_type") and request.user.is_authenticated:
            from guichet.wallet.views import wallet_pieces_posted

            posted = wallet_pieces_posted(request, field, posted)
        if posted:
            files[field["key"]] = posted
    return files
