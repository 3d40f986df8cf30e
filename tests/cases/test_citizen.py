"""The citizen side: catalogue, multi-page form with drafts, receipt, case page, tracking."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.cases.handling import case_transition
from guichet.cases.messages import case_note_add
from guichet.cases.models import Case, CaseDraft
from tests.factories import pdf_bytes
from tests.factories.territory import restricted_commune


def test_catalogue_follows_the_communes_offer(client, place):
    restricted = restricted_commune(place)
    page = client.get(reverse("cases:catalogue"), {"commune": place.commune.slug})
    assert "Contacter ma mairie" in page.content.decode()
    page = client.get(reverse("cases:catalogue"), {"commune": restricted.slug}).content.decode()
    assert "Contacter ma mairie" not in page  # restricted offer: back-office and API only
    start = client.post(reverse("cases:start", args=["contact"]), {"commune": restricted.slug})
    assert start.status_code == 200 and not CaseDraft.objects.exists()


def _start(client, commune):
    response = client.post(reverse("cases:start", args=["contact"]), {"commune": commune.slug})
    assert response.status_code == 302
    return CaseDraft.objects.latest("created_at")


PAGE1 = {"f_theme": "etat_civil", "f_objet": "Acte", "f_message": "Une copie de mon acte svp."}


def test_a_citizen_fills_a_multipage_form_with_a_draft_and_submits(
    client, place, django_capture_on_commit_callbacks
):
    client.force_login(place.citizen)
    draft = _start(client, place.commune)
    assert draft.data["email"] == place.citizen.email  # prefilled from the profile
    page1 = reverse("cases:draft_page", args=[draft.token, "demande"])
    # errors are tied to their fields, nothing lost
    response = client.post(page1, {"f_theme": "etat_civil", "action": "next"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-describedby="id_f_objet_error"' in body and "Ce champ est obligatoire." in body
    # save as a draft, come back later
    client.post(
        page1,
        {
            **PAGE1,
            "action": "save",
            "f_piece": SimpleUploadedFile("scan.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    draft.refresh_from_db()
    assert draft.data["objet"] == "Acte" and draft.attachments.count() == 1
    assert "Contacter ma mairie" in client.get(reverse("cases:my_cases")).content.decode()
    response = client.post(page1, {**PAGE1, "action": "next"})
    page2 = reverse("cases:draft_page", args=[draft.token, "coordonnees"])
    assert response["Location"] == page2
    # a field shown only if "rappel" is checked is then required
    response = client.post(
        page2, {"f_email": place.citizen.email, "f_rappel": "on", "action": "next"}
    )
    assert response.status_code == 400 and "f_creneau" in response.content.decode()
    response = client.post(
        page2,
        {
            "f_email": place.citizen.email,
            "f_rappel": "on",
            "f_creneau": "matin",
            "action": "next",
        },
    )
    assert response["Location"] == reverse("cases:draft_review", args=[draft.token])
    review = client.get(response["Location"]).content.decode()
    assert "Le matin" in review and "scan.pdf" in review
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:draft_review", args=[draft.token]))
    case = Case.objects.latest("id")
    assert response["Location"] == reverse("cases:receipt", args=[case.reference])
    assert case.requester == place.citizen
    assert case.data["creneau"] == "matin" and case.attachments.get().field_key == "piece"
    assert not CaseDraft.objects.filter(pk=draft.pk).exists()
    assert case.reference in client.get(response["Location"]).content.decode()
    assert any(case.reference in m.subject for m in mail.outbox)


def test_anonymous_request_receipt_tracking_code_and_follow_up(
    client, place, django_capture_on_commit_callbacks
):
    draft = _start(client, place.other_commune)
    client.post(
        reverse("cases:draft_page", args=[draft.token, "demande"]), {**PAGE1, "action": "next"}
    )
    client.post(
        reverse("cases:draft_page", args=[draft.token, "coordonnees"]),
        {"f_email": "anonyme@example.org", "action": "next"},
    )
    review = reverse("cases:draft_review", args=[draft.token])
    response = client.post(review, {"contact_name": "Anne Onyme"})
    assert response.status_code == 400 and "recontacté" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review, {"contact_name": "Anne Onyme", "contact_email": "anonyme@example.org"}
        )
    case = Case.objects.latest("id")
    receipt = client.get(response["Location"]).content.decode()
    code = re.search(r"<strong>([A-Z2-9]{5}-[A-Z2-9]{5})</strong>", receipt).group(1)
    assert any(code in m.body for m in mail.outbox if "anonyme@example.org" in m.to)

    other = client.__class__()
    assert other.get(reverse("cases:case", args=[case.reference])).status_code == 404
    wrong = other.post(
        reverse("cases:tracking"), {"reference": case.reference, "code": "AAAAA-AAAAA"}
    )
    assert wrong.status_code == 404
    response = other.post(
        reverse("cases:tracking"), {"reference": case.reference.lower(), "code": code.lower()}
    )
    assert response["Location"] == reverse("cases:case", args=[case.reference])
    assert other.get(response["Location"]).status_code == 200


def test_the_case_page_shows_citizen_labels_only_never_notes(client, file_case, place):
    case = file_case()
    case_transition(actor=place.agent, case=case, transition="take")
    case_note_add(actor=place.agent, case=case, body="Usager pénible SECRET")
    case_transition(
        actor=place.agent,
        case=case,
        transition="ask",
        comment="Merci de joindre votre pièce d'identité.",
    )
    client.force_login(place.citizen)
    page = client.get(reverse("cases:case", args=[case.reference])).content.decode()
    assert "Informations demandées" in page and "pièce d&#x27;identité" in page
    assert "SECRET" not in page
    assert "En attente de l&#x27;usager" not in page and "Prise en charge" not in page
    # the citizen adds the requested piece
    response = client.post(
        reverse("cases:message", args=[case.reference]),
        {
            "body": "Voici ma pièce.",
            "files": SimpleUploadedFile("id.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    message = case.messages.get(from_citizen=True)
    assert message.attachments.get().original_name == "id.pdf"


def test_a_fake_file_is_refused_with_a_clear_message(client, file_case, place):
    case = file_case()
    client.force_login(place.citizen)
    response = client.post(
        reverse("cases:message", args=[case.reference]),
        {
            "body": "x",
            "files": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00binary"),
        },
        follow=True,
    )
    assert "n&#x27;est pas d&#x27;un type accepté" in response.content.decode()
    assert case.messages.count() == 0


@pytest.mark.parametrize("who", ["other_citizen", None])
def test_another_citizen_cannot_see_the_case(client, file_case, place, who):
    case = file_case()
    if who:
        client.force_login(getattr(place, who))
    assert client.get(reverse("cases:case", args=[case.reference])).status_code == 404
    assert (
        client.post(reverse("cases:message", args=[case.reference]), {"body": "x"}).status_code
        == 404
    )
    assert case.messages.count() == 0


def test_another_citizen_cannot_resume_my_draft(client, place):
    client.force_login(place.citizen)
    draft = _start(client, place.commune)
    client.force_login(place.other_citizen)
    assert client.get(reverse("cases:draft", args=[draft.token])).status_code == 404


def test_the_citizen_pages_are_translated_into_english(client, place):
    page = client.get(reverse("cases:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Online services" in page and "Follow a request with a tracking code" in page
