"""Public and citizen pages of assistance: contact form, satisfaction survey, terms of use and
privacy notice, processing register, the account's history of assistance acts."""

import contextlib
import json
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Channel
from guichet.catalogue.models import ServiceDefinition
from guichet.support import console, satisfaction, selectors, services, tickets
from guichet.support.forms import ContactForm, SatisfactionForm
from guichet.support.models import TermsDocument
from guichet.support.policies import is_support_agent

CONTACT_SESSION = "support_tickets"


def contact(request):
    signed_in = request.user.is_authenticated
    # A support agent files for a caller (phone) or a visitor (counter).
    on_behalf = signed_in and is_support_agent(request.user)
    service_choices = ServiceDefinition.objects.filter(is_active=True).exclude(
        key=tickets.SERVICE_KEY
    )
    form = ContactForm(
        request.POST or None,
        signed_in=signed_in,
        on_behalf=on_behalf,
        services_queryset=service_choices.order_by("name"),
        initial={"topic": request.GET.get("sujet") or "account"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact_details = None
        if not signed_in or on_behalf:
            contact_details = {"name": data["name"], "email": data["email"], "phone": data["phone"]}
        try:
            submission = tickets.ticket_submit(
                actor=request.user,
                topic=data["topic"],
                subject=data["subject"],
                message=data["message"],
                service=data["service"],
                requester=request.user if signed_in and not on_behalf else None,
                contact=contact_details,
                channel=(data["channel"] or Channel.PHONE) if on_behalf else Channel.WEB,
            )
        except CaseInputError as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            reference = submission.case.reference
            request.session[CONTACT_SESSION] = {reference: submission.tracking_code}
            return redirect("support:contact_sent", reference=reference)
    return render(
        request, "support/contact.html", {"form": form}, status=422 if form.errors else 200
    )


def contact_sent(request, reference: str):
    sent = request.session.get(CONTACT_SESSION) or {}
    if reference not in sent:
        raise Http404
    return render(
        request,
        "support/contact_sent.html",
        {"reference": reference, "tracking_code": sent[reference]},
    )


def _survey_page(request, survey):
    form = SatisfactionForm(request.POST or None)
    if survey.answered_at:
        return render(request, "support/satisfaction.html", {"survey": survey, "done": True})
    if request.method == "POST" and form.is_valid():
        with contextlib.suppress(satisfaction.SurveyAlreadyAnswered):
            satisfaction.survey_answer(
                survey=survey,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        messages.success(request, _("Merci pour votre avis."))
        return render(request, "support/satisfaction.html", {"survey": survey, "done": True})
    return render(
        request,
        "support/satisfaction.html",
        {"survey": survey, "form": form, "done": False},
        status=422 if form.errors else 200,
    )


def satisfaction_answer(request, token: str):
    return _survey_page(request, satisfaction.survey_get_by_token(token))


@login_required
def satisfaction_for_case(request, reference: str):
    survey = satisfaction.survey_for_citizen_case(user=request.user, reference=reference)
    return _survey_page(request, survey)


# --- terms --------------------------------------------------------------------------------------


def terms_page(request):
    return render(
        request,
        "support/terms.html",
        {"document": selectors.current_terms(), "kind_label": TermsDocument.Kind.TERMS.label},
    )


def privacy_page(request):
    return render(
        request,
        "support/terms.html",
        {
            "document": selectors.latest_document(TermsDocument.Kind.PRIVACY),
            "kind_label": TermsDocument.Kind.PRIVACY.label,
        },
    )


def terms_document(request, pk: int):
    document = TermsDocument.objects.select_related("organisation").filter(pk=pk).first()
    if document is None:
        raise Http404
    return render(
        request,
        "support/terms.html",
        {"document": document, "kind_label": document.get_kind_display()},
    )


@login_required
def terms_accept(request):
    """The page the terms middleware sends a person to while they have not accepted the
    platform's terms in force."""
    document = selectors.current_terms()
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if document is None:
        return redirect(next_url)
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("accept", "refuse"):
            messages.error(request, _("Acceptez ou refusez les conditions."))
        else:
            services.terms_answer(user=request.user, document=document, accepted=answer == "accept")
            if answer == "accept":
                request.session["support_terms_ok"] = document.pk
                messages.success(request, _("Merci, vous pouvez continuer."))
                return redirect(next_url)
            request.session.pop("support_terms_ok", None)
            messages.warning(
                request,
                _(
                    "Vous avez refusé les conditions : vous ne pouvez pas utiliser les services. "
                    "Votre compte est conservé ; vous pouvez les accepter plus tard, vous "
                    "déconnecter ou supprimer votre compte."
                ),
            )
    return render(
        request,
        "support/terms_accept.html",
        {
            "document": document,
            "next": next_url,
            "refused": not selectors.has_accepted(actor=request.user, document=document)
            and document.answers.filter(user=request.user, accepted=False).exists(),
        },
    )


REGISTER_FILE = Path(__file__).parent / "data" / "processing_register.json"


def register_page(request):
    register = json.loads(REGISTER_FILE.read_text(encoding="utf-8"))
    return render(request, "support/register.html", {"register": register})


@login_required
def account_history(request):
    entries = [
        {"at": entry.created_at, "label": console.ACT_LABELS[entry.action], "data": entry.data}
        for entry in console.account_history(user=request.user)[:200]
    ]
    return render(request, "support/history.html", {"entries": entries})
