"""Case notifications go through the notifications outbox (``notification_create``), in the
transaction of the change: receipt, status change, messages both ways, anonymous requesters."""

import pytest
from django.core import mail
from django.db import transaction

from guichet.cases.handling import case_transition
from guichet.cases.messages import case_message_add
from guichet.cases.models import Case, CaseEvent, Channel
from guichet.cases.submission import case_submit
from guichet.notifications.models import Delivery, Notification, Preference


def _deliveries(**filters):
    return Delivery.objects.filter(**filters).select_related("notification")


def _sent_to(address: str, delivery: Delivery):
    """The e-mail the outbox delivered for ``delivery`` (same Message-ID)."""
    found = [
        m
        for m in mail.outbox
        if address in m.to and m.extra_headers.get("Message-ID") == delivery.message_id
    ]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def test_receipt_of_a_citizen_with_an_account_is_an_outbox_notification(
    file_case, place, django_capture_on_commit_callbacks
):
    camille = place.citizen
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case()
    notification = Notification.objects.get(recipient=camille, topic="cases.update")
    assert case.reference in notification.subject
    assert notification.url == f"/demarches/demandes/{case.reference}/"
    assert notification.organisation == case.organisation
    delivery = _deliveries(notification=notification, channel="email").get()
    assert delivery.to == camille.email and delivery.status == Delivery.Status.SENT
    message = _sent_to(camille.email, delivery)
    assert case.reference in message.subject and case.reference in message.body
    event = case.events.get(kind=CaseEvent.Kind.NOTIFIED)
    assert event.data == {"recipients": [camille.email], "sent": True}


def test_anonymous_request_gets_the_tracking_code_at_its_contact_address(
    contact, place, contact_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = case_submit(
            actor=None,
            definition=contact,
            data={**contact_data, "email": "anne@example.org"},
            channel=Channel.PHONE,
            contact={"name": "Anne Onyme", "email": "Anne@Example.org", "phone": "0601020304"},
            commune=place.commune,
        )
    assert submission.tracking_code
    notification = Notification.objects.get(recipient__isnull=True, topic="cases.update")
    assert notification.contact["email"] == "Anne@Example.org"
    assert notification.url == "/demarches/suivi/"
    # e-mail only (as before): no SMS to the contact phone
    delivery = _deliveries(notification=notification).get()
    assert delivery.channel == "email" and delivery.status == Delivery.Status.SENT
    message = _sent_to("Anne@Example.org", delivery)
    assert submission.tracking_code in message.body
    assert submission.case.reference in message.subject


def test_nothing_is_queued_when_the_change_rolls_back(file_case):
    before = (Notification.objects.count(), Delivery.objects.count(), Case.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        file_case()
        assert Delivery.objects.count() > before[1]  # written in the same transaction
        raise RuntimeError("boom")
    after = (Notification.objects.count(), Delivery.objects.count(), Case.objects.count())
    assert after == before
    assert mail.outbox == []


def test_status_change_uses_the_citizen_label_and_respects_preferences(
    file_case, place, with_mfa, django_capture_on_commit_callbacks
):
    camille, agent = place.citizen, with_mfa(place.agent)
    case = file_case()
    # Camille wants no e-mail about her cases: in-app only (the centre still shows it)
    Preference.objects.create(user=camille, topic="cases.update", channel="email", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(actor=agent, case=case, transition="take")
        case_transition(actor=agent, case=case, transition="ask", comment="Votre date de naissance")
    asked = Notification.objects.get(recipient=camille, subject__contains="Informations demandées")
    assert "Votre date de naissance" in asked.body_text
    assert not asked.deliveries.filter(channel="email").exists()
    assert not [m for m in mail.outbox if "Informations demandées" in m.subject]


def test_messages_reach_the_other_side_through_the_outbox(
    file_case, place, with_mfa, django_capture_on_commit_callbacks
):
    camille, agent = place.citizen, with_mfa(place.agent)
    case = file_case()
    with django_capture_on_commit_callbacks(execute=True):
        case_message_add(actor=agent, case=case, body="Pouvez-vous préciser ?", from_citizen=False)
    to_citizen = Notification.objects.get(recipient=camille, topic="cases.message")
    assert "Pouvez-vous préciser ?" in to_citizen.body_text
    _sent_to(camille.email, to_citizen.deliveries.get(channel="email"))

    # the citizen answers: the team is told (its mailbox, or each member), with the agent link
    with django_capture_on_commit_callbacks(execute=True):
        case_message_add(actor=camille, case=case, body="Oui : le 3 mars.", from_citizen=True)
    to_team = Notification.objects.filter(topic="cases.team")
    assert to_team.exists()
    assert {n.url for n in to_team} == {f"/backoffice/demandes/{case.reference}/"}
    team = case.team
    if team.email:
        assert [n.contact["email"] for n in to_team] == [team.email]
    else:
        assert agent in [n.recipient for n in to_team]
    for notification in to_team:
        # the citizen's words are read in the back-office (reads recorded), not copied out
        assert "Oui : le 3 mars." not in notification.body_text
        assert "Lisez-le dans le back-office" in notification.body_text
        delivery = notification.deliveries.get(channel="email")
        assert delivery.status == Delivery.Status.SENT


def test_muted_notifications_are_recorded_but_not_queued(file_case):
    from guichet.cases.notify import muted

    before = Notification.objects.count()
    with muted():
        case = file_case()
    assert case.events.get(kind=CaseEvent.Kind.NOTIFIED).data["sent"] is False
    assert Notification.objects.count() == before
