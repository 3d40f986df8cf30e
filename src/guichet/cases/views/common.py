from collections.abc import Callable

from django.contrib import messages
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.forms import MessageForm
from guichet.cases.messages import case_message_add
from guichet.catalogue.schema import iter_fields

#: What the apps above the engine show on a draft's pages (the ``sharing`` app: who prepares
#: it): ``panel(request, draft, where)``, ``where`` being ``"page"`` or ``"review"``, gives
#: HTML (safe) or "". Registered from an ``AppConfig.ready()``.
_draft_panels: list[Callable[..., str]] = []


def register_draft_panel(panel: Callable[..., str]) -> Callable[..., str]:
    if panel not in _draft_panels:
        _draft_panels.append(panel)
    return panel


def draft_panels(request, draft, where: str) -> list[str]:
    """The HTML the registered panels show on ``draft``'s page or review."""
    return [html for panel in _draft_panels if (html := panel(request, draft, where))]


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
        return " | ".join(
            " ; ".join(
                f"{sub['label']} : {display_value(sub, row.get(sub['key']))}"
                for sub in field["fields"]
                if sub["type"] != "title"
            )
            for row in value
        )
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
            if key not in by_field:
                continue
            text, files = "", by_field[key]
        elif key in case.data:
            text, files = display_value(field, case.data[key]), []
        else:
            continue
        rows.append({"page": page["title"], "label": field["label"], "text": text, "files": files})
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


def message_post(request, case, *, actor, from_citizen: bool, sent: str) -> None:
    """Add the posted message (``MessageForm``, its files) to ``case``; says how it went."""
    form = MessageForm(request.POST)
    try:
        if not form.is_valid():
            raise CaseInputError({"body": _("Message invalide.")})
        case_message_add(
            actor=actor,
            case=case,
            body=form.cleaned_data["body"],
            from_citizen=from_citizen,
            files=request.FILES.getlist("files"),
        )
        messages.success(request, sent)
    except CaseInputError as exc:
        for error in exc.errors.values():
            messages.error(request, error)
