"""The back-office (GRU): queues, the case page and its actions, the 360° view, CSV export,
saved filters, filing a case for a caller or a visitor."""

import csv
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.accounts.selectors import account_by_email
from guichet.cases.errors import CaseInputError
from guichet.cases.fast import queue_rows_html
from guichet.cases.forms import (
    QUEUE_LABELS,
    DeadlineForm,
    MessageForm,
    NoteForm,
    PlaceForm,
    QueueFilterForm,
    RequesterForm,
    SavedFilterForm,
    TransitionForm,
)
from guichet.cases.handling import (
    case_assign,
    case_bulk_assign,
    case_bulk_transition,
    case_deadline_set,
    case_reroute,
    case_transition,
)
from guichet.cases.messages import case_note_add
from guichet.cases.models import Case
from guichet.cases.reads import (
    AccessDoor,
    record_attachment,
    record_case,
    record_list,
    record_person,
)
from guichet.cases.receipts import (
    case_receipt_pdf,
    receipt_code,
    receipt_code_keep,
    receipt_context,
)
from guichet.cases.saved_filters import saved_filter_create
from guichet.cases.selectors import (
    COUNT_CAP,
    CaseFilters,
    attachment_get_for_agent,
    capped_count,
    case_get_for_agent,
    cases_for_agent,
    citizen_cases_for_agent,
    citizen_get_for_agent,
    colleagues_for,
    queue_counts,
    queue_for_agent,
    reroute_team_get,
    saved_filters_for,
    services_for_agent_filing,
    timeline_for_agent,
)
from guichet.cases.submission import case_submit
from guichet.cases.views.common import case_data_rows, message_post, uploaded_files
from guichet.cases.workflow import WorkflowError, available_transitions
from guichet.catalogue.registry import case_templates
from guichet.catalogue.rendering import parse_post, widgets
from guichet.catalogue.schema import iter_fields, transition_leaves
from guichet.catalogue.selectors import catalogue_for_channel, service_communes
from guichet.core.exports import csv_cell
from guichet.core.idempotency import IdempotencyKeyError, new_idempotency_key
from guichet.territory.selectors import communes, team_choices, team_choices_of

PAGE_SIZE = 50
#: What a row of the queue page shows (reading every column of six joined tables for 50 rows
#: cost more than the query itself: hundreds of dates to parse).
QUEUE_ROW_FIELDS = (
    "reference",
    "version_id",
    "organisation_id",
    "team_id",
    "status",
    "is_closed",
    "channel",
    "created_at",
    "deadline",
    "definition__name",
    "commune__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
)


def _pk(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _filter_form(request):
    return QueueFilterForm(
        request.GET or None,
        services=catalogue_for_channel(portal=False).select_related(None).only("key", "name"),
        communes=communes(),
    )


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows (``SELECT COUNT(*)`` over millions of open
    cases costs more than the page): beyond, ``more`` is true and the pages stop at the cap —
    the filters narrow the list. ``count`` may be given when it is already known."""

    def __init__(self, object_list, per_page, *, cap: int, count: int | None = None):
        super().__init__(object_list, per_page)
        self.cap = cap
        self._known = count

    @cached_property
    def _capped(self) -> int:
        return self._known if self._known is not None else capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._capped, self.cap)

    @property
    def more(self) -> bool:
        return self._capped > self.cap


@login_required
def queue(request):
    form = _filter_form(request)
    filters = form.filters() if request.GET else CaseFilters()
    cases = queue_for_agent(actor=request.user, filters=filters)
    if request.GET.get("format") == "csv":
        record_list(request, AccessDoor.EXPORT_CSV, cases.count())
        return _csv(cases)
    counts = queue_counts(actor=request.user)
    unfiltered = filters == CaseFilters(queue=filters.queue, sort=filters.sort)
    rows = cases.select_related(None).select_related("definition", "commune", "assignee")
    paginator = CappedPaginator(
        rows.only(*QUEUE_ROW_FIELDS),
        PAGE_SIZE,
        cap=COUNT_CAP,
        count=counts.get(filters.queue) if unfiltered else None,  # already counted for the tab
    )
    page = paginator.get_page(request.GET.get("page"))
    record_list(request, AccessDoor.SEARCH if filters.q else AccessDoor.CASE_LIST, paginator.count)
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for key in ("mine", "team", "unassigned", "overdue", "all", "closed"):
        q = query.copy()
        q["queue"] = key
        count = counts.get(key)
        tabs.append(
            {
                "key": key,
                "label": QUEUE_LABELS[key],
                "count": None if count is None else min(count, COUNT_CAP),
                "more": count is not None and count > COUNT_CAP,
                "url": "?" + q.urlencode(),
                "current": key == filters.queue,
            }
        )
    now = timezone.now()
    rows_html = queue_rows_html(page.object_list, now=now)  # fenced trick: cases/fast.py
    bulk_transitions = sorted(
        {
            (t["key"], t["label"])
            for case in page.object_list
            for t in case.workflow.get("transitions", [])
            if not t.get("internal") and transition_leaves(t, case.status)
        }
    )
    colleagues = colleagues_for(actor=request.user)
    return render(
        request,
        "cases/backoffice/queue.html",
        {
            "form": form,
            "page": page,
            "rows_html": rows_html,
            "total": paginator.count,
            "more": paginator.more,
            "tabs": tabs,
            "query": query.urlencode(),
            "saved_filters": saved_filters_for(actor=request.user),
            "bulk_transitions": bulk_transitions,
            "colleagues": colleagues,
            "now": now,
        },
    )


def _csv(cases) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="demandes.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "reference",
            "service",
            "status",
            "status_label",
            "channel",
            "commune",
            "organisation",
            "team",
            "assignee",
            "requester",
            "created_at",
            "deadline",
        ]
    )
    for case in cases.iterator(chunk_size=500):
        writer.writerow(
            csv_cell(value)
            for value in [
                case.reference,
                case.definition.key,
                case.status,
                case.status_label,
                case.channel,
                case.commune.name if case.commune_id else "",
                case.organisation.name,
                case.team.name,
                case.assignee.email if case.assignee_id else "",
                case.requester_display,
                timezone.localtime(case.created_at).isoformat(timespec="minutes"),
                timezone.localtime(case.deadline).date().isoformat() if case.deadline else "",
            ]
        )
    return response


@login_required
@require_POST
def saved_filter_add(request):
    form = SavedFilterForm(request.POST)
    form.is_valid()
    try:  # the service checks the agent first, then the name
        saved_filter_create(
            actor=request.user,
            name=form.cleaned_data.get("name") or "",
            query=form.cleaned_data.get("query") or "",
        )
    except CaseInputError:
        messages.error(request, _("Donnez un nom au filtre."))
    else:
        messages.success(request, _("Filtre enregistré."))
    return redirect(f"/backoffice/?{form.data.get('query', '')}")


def _selected_cases(request) -> list[Case]:
    references = request.POST.getlist("cases")[: PAGE_SIZE * 4]
    return list(cases_for_agent(actor=request.user).filter(reference__in=references))


@login_required
@require_POST
def bulk(request):
    cases = _selected_cases(request)
    back = "/backoffice/?" + request.POST.get("query", "")
    if not cases:
        messages.error(request, _("Sélectionnez au moins une demande."))
        return redirect(back)
    action = request.POST.get("action")
    if action == "assign":
        assignee = None
        if request.POST.get("assignee"):
            assignee = colleagues_for(actor=request.user).filter(pk=_pk(request.POST["assignee"]))
            assignee = assignee.first()
            if assignee is None:
                messages.error(request, _("Cet agent n'appartient pas à votre organisation."))
                return redirect(back)
        try:
            n = case_bulk_assign(actor=request.user, cases=cases, assignee=assignee)
            messages.success(request, _("%s demandes attribuées.") % n)
        except WorkflowError as exc:
            messages.error(request, exc.message)
    elif action == "transition":
        done, failed = case_bulk_transition(
            actor=request.user,
            cases=cases,
            transition=request.POST.get("transition", ""),
            comment=request.POST.get("comment", ""),
        )
        if done:
            messages.success(request, _("%s demandes mises à jour.") % len(done))
        for reference, error in failed.items():
            messages.error(request, f"{reference} : {error}")
    return redirect(back)


@login_required
def case_detail(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    return _render_case(request, case)


def _render_case(request, case, *, transition_form=None, status=200):
    record_case(request, case)
    members = colleagues_for(actor=request.user, case=case)
    attachments = list(case.attachments.all())  # read once: the form's rows and the list
    return render(
        request,
        "cases/backoffice/case.html",
        {
            "case": case,
            "rows": case_data_rows(case, attachments),
            "timeline": timeline_for_agent(case),
            "messages_list": case.messages.prefetch_related("attachments").select_related("author"),
            "notes": case.notes.select_related("author"),
            "attachments": attachments,
            "transitions": available_transitions(case, request.user),
            "transition_form": transition_form,
            "members": members,
            "teams": team_choices_of(case.organisation_id),
            "reroute_teams": team_choices(),
            "note_form": NoteForm(),
            "extra_templates": case_templates(case.definition.key),
            "audience": "agent",
            "message_form": MessageForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_POST
def case_transition_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        raise Http404("transition")
    try:
        case_transition(
            actor=request.user,
            case=case,
            transition=form.cleaned_data["transition"],
            comment=form.cleaned_data["comment"],
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _render_case(request, case, transition_form=form, status=400)
    messages.success(request, _("Statut mis à jour."))
    return redirect("cases_bo:case", reference=case.reference)


@login_required
@require_POST
def case_reroute_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    team = reroute_team_get(request.POST.get("team"))
    try:
        if team is None:
            raise CaseInputError({"team": _("Choisissez une équipe.")})
        case_reroute(actor=request.user, case=case, team=team, reason=request.POST.get("reason"))
    except CaseInputError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
        return _render_case(request, case, status=400)
    messages.success(request, _("Demande réorientée vers %(team)s.") % {"team": team.name})
    # the case may have left the agent's organisations: back to the queue
    return redirect("cases_bo:queue")


@login_required
@require_POST
def case_assign_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    assignee = None
    if request.POST.get("assignee") == "me":
        assignee = request.user
    elif request.POST.get("assignee"):
        assignee = (
            colleagues_for(actor=request.user, case=case)
            .filter(pk=_pk(request.POST["assignee"]))
            .first()
        )
        if assignee is None:
            messages.error(request, _("Cet agent n'appartient pas à l'organisation en charge."))
            return redirect("cases_bo:case", reference=case.reference)
    team = None
    if request.POST.get("team"):
        team = case.organisation.teams.filter(pk=request.POST["team"]).first()
    try:
        case_assign(actor=request.user, case=case, assignee=assignee, team=team)
        messages.success(request, _("Attribution enregistrée."))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    return redirect("cases_bo:case", reference=case.reference)


@login_required
@require_POST
def case_deadline_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    form = DeadlineForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["deadline"]
        deadline = (
            timezone.make_aware(datetime.combine(day, time(18, 0))) if day is not None else None
        )
        case_deadline_set(actor=request.user, case=case, deadline=deadline)
        messages.success(request, _("Échéance enregistrée."))
    else:
        messages.error(request, _("Date invalide."))
    return redirect("cases_bo:case", reference=case.reference)


@login_required
@require_POST
def case_note_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        case_note_add(actor=request.user, case=case, body=form.cleaned_data["body"])
        messages.success(request, _("Note ajoutée."))
    else:
        messages.error(request, _("La note est vide."))
    return redirect("cases_bo:case", reference=case.reference)


@login_required
@require_POST
def case_message_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    sent = _("Message envoyé à l'usager.")
    message_post(request, case, actor=request.user, from_citizen=False, sent=sent)
    return redirect("cases_bo:case", reference=case.reference)


@login_required
def attachment_download(request, pk):
    attachment = attachment_get_for_agent(actor=request.user, pk=pk)
    record_attachment(request, attachment)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
def citizen_view(request):
    """The 360° view of a citizen: all their cases that the agent may see. An account (its
    name and e-mail) is shown only through a case the agent's organisations hold; asked by id,
    any other account is the same 404 as a missing one."""
    email = (request.GET.get("email") or "").strip()
    user_id = request.GET.get("user") or ""
    user = None
    if user_id.isdigit():
        user = citizen_get_for_agent(actor=request.user, user_id=int(user_id))
        if user is None:
            raise Http404("citizen")
        cases = citizen_cases_for_agent(actor=request.user, user_id=user.pk)
    else:
        if email:
            user = citizen_get_for_agent(actor=request.user, email=email)
        cases = citizen_cases_for_agent(actor=request.user, email=email)
    if email or user_id:
        record_person(request, user)
    return render(
        request,
        "cases/backoffice/citizen.html",
        {
            "email": email,
            "citizen": user,
            "cases": cases.distinct().order_by("-created_at")[:200],
        },
    )


def _has_location_field(fields: list[dict]) -> bool:
    return any(f["type"] == "location" for f in fields)


@login_required
def file_for_citizen(request):
    """An agent files a case for a caller or a visitor (phone, counter, letter, e-mail)."""
    services = services_for_agent_filing(actor=request.user)
    key = request.GET.get("service") or request.POST.get("service")
    definition = services.filter(key=key).first() if key else None
    if definition is None:
        return render(request, "cases/backoffice/file_choose.html", {"services": services})
    version = definition.current_version
    fields = [f for _p, f in iter_fields(version.form)]
    requester_form = RequesterForm(
        request.POST or None,
        communes=service_communes(definition=definition, portal=False),
        initial={"channel": "phone"},
    )
    values, errors = {}, {}
    # Carried by the form: a second click (or a resend of the page) files the case once.
    idempotency_key = request.POST.get("idempotency_key", "")
    place_form = PlaceForm(request.POST or None) if not _has_location_field(fields) else None
    if request.method == "POST":
        values = parse_post(fields, request.POST)
        if requester_form.is_valid() and (place_form is None or place_form.is_valid()):
            r = requester_form.cleaned_data
            place = place_form.cleaned_data if place_form is not None else {}
            # The caller's account is linked only when it is a person the agent's
            # organisations already hold a case of (typing an e-mail must not reveal whether
            # an account exists, nor file a case into a stranger's space), through an address
            # its owner verified.
            citizen = (
                citizen_get_for_agent(actor=request.user, email=r["email"]) if r["email"] else None
            )
            if citizen is not None and account_by_email(r["email"], verified=True) != citizen:
                citizen = None
            commune = next(
                c
                for c in service_communes(definition=definition, portal=False)
                if c.slug == r["commune"]
            )
            files = uploaded_files(request, fields)
            try:
                submission = case_submit(
                    actor=request.user,
                    definition=definition,
                    data=values,
                    files=files,
                    channel=r["channel"],
                    requester=citizen,
                    contact=None
                    if citizen
                    else {
                        "name": r["name"],
                        "email": r["email"],
                        "phone": r["phone"],
                        "sms_consent": "yes" if r["sms_consent"] else "",
                    },
                    commune=commune,
                    location=place.get("location"),
                    address=place.get("address", ""),
                    idempotency_key=idempotency_key,
                )
            except IdempotencyKeyError as exc:
                errors = {"__all__": exc.message}
                idempotency_key = ""  # a fresh key for the corrected request
            except CaseInputError as exc:
                errors = exc.errors
            else:
                return _filed(request, submission)
    return render(
        request,
        "cases/backoffice/file_form.html",
        {
            "definition": definition,
            "requester_form": requester_form,
            "widgets": widgets(fields, values, errors),
            "place_form": place_form,
            "idempotency_key": idempotency_key or new_idempotency_key(),
            # every error no field of the form shows (a service's own checks included)
            "general_errors": [v for k, v in errors.items() if k not in {f["key"] for f in fields}],
        },
        status=400 if errors or requester_form.errors else 200,
    )


def _filed(request, submission):
    """After filing: the receipt to print (a tracking code, shown only now), else the case."""
    reference = submission.case.reference
    if submission.replayed:
        messages.info(request, _("Demande %s déjà enregistrée.") % reference)
        if receipt_code(request.session, reference=reference):
            return redirect("cases_bo:receipt", reference=reference)
    elif submission.tracking_code:
        messages.success(
            request,
            _("Demande %(ref)s enregistrée. Code de suivi à communiquer : %(code)s")
            % {"ref": reference, "code": submission.tracking_code},
        )
        receipt_code_keep(
            request.session, reference=reference, tracking_code=submission.tracking_code
        )
        return redirect("cases_bo:receipt", reference=reference)
    else:
        messages.success(request, _("Demande %s enregistrée.") % reference)
    return redirect("cases_bo:case", reference=reference)


def _receipt_code(request, case) -> str:
    """The tracking code of a case the agent just filed, kept in their session (else 404)."""
    code = receipt_code(request.session, reference=case.reference)
    if not code:
        raise Http404("receipt")
    return code


@login_required
def case_receipt(request, reference):
    """The receipt of a request the agent just filed for a person without an account: its
    tracking code (kept in the agent's session only) and the PDF to print."""
    case = case_get_for_agent(actor=request.user, reference=reference)
    code = _receipt_code(request, case)
    context = receipt_context(actor=request.user, case=case, tracking_code=code)
    return render(request, "cases/backoffice/receipt.html", context)


@login_required
def case_receipt_pdf_view(request, reference):
    case = case_get_for_agent(actor=request.user, reference=reference)
    code = _receipt_code(request, case)
    pdf = case_receipt_pdf(actor=request.user, case=case, tracking_code=code)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="recepisse-{case.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
