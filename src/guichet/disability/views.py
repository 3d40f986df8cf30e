"""Pages of disability files: the person's (filing, following, plan, pieces, appeal) and the
house's named agents' (queue, file, transitions, pieces). Thin: selectors and services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.cases.selectors import timeline_for_citizen
from guichet.cases.workflow import WorkflowError, available_transitions
from guichet.core.access import access_record
from guichet.core.policies import PolicyDenied
from guichet.disability import crypto, rules, selectors
from guichet.disability.appeals import appeal_submit
from guichet.disability.errors import FilingError
from guichet.disability.filing import DRAFT_FIELDS, date_parsed, file_submit, filing_draft_save
from guichet.disability.instruction import file_transition, pieces_send, plan_comment
from guichet.disability.models import DisabilityFile
from guichet.disability.pieces import PiecePosted, piece_read, piece_take
from guichet.disability.policies import TRANSITION_ROLES, file_policy, house_roles

PIECE_FIELDS = [
    (rules.IDENTITY, True),
    (rules.ADDRESS_PROOF, True),
    (rules.MEDICAL_CERTIFICATE, True),
    (rules.COURT_DECISION, False),
    (rules.MANDATE, False),
]


def _posted(request, kind: str) -> PiecePosted:
    """What the form posted for a piece: ``piece_<kind>`` (upload), ``piece_<kind>__wallet``
    (a document of the wallet), ``__keep`` with ``__issued`` / ``__expires`` (keep the
    upload in the wallet)."""
    name = f"piece_{kind}"
    return PiecePosted(
        kind=kind,
        upload=request.FILES.get(name),
        wallet_document=request.POST.get(f"{name}__wallet", "").strip(),
        keep=f"{name}__keep" in request.POST,
        issued_on=request.POST.get(f"{name}__issued", "").strip(),
        expires_on=request.POST.get(f"{name}__expires", "").strip(),
    )


def _taken_pieces(request, kinds, *, issued_on=None, dependant=None) -> tuple[list, dict[str, str]]:
    taken, errors = [], {}
    for kind in kinds:
        posted = _posted(request, kind)
        if posted.upload is None and not posted.wallet_document:
            continue
        try:
            taken.append(
                piece_take(
                    kind=kind,
                    actor=request.user,
                    posted=posted,
                    dependant=dependant,
                    issued_on=issued_on if kind == rules.MEDICAL_CERTIFICATE else None,
                )
            )
        except FilingError as exc:
            errors.update(exc.errors)
    return taken, errors


def _pickers(request, kinds) -> dict[str, dict]:
    """For each piece kind the wallet knows, the picker's context (``wallet/_picker.html``):
    the person's documents of that type with their validity today."""
    from guichet.wallet.selectors import wallet_choices_for_fields
    from guichet.wallet.types import DOCUMENT_TYPES

    fields = [
        {"key": kind, "type": "file", "document_type": kind}
        for kind in kinds
        if kind in DOCUMENT_TYPES
    ]
    choices = wallet_choices_for_fields(actor=request.user, fields=fields)
    return {
        f["key"]: {
            "name": f"piece_{f['key']}",
            "id": f"id_piece_{f['key']}",
            "wallet": choices.get(f["key"], []),
            "document_type": DOCUMENT_TYPES[f["key"]],
        }
        for f in fields
    }


def _form_context(request, draft, errors=None, data=None):
    data = data if data is not None else (draft.data if draft else {})
    kept = set(draft.pieces.values_list("kind", flat=True)) if draft else set()
    certificate = date_parsed(data.get("certificate_issued_on"))
    pickers = _pickers(request, [kind for kind, _required in PIECE_FIELDS])
    return {
        "draft": draft,
        "data": data,
        "errors": errors or {},
        "general_error": (errors or {}).get("__all__", ""),
        "rights": [
            (code, label, code in data.get("rights", [])) for code, label in rules.RIGHTS.items()
        ],
        "pieces": [
            (kind, rules.PIECE_KINDS[kind], required, kind in kept, pickers.get(kind))
            for kind, required in PIECE_FIELDS
        ],
        "dependants": request.user.dependants.all(),
        "dependant_id": draft.dependant_id if draft else None,
        "certificate_until": (rules.certificate_valid_until(certificate) if certificate else None),
    }


@login_required
def filing(request, token=None):
    """The request form (Cerfa 15692 sections) on one page: save as a draft, or file."""
    draft = selectors.draft_get_for_citizen(actor=request.user, token=token) if token else None
    if request.method != "POST":
        return render(request, "disability/filing.html", _form_context(request, draft))
    data = {key: request.POST.get(key, "").strip() for key in DRAFT_FIELDS}
    data["protected_adult"] = request.POST.get("protected_adult") == "on"
    data["rights"] = request.POST.getlist("rights")
    dependant = None
    if request.POST.get("dependant"):
        dependant = request.user.dependants.filter(pk=request.POST["dependant"]).first()
        if dependant is None:
            return render(
                request,
                "disability/filing.html",
                _form_context(
                    request,
                    draft,
                    {"dependant": _("Choisissez une personne que vous représentez.")},
                    data,
                ),
                status=400,
            )
    issued_on = date_parsed(data["certificate_issued_on"])
    taken, errors = _taken_pieces(
        request, [k for k, _r in PIECE_FIELDS], issued_on=issued_on, dependant=dependant
    )
    for piece in taken:
        if piece.kind == rules.MEDICAL_CERTIFICATE and piece.issued_on:
            # a certificate from the wallet: its date is the one checked at filing
            data["certificate_issued_on"] = piece.issued_on.isoformat()
    draft = filing_draft_save(
        actor=request.user, data=data, draft=draft, dependant=dependant, pieces=taken
    )
    if errors:
        return render(
            request, "disability/filing.html", _form_context(request, draft, errors), status=400
        )
    if request.POST.get("action") != "submit":
        messages.success(request, _("Brouillon enregistré : vous pourrez le reprendre plus tard."))
        return redirect("disability:draft", token=draft.token)
    try:
        file = file_submit(actor=request.user, draft=draft)
    except FilingError as exc:
        return render(
            request,
            "disability/filing.html",
            _form_context(request, draft, exc.errors),
            status=400,
        )
    messages.success(
        request, _("Votre dossier est déposé. Sa référence : %s.") % file.case.reference
    )
    return redirect("disability:file", reference=file.case.reference)


@login_required
def my_files(request):
    return render(
        request,
        "disability/my_files.html",
        {
            "files": selectors.files_for_citizen(actor=request.user),
            "drafts": selectors.drafts_for_citizen(actor=request.user),
        },
    )


@login_required
def file_page(request, reference):
    file = selectors.file_get_for_citizen(actor=request.user, reference=reference)
    today = timezone.localdate()
    case = file.case
    pickers = _pickers(request, list(rules.PIECE_KINDS)) if case.status == "pieces_missing" else {}
    return render(
        request,
        "disability/file.html",
        {
            "file": file,
            "case": case,
            "timeline": timeline_for_citizen(case),
            "pieces": selectors.pieces_for_citizen(actor=request.user, file=file),
            "piece_kinds": [(k, v, pickers.get(k)) for k, v in rules.PIECE_KINDS.items()],
            "can_comment": case.status == "plan_proposed"
            and file.plan_comment_until is not None
            and today <= file.plan_comment_until,
            "can_send_pieces": case.status == "pieces_missing",
            "can_appeal": file.kind == DisabilityFile.Kind.REQUEST
            and file.decision_notified_on is not None
            and today <= file.appeal_until
            and not file.appeals.exists(),
            "appeals": file.appeals.select_related("case"),
        },
    )


@login_required
@require_POST
def plan_comment_view(request, reference):
    file = selectors.file_get_for_citizen(actor=request.user, reference=reference)
    try:
        plan_comment(actor=request.user, file=file, body=request.POST.get("body", ""))
        messages.success(request, _("Vos observations sont envoyées."))
    except FilingError as exc:
        for error in exc.errors.values():
            messages.error(request, error)
    return redirect("disability:file", reference=file.case.reference)


@login_required
@require_POST
def pieces_send_view(request, reference):
    file = selectors.file_get_for_citizen(actor=request.user, reference=reference)
    taken, errors = _taken_pieces(
        request, list(rules.PIECE_KINDS), dependant=_dependant_of(request.user, file)
    )
    try:
        if errors:
            raise FilingError(errors)
        pieces_send(actor=request.user, file=file, pieces=taken)
        messages.success(request, _("Vos pièces sont envoyées."))
    except (FilingError, WorkflowError) as exc:
        for error in getattr(exc, "errors", {"__all__": getattr(exc, "message", "")}).values():
            messages.error(request, error)
    return redirect("disability:file", reference=file.case.reference)


def _dependant_of(actor, file):
    """The person a represented file is about, among the filer's "people I act for"."""
    if not file.represented:
        return None
    return actor.dependants.filter(
        first_name=file.person_first_name,
        last_name=file.person_last_name,
        birth_date=file.person_birth_date,
    ).first()


@login_required
def piece_download(request, reference, pk):
    """A piece of the person's own file, decrypted and streamed; the read is recorded."""
    _file, piece = selectors.piece_get_for_citizen(
        actor=request.user, reference=reference, pk=pk, request=request
    )
    return _piece_response(request, piece)


def _piece_response(request, piece):
    try:
        content = piece_read(actor=request.user, piece=piece)
    except crypto.PieceUnreadable:
        return render(request, "disability/piece_unreadable.html", status=503)
    except PolicyDenied:
        raise Http404("piece") from None
    response = FileResponse(
        io.BytesIO(content),
        content_type=piece.content_type,
        as_attachment=True,
        filename=piece.download_name,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def appeal_view(request, reference):
    """The RAPO: within two months of the notification, online, linked to the file."""
    file = selectors.file_get_for_citizen(actor=request.user, reference=reference)
    errors: dict[str, str] = {}
    if request.method == "POST":
        taken, errors = _taken_pieces(request, [rules.APPEAL_LETTER], dependant=None)
        if not errors:
            try:
                appeal = appeal_submit(
                    actor=request.user,
                    file=file,
                    reason=request.POST.get("reason", ""),
                    pieces=taken,
                )
                messages.success(
                    request,
                    _("Votre recours est déposé. Sa référence : %s.") % appeal.case.reference,
                )
                return redirect("disability:file", reference=appeal.case.reference)
            except FilingError as exc:
                errors = exc.errors
    return render(
        request,
        "disability/appeal.html",
        {"file": file, "errors": errors, "reason": request.POST.get("reason", "")},
        status=400 if errors else 200,
    )


# --- the house ------------------------------------------------------------------------------

QUEUE_PAGE = 50


@login_required
def agent_queue(request):
    if not house_roles(request.user):
        raise Http404("queue")
    files = selectors.files_for_agent(actor=request.user)
    status = request.GET.get("status", "")
    if status:
        files = files.filter(case__status=status)
    # No COUNT over the house's files (a million at scale): a page and whether one follows.
    number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    number = max(number, 1)
    rows = list(files[(number - 1) * QUEUE_PAGE : number * QUEUE_PAGE + 1])
    page = {
        "object_list": rows[:QUEUE_PAGE],
        "has_next": len(rows) > QUEUE_PAGE,
        "next_page_number": number + 1,
    }
    access_record(
        actor=request.user,
        door=selectors.DOOR_LIST,
        organisation_ids=list(house_roles(request.user)),
        request=request,
        query=request.GET.urlencode()[:500],
        count=len(page["object_list"]),
    )
    return render(request, "disability/agent_queue.html", {"page": page, "status": status})


@login_required
def agent_file(request, reference):
    file = selectors.file_get_for_agent(actor=request.user, reference=reference, request=request)
    pieces, hidden = selectors.pieces_for_agent(actor=request.user, file=file)
    transitions = [
        t
        for t in available_transitions(file.case, request.user)
        if file_policy.can_act(request.user, file, t.key) and t.key in TRANSITION_ROLES
    ]
    return render(
        request,
        "disability/agent_file.html",
        {
            "file": file,
            "case": file.case,
            "pieces": pieces,
            "hidden_medical": hidden,
            "transitions": transitions,
            "roles": sorted(house_roles(request.user).get(file.organisation_id, ())),
            "events": file.case.events.order_by("created_at", "id"),
        },
    )


@login_required
@require_POST
def agent_transition(request, reference):
    file = selectors.file_get_for_agent(actor=request.user, reference=reference, request=request)
    try:
        file_transition(
            actor=request.user,
            file=file,
            transition=request.POST.get("transition", ""),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Le dossier est mis à jour."))
    except PolicyDenied:
        messages.error(request, _("Votre rôle ne permet pas cette étape."))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    return redirect("disability:agent_file", reference=file.case.reference)


@login_required
def agent_piece(request, reference, pk):
    _file, piece = selectors.piece_get_for_agent(
        actor=request.user, reference=reference, pk=pk, request=request
    )
    return _piece_response(request, piece)
