from datetime import timedelta

import pytest
from django.urls import reverse

from guichet.cases.models import Case, Channel
from guichet.support import tickets
from guichet.support.models import CannedAnswer, Ticket

pytestmark = pytest.mark.django_db


def _post_contact(client, **extra):
    data = {
        "topic": "account",
        "subject": "Connexion",
        "message": "Je n'arrive pas à me connecter.",
    }
    data.update(extra)
    return client.post(reverse("support:contact"), data)


def _ticket(citizen, topic="account", subject="Compte", message="Mon compte est bloqué."):
    """A ticket the citizen files for themselves; its case."""
    return tickets.ticket_submit(
        actor=citizen, topic=topic, subject=subject, message=message, requester=citizen
    ).case


def test_contact_without_account_requires_an_email_or_a_phone(demo, client):
    before = Case.objects.count()
    response = _post_contact(client)
    assert response.status_code == 422
    assert "indiquez une adresse e-mail ou un téléphone" in response.content.decode()
    assert Case.objects.count() == before


def test_contact_without_account_opens_a_ticket_routed_to_the_support_team(demo, client):
    response = _post_contact(client, email="nora@example.net", name="Nora")
    assert response.status_code == 302
    ticket = Ticket.objects.select_related("case__team").get()
    assert ticket.case.team.slug == "assistance"
    assert ticket.case.organisation.kind == "metropolis"
    assert ticket.case.contact_email == "nora@example.net"
    assert ticket.topic == "account"
    assert ticket.respond_by == ticket.case.created_at + timedelta(hours=8)
    page = client.get(response["Location"])
    assert ticket.case.reference in page.content.decode()


def test_signed_in_contact_about_a_service(demo, signed_in, camille):
    from guichet.catalogue.models import ServiceDefinition

    service = ServiceDefinition.objects.get(key="contact")
    response = _post_contact(signed_in, topic="service", service=service.pk)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.case.requester == camille
    assert ticket.about_service == service
    assert ticket.respond_by == ticket.case.created_at + timedelta(hours=24)


def test_queue_is_sorted_by_response_target(demo, support_client, camille):
    late = _ticket(camille, "other", "Autre", "Une question générale.")
    urgent = _ticket(camille)
    response = support_client.get(reverse("support_bo:tickets"))
    body = response.content.decode()
    assert body.index(urgent.reference) < body.index(late.reference)


def test_phone_ticket_filed_by_an_agent(demo, support_agent):
    case = tickets.ticket_submit(
        actor=support_agent,
        topic="account",
        subject="Appel",
        message="Appel : mot de passe perdu.",
        contact={"name": "M. Durand", "phone": "0612345678"},
        channel=Channel.PHONE,
    ).case
    assert case.channel == Channel.PHONE and case.filed_by == support_agent
    assert case.ticket.topic == "account"


def test_mail_to_the_support_address_opens_a_ticket(demo, settings):
    from guichet.mailgateway.services import mail_ingest

    raw = (
        b"From: Nora <nora@example.net>\r\nTo: assistance@metropole.example.org\r\n"
        b"Subject: Compte bloque\r\nMessage-ID: <t1@example.net>\r\n\r\n"
        b"Bonjour, je n'arrive plus a me connecter depuis hier.\r\n"
    )
    outcome, reference = mail_ingest(raw)
    assert outcome == "case"
    case = Case.objects.get(reference=reference)
    assert case.definition.key == "support" and case.team.slug == "assistance"
    assert case.ticket.topic == "other"


def test_reply_with_a_canned_answer(demo, support_client, camille):
    case = _ticket(camille)
    canned = CannedAnswer.objects.get(title="Connexion débloquée")
    response = support_client.post(
        reverse("support_bo:ticket_reply", args=[case.reference]), {"canned": canned.pk, "body": ""}
    )
    assert response.status_code == 302
    assert case.messages.get().body == canned.body


def test_agent_case_page_shows_ticket_tools(demo, support_client, camille):
    case = _ticket(camille)
    body = support_client.get(reverse("cases_bo:case", args=[case.reference])).content.decode()
    assert "Transmettre au service concerné" in body
    assert "Connexion débloquée" in body


def test_pothole_ticket_escalates_into_a_report_routed_to_the_roads_team(
    demo, support_client, camille
):
    from guichet.notifications.models import Notification
    from guichet.publicspace.models import Report

    case = _ticket(
        camille, "service", "Nid-de-poule", "Un gros trou dans la chaussée devant le 12 grande rue."
    )
    first = {
        "category": "nid-de-poule",
        "latitude": "45.7140",
        "longitude": "4.8070",
        "address": "12 grande rue, Oullins",
    }
    url = reverse("support_bo:ticket_escalate", args=[case.reference])
    step = support_client.post(url, first)  # the category asks where: a second step
    assert step.status_code == 422
    assert "Où se trouve le problème ?" in step.content.decode()
    assert Ticket.objects.get(case=case).escalated_to is None
    response = support_client.post(url, {**first, "q_emplacement": "chaussee"})
    assert response.status_code == 302
    ticket = Ticket.objects.select_related("escalated_to__team", "case").get(case=case)
    target = ticket.escalated_to
    assert target.definition.key == "publicspace"
    assert target.team.slug == "voirie" and target.organisation.kind == "metropolis"
    assert target.requester == camille
    assert Report.objects.filter(case=target).exists()
    ticket.case.refresh_from_db()
    assert ticket.case.is_closed
    told = ticket.case.messages.get().body
    assert target.reference in told and "Voirie" in told
    assert Notification.objects.filter(recipient=camille, subject__contains=case.reference).exists()


def test_escalation_to_a_service_routed_by_commune(demo, support_client, camille):
    from guichet.catalogue.models import ServiceDefinition

    case = _ticket(camille, "service", "Acte de naissance", "Je voudrais un acte de naissance.")
    service = ServiceDefinition.objects.get(key="contact")
    oullins = demo["oullins"]
    support_client.post(
        reverse("support_bo:ticket_escalate", args=[case.reference]),
        {"service": service.pk, "commune": oullins.pk},
    )
    target = Ticket.objects.get(case=case).escalated_to
    assert target.organisation == oullins and target.team.slug == "accueil"


def test_an_agent_outside_the_support_organisation_cannot_escalate(demo, client, camille):
    from guichet.accounts.models import User
    from tests.conftest import login_with_second_factor

    case = _ticket(camille, "service", "Trou", "Un trou dans la rue ici.")
    login_with_second_factor(client, User.objects.get(email="agent.oullins@example.org"))
    response = client.post(
        reverse("support_bo:ticket_escalate", args=[case.reference]),
        {"category": "nid-de-poule", "latitude": "45.7140", "longitude": "4.8070"},
    )
    assert response.status_code == 404
    assert Ticket.objects.get(case=case).escalated_to is None
    assert Case.objects.filter(definition__key="publicspace", requester=camille).count() == 0


def test_a_support_agent_files_a_ticket_for_a_caller(demo, support_client, support_agent):
    response = support_client.post(
        reverse("support:contact"),
        {
            "topic": "account",
            "subject": "Appel",
            "message": "Appel : ne reçoit pas l'e-mail.",
            "name": "M. Durand",
            "phone": "0612345678",
            "channel": "phone",
        },
    )
    assert response.status_code == 302
    case = Ticket.objects.get().case
    assert (case.channel, case.filed_by, case.requester) == ("phone", support_agent, None)
    assert case.contact_phone == "0612345678"
