"""A phone caller without an e-mail address: the agent files for them with a mobile number and
their consent to SMS; they are followed by SMS (through the outbox and the real HTTP SMS
backend, to a local gateway) and get a printed receipt with their reference and tracking code."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from guichet.cases.handling import case_transition
from guichet.cases.models import Case
from guichet.notifications import outbox
from tests.conftest import login_with_second_factor
from tests.inclusion.conftest import sms_received

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(demo):
    from guichet.accounts.models import User

    return User.objects.get(email="agent.oullins@example.org")


@pytest.fixture
def oullins(client, agent, with_mfa):
    login_with_second_factor(client, agent)
    return client


def _filing(**requester):
    return {
        "service": "contact",
        "channel": "phone",
        "email": "",
        "name": "M. Dupont",
        "commune": "oullins",
        "f_theme": "autre",
        "f_objet": "Horaires",
        "f_message": "Appel : le dossier de ma fille handicapée, où en est-il ?",
        "f_email": "",
        **requester,
    }


def test_a_caller_without_email_is_followed_by_sms_and_gets_a_printed_receipt(
    oullins, agent, sms_gateway
):
    response = oullins.post(
        reverse("cases_bo:file"), _filing(phone="06 12 34 56 78", sms_consent="on")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.latest("id")
    assert response["Location"] == reverse("cases_bo:receipt", args=[case.reference])
    assert case.contact_phone == "+33612345678" and case.contact_sms_consent_at is not None
    assert case.contact_email == ""

    # filing → the receipt SMS, with the reference and nothing of the request
    assert outbox.deliveries_process(worker_id="w") >= 1
    [receipt] = sms_received(sms_gateway)
    assert receipt["to"] == "+33612345678"
    assert case.reference in receipt["text"]
    assert "/demarches/suivi/" in receipt["text"]
    for private in ("Dupont", "handicap", "Horaires", case.definition.name):
        assert private not in receipt["text"]

    # a status change the workflow notifies → another SMS
    case_transition(actor=agent, case=case, transition="take")
    case.refresh_from_db()
    case_transition(actor=agent, case=case, transition="answer", comment="Le dossier avance.")
    outbox.deliveries_process(worker_id="w")
    texts = [sms["text"] for sms in sms_received(sms_gateway)]
    assert len(texts) == 2 and case.reference in texts[1]
    assert "Le dossier avance" not in texts[1]

    # the receipt: the page (the code shown once) and the PDF
    page = oullins.get(response["Location"])
    assert page.status_code == 200
    code = page.context["tracking_code"]
    assert len(code) >= 8 and code in page.content.decode()
    pdf = oullins.get(reverse("cases_bo:receipt_pdf", args=[case.reference]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert case.reference in text and code in text
    assert "04 65 71 00 00" in text and "/demarches/suivi/" in text


@pytest.mark.parametrize(
    ("requester", "error"),
    [
        ({"phone": "04 78 00 00 00", "sms_consent": "on"}, "Pour le suivi par SMS"),
        ({"phone": "12", "sms_consent": "on"}, "Numéro de téléphone invalide"),
        ({"phone": "n'importe quoi"}, "Numéro de téléphone invalide"),
        ({"phone": "", "sms_consent": "on"}, "Indiquez l"),
    ],
)
def test_sms_follow_up_needs_a_valid_mobile_number(oullins, requester, error):
    before = Case.objects.count()
    response = oullins.post(reverse("cases_bo:file"), _filing(**requester))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Case.objects.count() == before


def test_a_landline_is_stored_in_e164_and_gets_no_sms(oullins):
    response = oullins.post(reverse("cases_bo:file"), _filing(phone="04 78 00 00 00"))
    assert response.status_code == 302
    case = Case.objects.latest("id")
    assert case.contact_phone == "+33478000000" and case.contact_sms_consent_at is None
    assert not case.events.filter(kind="notified").exists()


def test_the_receipt_is_only_for_the_filing_session_and_the_organisation_in_charge(
    oullins, client, demo, sms_gateway
):
    from guichet.accounts.models import User

    oullins.post(reverse("cases_bo:file"), _filing(phone="06 12 34 56 78", sms_consent="on"))
    case = Case.objects.latest("id")
    other = User.objects.get(email="agent.lyon@example.org")
    client.logout()
    login_with_second_factor(client, other)
    for name in ("cases_bo:receipt", "cases_bo:receipt_pdf"):
        assert client.get(reverse(name, args=[case.reference])).status_code == 404
