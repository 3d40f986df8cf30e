"""Assistance tickets: cases of the ``support`` service (definition in ``support/data/``),
whatever the channel (web contact form, e-mail to the support address, phone or counter filed
by an agent). The ``Ticket`` row (topic, service concerned, answer due by) is written by the
service manifest's ``record``, so every channel gets it.

Escalation turns a ticket into a case of the service concerned, filed with ``case_submit``
(or ``report_submit`` for a public-space report) and so routed by the usual competence rules;
the ticket is answered and closed with a public message saying where it went (the person is
notified by the ticket's "answer" transition)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.messages import case_message_add
from guichet.cases.models import Case, Channel
from guichet.cases.policies import case_policy
from guichet.cases.submission import Submission, case_submit
from guichet.cases.workflow import WorkflowError, transition_get
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.schema import iter_fields
from guichet.core.audit import audit_log
from guichet.core.policies import PolicyDenied
from guichet.support.models import CannedAnswer, Ticket
from guichet.territory.selectors import organisation_ids_of

SERVICE_KEY = "support"
DATA_DIR = Path(__file__).parent / "data"
DEFINITION_FILE = DATA_DIR / "support.json"
RESPONSE_TARGETS_HOURS: dict[str, int] = json.loads(
    (DATA_DIR / "response_targets.json").read_text(encoding="utf-8")
)


def definition_document() -> dict:
    return json.loads(DEFINITION_FILE.read_text(encoding="utf-8"))


def support_definition() -> ServiceDefinition:
    definition = ServiceDefinition.objects.filter(key=SERVICE_KEY).first()
    if definition is None:
        raise CaseInputError(
            {"__all__": _("L'assistance n'est pas ouverte.")}, code="unknown_service"
        )
    return definition


def ticket_record(*, case: Case, prepared=None) -> Ticket:
    """The manifest's ``record`` (in the case's recording transaction): the ticket row of a
    new support case."""
    topic = case.data.get("sujet") or Ticket.Topic.OTHER
    if topic not in Ticket.Topic.values:
        topic = Ticket.Topic.OTHER
    service_key = (case.data.get("service") or "").strip()
    about = ServiceDefinition.objects.filter(key=service_key).first() if service_key else None
    hours = RESPONSE_TARGETS_HOURS.get(topic, 48)
    return Ticket.objects.create(
        case=case,
        topic=topic,
        about_service=about,
        respond_by=case.created_at + timedelta(hours=hours),
    )


def ticket_submit(
    *,
    actor,
    topic: str,
    subject: str,
    message: str,
    service: ServiceDefinition | None = None,
    requester=None,
    contact: dict[str, str] | None = None,
    channel: str = Channel.WEB,
) -> Submission:
    """Open a ticket: from the contact form (signed in: ``requester``; else ``contact`` with an
    e-mail or a phone), or by an agent for a caller (``channel`` phone or counter)."""
    return case_submit(
        actor=actor,
        definition=support_definition(),
        data={
            "sujet": topic,
            "objet": subject,
            "message": message,
            "service": service.key if service is not None else "",
        },
        channel=channel,
        requester=requester,
        contact=contact,
    )


def tickets_for_agent(*, actor) -> QuerySet[Ticket]:
    """Open tickets of the organisations ``actor`` works for, the most urgent first
    (``PolicyDenied`` for anybody who is not an agent now)."""
    case_policy.require_back_office(actor)
    return (
        Ticket.objects.filter(
            case__organisation_id__in=organisation_ids_of(actor), case__is_closed=False
        )
        .select_related("case", "about_service", "case__assignee")
        .order_by("respond_by", "pk")
    )


def ticket_get_for_agent(*, actor, reference: str) -> Ticket:
    from django.http import Http404

    case_policy.require_back_office(actor)
    ticket = (
        Ticket.objects.filter(
            case__reference=reference, case__organisation_id__in=organisation_ids_of(actor)
        )
        .select_related("case", "case__version", "case__definition", "case__organisation")
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def ticket_reply(*, actor, ticket: Ticket, body: str, canned: CannedAnswer | None = None):
    """An agent's reply on the ticket; a canned answer of their organisation fills an empty
    body."""
    if canned is not None and canned.organisation_id not in organisation_ids_of(actor):
        raise PolicyDenied("not_found")
    text = (body or "").strip() or (canned.body if canned is not None else "")
    return case_message_add(actor=actor, case=ticket.case, body=text, from_citizen=False)


def _data_for(definition: ServiceDefinition, ticket: Ticket) -> dict:
    """The ticket mapped onto another service's form: first short text <- its subject, first
    long text <- its message, first e-mail <- the contact's, required choices <- their last
    answer ("Autre")."""
    data: dict = {}
    taken: set[str] = set()
    source = ticket.case.data
    for _page, f in iter_fields(definition.current_version.form):
        ftype = f["type"]
        if ftype in taken or f.get("show_if"):
            continue
        if ftype == "text":
            data[f["key"]] = (source.get("objet") or "")[: f.get("max_length", 200)]
        elif ftype == "textarea":
            data[f["key"]] = (source.get("message") or "")[: f.get("max_length", 10000)]
        elif ftype == "email" and (ticket.case.contact_email or ticket.case.requester_id):
            data[f["key"]] = ticket.case.contact_email or ticket.case.requester.email
        elif ftype == "choice" and f.get("required"):
            data[f["key"]] = f["choices"][-1]["value"]
        else:
            continue
        taken.add(ftype)
    return data


def ticket_escalate(
    *,
    actor,
    ticket: Ticket,
    service: ServiceDefinition | None = None,
    category_code: str = "",
    commune=None,
    location: tuple[float, float] | None = None,
    address: str = "",
    answers: dict | None = None,
) -> Case:
    """Turn ``ticket`` into a case of the service concerned (or a public-space report of
    ``category_code`` at ``location``, with the ``answers`` to its questions), routed by the
    competence rules; the ticket links it, is answered with where it went, and closes.
    Raises CaseInputError (nothing saved)."""
    case = ticket.case
    case_policy.require_act(actor, case, "reroute")  # escalation sends the request elsewhere
    if ticket.escalated_to_id:
        raise CaseInputError({"__all__": _("Ce ticket a déjà été transmis.")}, code="escalated")
    if case.is_closed:
        raise CaseInputError({"__all__": _("Ce ticket est clos.")}, code="closed")
    requester = case.requester
    contact = {"name": case.contact_name, "email": case.contact_email, "phone": case.contact_phone}
    with transaction.atomic():
        if category_code:
            from guichet.publicspace.services import report_submit

            submission = report_submit(
                actor=actor,
                category_code=category_code,
                latitude=location[0] if location else None,
                longitude=location[1] if location else None,
                description=case.data.get("message", ""),
                address=address,
                answers=answers,
                channel=case.channel,
                requester=requester,
                contact=None if requester else contact,
            )
        else:
            if service is None:
                raise CaseInputError({"service": _("Choisissez le service concerné.")})
            submission = case_submit(
                actor=actor,
                definition=service,
                data=_data_for(service, ticket),
                channel=case.channel,
                requester=requester,
                contact=None if requester else contact,
                commune=commune,
                location=location,
                address=address,
            )
        target = submission.case
        Ticket.objects.filter(pk=ticket.pk).update(escalated_to=target, escalated_at=timezone.now())
        ticket.escalated_to = target
        told = _(
            "Votre demande a été transmise au service « %(service)s » de %(organisation)s "
            "(%(team)s), sous la référence %(reference)s. Vous pouvez la suivre depuis votre "
            "espace ou avec le code de suivi qui vous a été envoyé."
        ) % {
            "service": target.definition.name,
            "organisation": target.organisation.name,
            "team": target.team.name,
            "reference": target.reference,
        }
        case_message_add(actor=actor, case=case, body=told, from_citizen=False, notify=False)
        try:
            transition_get(case, "answer").execute(
                actor=actor, channel=Channel.SYSTEM, comment=told
            )
        except WorkflowError as exc:
            raise CaseInputError({"__all__": exc.message}, code=exc.code) from None
        audit_log(
            actor=actor,
            action="support.ticket_escalated",
            obj=case,
            organisation_id=case.organisation_id,
            data={"to": target.reference, "organisation": target.organisation_id},
        )
    return target
