"""The planning team's back-office: the queue by days before a tacit decision, a file and its
instruction steps (each one a service call), the decision template, the export."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.cases.reads import record_case
from guichet.core.policies import PolicyDenied
from guichet.urbanism import decision_templates, documents, exchange, instruction, progress
from guichet.urbanism.models import InstructionEvent, PlanningApplication
from guichet.urbanism.procedures import catalogue, procedure_get
from guichet.urbanism.views import _pdf_response


def policy_door(view):
    """The back-office's doors: a refusal of ``urbanism.policies`` becomes a 404 for what the
    actor may not know exists (every file of another team, the whole back-office for anybody
    who is not an agent now), a 403 for what they see but may not do."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PolicyDenied as exc:
            if exc.code == "forbidden":
                raise PermissionDenied(_("Action non autorisée.")) from None
            raise Http404("urbanism") from None

    return wrapped


QUEUE_PAGE = 50  # files per page of the queue, nearest tacit date first
QUEUE_MAX_PAGE = 10_000


@policy_door
@require_GET
def queue(request):
    today = timezone.localdate()
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), QUEUE_MAX_PAGE)
    except ValueError:
        page = 1
    start = (page - 1) * QUEUE_PAGE
    applications = list(instruction.queue_list(request.user)[start : start + QUEUE_PAGE + 1])
    rows = [
        {
            "application": a,
            "days": (a.decision_due_on - today).days if a.decision_due_on else None,
        }
        for a in applications[:QUEUE_PAGE]
    ]
    return render(
        request,
        "urbanism/agent_queue.html",
        {
            "rows": rows,
            "page": page,
            "next_page": page + 1 if len(applications) > QUEUE_PAGE else None,
            "previous_page": page - 1 if page > 1 else None,
        },
    )


def _get(request, reference: str) -> PlanningApplication:
    return instruction.application_get(actor=request.user, number_or_pk=reference)


@policy_door
@require_GET
def application(request, reference: str):
    application = _get(request, reference)
    record_case(request, application.case)
    procedure = procedure_get(application.procedure)
    result = progress.application_compute(application)
    consultations = [
        {"event": e, "due_on": instruction.consultation_due_on(e)}
        for e in application.events.filter(kind=instruction.CONSULTATION_SENT)
    ]
    cat = catalogue()
    return render(
        request,
        "urbanism/agent_application.html",
        {
            "application": application,
            "case": application.case,
            "procedure": procedure,
            "result": result,
            "events": list(application.events.all()),
            "consultations": consultations,
            "majorations": [m for m in cat.majorations.values() if procedure.code in m.applies_to],
            "consultees": list(cat.consultees.values()),
            "decisions": [
                (k, v.label)
                for k, v in instruction.DECISION_KINDS.items()
                if (application.procedure == "DP") == (k in ("non_opposition", "opposition"))
            ],
            "signatory": decision_templates.decision_template_get(application.commune).signatory,
        },
    )


def _date_or_today(value: str) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        raise progress.InstructionRefused(_("Date invalide.")) from None


@policy_door
@require_POST
def application_step(request, reference: str, step: str):
    application = _get(request, reference)
    post = request.POST
    try:
        on = _date_or_today(post.get("on", ""))
        if step == "pieces":
            result = instruction.pieces_request(
                actor=request.user, application=application, pieces=post.getlist("pieces"), on=on
            )
            if result.moved:
                messages.success(request, _("Pièces demandées ; le délai est suspendu."))
            else:
                reasons = " ".join(r.text for r in result.reasons)
                messages.warning(
                    request,
                    _("Pièces demandées, sans effet sur le délai : %s") % reasons,
                )
        elif step == "complet":
            instruction.pieces_receive(actor=request.user, application=application, on=on)
            messages.success(request, _("Dossier complet : le délai court à nouveau."))
        elif step == "majoration":
            instruction.extension_notify(
                actor=request.user,
                application=application,
                grounds=post.getlist("grounds"),
                on=on,
            )
            messages.success(request, _("Majoration du délai notifiée."))
        elif step == "consultation":
            instruction.consultation_send(
                actor=request.user,
                application=application,
                consultee=post.get("consultee", ""),
                on=on,
            )
            messages.success(request, _("Consultation envoyée."))
        elif step == "avis":
            consultation = InstructionEvent.objects.filter(
                application=application, pk=post.get("consultation") or 0
            ).first()
            if consultation is None:
                raise Http404("consultation")
            instruction.consultation_answer(
                actor=request.user,
                application=application,
                consultation=consultation,
                opinion=post.get("opinion", ""),
                on=on,
            )
            messages.success(request, _("Avis enregistré."))
        elif step == "decision":
            instruction.decision_take(
                actor=request.user,
                application=application,
                decision=post.get("decision", ""),
                text=post.get("text", ""),
                signatory=post.get("signatory", ""),
            )
            messages.success(request, _("Décision prise et notifiée."))
        else:
            raise Http404("step")
    except progress.InstructionRefused as exc:
        messages.error(request, exc.message)
    return redirect("urbanism:agent_application", reference=reference)


@policy_door
@require_GET
def agent_document(request, reference: str, kind: str):
    application = _get(request, reference)
    if kind == "decision" and application.decision not in ("", "tacit"):
        return _pdf_response(documents.decision_pdf(application), f"arrete-{reference}")
    if kind == "recepisse":
        return _pdf_response(documents.recepisse_pdf(application), f"recepisse-{reference}")
    raise Http404("document")


@policy_door
@require_GET
def export(request, reference: str):
    application = _get(request, reference)
    record_case(request, application.case)
    response = HttpResponse(exchange.file_export(application), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="dossier-{reference}.zip"'
    return response


@policy_door
@require_http_methods(["GET", "POST"])
def template_edit(request):
    """The decision template of the agent's commune (the first one they work for)."""
    commune = decision_templates.decision_template_commune(request.user)
    template = decision_templates.decision_template_get(commune)
    if request.method == "POST":
        try:
            decision_templates.decision_template_save(
                actor=request.user,
                commune=commune,
                body=request.POST.get("body", ""),
                signatory=request.POST.get("signatory", ""),
            )
        except progress.InstructionRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Modèle enregistré."))
            return redirect("urbanism:agent_template")
    return render(
        request, "urbanism/agent_template.html", {"commune": commune, "template": template}
    )
