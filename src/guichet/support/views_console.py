"""The agents' pages of assistance: the support console (people, their account's state and the
acts that help them), the ticket queue, replies with canned answers, escalation, satisfaction
results, and the publication of terms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.cases.errors import CaseInputError
from guichet.catalogue.models import ServiceDefinition
from guichet.core.permissions import is_platform_admin
from guichet.core.policies import PolicyDenied
from guichet.support import console, satisfaction, selectors, services, tickets
from guichet.support.forms import (
    EscalateForm,
    ReasonForm,
    SecondFactorResetForm,
    TermsPublishForm,
)
from guichet.support.models import TermsDocument
from guichet.support.policies import is_support_agent
from guichet.territory.models import Organisation
from guichet.territory.selectors import communes, metropolis, organisation_ids_of


def _support_agent(request) -> None:
    if not request.user.is_authenticated or not is_support_agent(request.user):
        raise Http404


@login_required
def console_page(request):
    _support_agent(request)
    query = (request.GET.get("q") or "").strip()[:200]
    people = console_search(request, query)
    return render(request, "support/backoffice/console.html", {"query": query, "people": people})


def console_search(request, query):
    return console.people_search(actor=request.user, query=query, request=request) if query else []


@login_required
def person(request, uuid):
    _support_agent(request)
    person = console.person_get_for(actor=request.user, uuid=uuid)
    state = console.account_state(actor=request.user, person=person, request=request)
    return render(
        request,
        "support/backoffice/person.html",
        {
            "state": state,
            "person": person,
            "reason_form": ReasonForm(),
            "reset_form": SecondFactorResetForm(),
            "history": console.account_history(user=person)[:50],
            "labels": console.ACT_LABELS,
        },
    )


@login_required
@require_POST
def person_act(request, uuid, act: str):
    _support_agent(request)
    person = console.person_get_for(actor=request.user, uuid=uuid)
    if act not in console.ACTS:
        raise Http404
    reset = act == "reinitialiser-double-authentification"
    form = (SecondFactorResetForm if reset else ReasonForm)(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("support_bo:person", uuid=person.uuid)
    extra = {"checks": form.cleaned_data["checks"]} if reset else {}
    try:
        console.act_run(
            slug=act,
            actor=request.user,
            person=person,
            reason=form.cleaned_data["reason"],
            request=request,
            **extra,
        )
    except console.ConsoleInputError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    except PolicyDenied:
        raise Http404 from None
    else:
        messages.success(request, _("C'est fait ; l'acte et son motif sont enregistrés."))
    return redirect("support_bo:person", uuid=person.uuid)


# --- tickets ------------------------------------------------------------------------------------


@login_required
def ticket_queue(request):
    return render(
        request,
        "support/backoffice/tickets.html",
        {"tickets": tickets.tickets_for_agent(actor=request.user)[:200]},
    )


@login_required
@require_POST
def ticket_reply(request, reference: str):
    ticket = tickets.ticket_get_for_agent(actor=request.user, reference=reference)
    canned = None
    if request.POST.get("canned"):
        canned = (
            selectors.canned_answers_for(organisation_ids_of(request.user))
            .filter(pk=request.POST.get("canned") if request.POST["canned"].isdigit() else 0)
            .first()
        )
        if canned is None:
            raise Http404
    try:
        tickets.ticket_reply(
            actor=request.user, ticket=ticket, body=request.POST.get("body", ""), canned=canned
        )
    except CaseInputError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    else:
        messages.success(request, _("Réponse envoyée."))
    return redirect("cases_bo:case", reference=ticket.case.reference)


@login_required
@require_POST
def ticket_escalate(request, reference: str):
    ticket = tickets.ticket_get_for_agent(actor=request.user, reference=reference)
    form = escalate_form(request.POST)
    answers = {k[2:]: v for k, v in request.POST.items() if k.startswith("q_") and v}
    if form.is_valid():
        data = form.cleaned_data
        location = None
        if data["latitude"] is not None and data["longitude"] is not None:
            location = (data["latitude"], data["longitude"])
        try:
            target = tickets.ticket_escalate(
                actor=request.user,
                ticket=ticket,
                service=data["service"],
                category_code=data["category"],
                commune=data["commune"],
                location=location,
                address=data["address"],
                answers=answers,
            )
        except CaseInputError as exc:
            if data["category"] and any(key.startswith("q_") for key in exc.errors):
                return _escalate_questions(request, ticket, form, exc.errors)
            for message in exc.errors.values():
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Ticket transmis : demande %(reference)s, %(organisation)s.")
                % {"reference": target.reference, "organisation": target.organisation.name},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("cases_bo:case", reference=ticket.case.reference)


def _escalate_questions(request, ticket, form, errors):
    """The report's category asks questions: a second step shows them, the first step's
    answers carried along."""
    from guichet.publicspace.models import Category

    category = Category.objects.get(code=form.cleaned_data["category"])
    questions = [
        {
            **q,
            "error": errors.get(f"q_{q['code']}", ""),
            "value": request.POST.get(f"q_{q['code']}"),
        }
        for q in category.questions
    ]
    carried = [
        (key, value)
        for key, value in request.POST.items()
        if key in form.fields and value not in (None, "")
    ]
    return render(
        request,
        "support/backoffice/escalate_questions.html",
        {"ticket": ticket, "category": category, "questions": questions, "carried": carried},
        status=422,
    )


def escalate_form(data=None) -> EscalateForm:
    from guichet.publicspace.models import Category

    categories = [
        (c.code, c.name)
        for c in Category.objects.filter(is_active=True, guidance_only=False, children=None)
        .order_by("name")
        .only("code", "name")
    ]
    return EscalateForm(
        data,
        services=ServiceDefinition.objects.filter(is_active=True)
        .exclude(key__in=[tickets.SERVICE_KEY, "publicspace"])
        .order_by("name"),
        categories=categories,
        communes=communes(),
    )


# --- satisfaction and terms ---------------------------------------------------------------------


@login_required
def satisfaction_results(request):
    return render(
        request,
        "support/backoffice/satisfaction.html",
        {
            "rows": satisfaction.results_for_agent(actor=request.user),
            "comments": satisfaction.comments_for_agent(actor=request.user),
        },
    )


@login_required
def terms_publish(request):
    """Platform admins publish the platform's terms and privacy notice (the metropolis's);
    a commune's managers its own service terms."""
    user = request.user
    if is_platform_admin(user):
        organisations = Organisation.objects.filter(is_active=True).order_by("kind", "name")
    else:
        from guichet.support.policies import _org_ids_with_roles
        from guichet.territory.models import Membership

        ids = _org_ids_with_roles(user, (Membership.Role.MANAGER,))
        organisations = Organisation.objects.filter(pk__in=ids, kind="commune")
    if not organisations:
        raise Http404
    form = TermsPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = organisations.filter(pk=request.POST.get("organisation") or 0).first()
        if data["kind"] != TermsDocument.Kind.SERVICE_TERMS:
            organisation = metropolis()
        try:
            if organisation is None:
                raise services.SupportInputError({"__all__": _("Choisissez l'organisation.")})
            services.terms_publish(
                actor=user,
                organisation=organisation,
                kind=data["kind"],
                version=data["version"],
                title=data["title"],
                body=data["body"],
            )
        except PolicyDenied:
            raise Http404 from None
        except services.SupportInputError as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, _("Version publiée."))
            return redirect("support_bo:terms_publish")
    return render(
        request,
        "support/backoffice/terms_publish.html",
        {
            "form": form,
            "organisations": organisations,
            "documents": TermsDocument.objects.select_related("organisation")[:50],
        },
        status=422 if form.errors else 200,
    )
