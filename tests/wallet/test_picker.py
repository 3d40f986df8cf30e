"""A service's form asks for a document type; the person picks one from their wallet (or keeps
an upload there). Through case_submit (every door), the citizen's form pages and the API."""

import copy
import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guichet.cases.drafts import draft_save
from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, CaseAttachment, Channel
from guichet.cases.submission import case_submit
from guichet.wallet.models import WalletDocument, WalletDocumentUse
from guichet.wallet.pieces import WalletKeep, WalletPick
from tests.factories import api_access_token, pdf_bytes
from tests.wallet.conftest import CONTACT_DATA

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _submit(definition, person, files, demo):
    return case_submit(
        actor=person,
        definition=definition,
        data=copy.deepcopy(CONTACT_DATA),
        channel=Channel.WEB,
        requester=person,
        commune=demo["oullins"],
        files=files,
    )


def test_a_valid_document_is_attached_as_a_copy_and_its_use_recorded(
    camille, demo, add_document, contact_with_piece
):
    document = add_document(issued_on=TODAY() - datetime.timedelta(days=10))
    case = _submit(
        contact_with_piece, camille, {"piece": [WalletPick(document.pk, camille)]}, demo
    ).case
    attachment = case.attachments.get(field_key="piece")
    assert attachment.sha256 == document.sha256
    with attachment.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF")  # the case's copy, readable by its agents
    use = WalletDocumentUse.objects.get(document=document)
    assert use.attachment == attachment and use.service_name == contact_with_piece.name
    document.refresh_from_db()
    assert document.last_used_at is not None


def test_an_expired_document_is_refused_with_its_date_and_the_rule(
    camille, demo, add_document, contact_with_piece
):
    issued = TODAY() - datetime.timedelta(days=200)
    document = add_document(issued_on=issued)
    cases, attachments = Case.objects.count(), CaseAttachment.objects.count()
    with pytest.raises(CaseInputError) as refused:
        _submit(contact_with_piece, camille, {"piece": [WalletPick(document.pk, camille)]}, demo)
    message = refused.value.errors["piece"]
    assert issued.strftime("%d/%m/%Y") in message
    assert "moins de 3 mois" in message
    assert Case.objects.count() == cases and CaseAttachment.objects.count() == attachments
    assert not WalletDocumentUse.objects.exists()


def test_someone_elses_or_a_missing_document_is_refused(
    camille, lucas, demo, add_document, contact_with_piece
):
    document = add_document(issued_on=TODAY())
    cases = Case.objects.count()
    for pick in (
        WalletPick(document.pk, lucas),
        WalletPick(999999, camille),
        WalletPick("x", camille),
    ):
        with pytest.raises(CaseInputError) as refused:
            _submit(contact_with_piece, lucas, {"piece": [pick]}, demo)
        assert refused.value.errors["piece"] == "Ce document n'est pas dans votre porte-documents."
    assert Case.objects.count() == cases
    assert not WalletDocumentUse.objects.exists()


def test_a_document_of_another_type_is_refused(camille, demo, add_document, contact_with_piece):
    identity = add_document(
        "identity", issued_on=TODAY(), expires_on=TODAY() + datetime.timedelta(days=900)
    )
    with pytest.raises(CaseInputError) as refused:
        _submit(contact_with_piece, camille, {"piece": [WalletPick(identity.pk, camille)]}, demo)
    assert "Justificatif de domicile" in refused.value.errors["piece"]


def test_an_upload_can_be_kept_in_the_wallet(camille, demo, contact_with_piece):
    before = WalletDocument.objects.filter(owner=camille).count()
    keep = WalletKeep(
        upload=SimpleUploadedFile("facture.pdf", pdf_bytes(), "application/pdf"),
        owner=camille,
        document_type="address_proof",
        issued_on=str(TODAY()),
    )
    case = _submit(contact_with_piece, camille, {"piece": [keep]}, demo).case
    kept = WalletDocument.objects.filter(owner=camille).latest("pk")
    assert WalletDocument.objects.filter(owner=camille).count() == before + 1
    assert kept.document_type == "address_proof" and kept.issued_on == TODAY()
    assert kept.sha256 == case.attachments.get(field_key="piece").sha256
    assert WalletDocumentUse.objects.get(document=kept).attachment.case == case


def test_keeping_an_upload_needs_its_issue_date(camille, demo, contact_with_piece):
    keep = WalletKeep(
        upload=SimpleUploadedFile("facture.pdf", pdf_bytes(), "application/pdf"),
        owner=camille,
        document_type="address_proof",
    )
    cases = Case.objects.count()
    with pytest.raises(CaseInputError) as refused:
        _submit(contact_with_piece, camille, {"piece": [keep]}, demo)
    assert "date d'émission" in refused.value.errors["piece"]
    assert Case.objects.count() == cases


def test_a_health_upload_not_chosen_to_keep_is_used_once(camille, demo, contact_with_piece):
    version = contact_with_piece.current_version
    before = WalletDocument.objects.count()
    keep = WalletKeep(
        upload=SimpleUploadedFile("certificat.pdf", pdf_bytes(), "application/pdf"),
        owner=camille,
        document_type="medical_certificate",
        issued_on=str(TODAY()),
        keep=False,
    )
    draft = draft_save(actor=camille, version=version, data={}, page="", files={"piece": [keep]})
    assert draft.attachments.count() == 1
    assert WalletDocument.objects.count() == before


# --- the citizen's form pages ------------------------------------------------------------------


def _draft_for(client, definition):
    response = client.post(f"/demarches/{definition.key}/", {"commune": "oullins"})
    assert response.status_code == 302
    return response["Location"]


def _pick_in_the_form(client, url, document):
    """Post the form's first page with ``document`` picked from the wallet for the piece."""
    return client.post(
        url,
        {
            "f_theme": "etat_civil",
            "f_objet": "Justificatif",
            "f_message": "Voici mon justificatif de domicile, merci.",
            "f_piece__wallet": str(document.pk),
            "action": "next",
        },
    )


def test_the_form_offers_valid_documents_and_shows_expired_ones_disabled(
    client, camille, add_document, contact_with_piece
):
    valid = add_document(issued_on=TODAY() - datetime.timedelta(days=5), title="Facture récente")
    old_issued = TODAY() - datetime.timedelta(days=120)
    expired = add_document(issued_on=old_issued, title="Vieille quittance")
    client.force_login(camille)
    page = client.get(_draft_for(client, contact_with_piece)).content.decode()
    assert f'value="{valid.pk}"' in page
    assert "Facture récente" in page and "Vieille quittance" in page
    expired_input = page.split(f'value="{expired.pk}"')[1].split(">")[0]
    assert "disabled" in expired_input
    assert old_issued.strftime("%d/%m/%Y") in page and "moins de 3 mois" in page
    valid_input = page.split(f'value="{valid.pk}"')[1].split(">")[0]
    assert "disabled" not in valid_input


def test_choosing_a_document_in_the_form_files_it_with_the_case(
    client, camille, add_document, contact_with_piece
):
    document = add_document(issued_on=TODAY() - datetime.timedelta(days=5))
    client.force_login(camille)
    url = _draft_for(client, contact_with_piece)
    response = _pick_in_the_form(client, url, document)
    assert response.status_code == 302, response.content.decode()[:2000]
    use = WalletDocumentUse.objects.get(document=document)
    assert use.attachment.draft is not None
    client.post(response["Location"], {"f_email": "camille.martin@example.org", "action": "next"})
    token = url.rstrip("/").split("/")[-1]
    response = client.post(
        f"/demarches/brouillons/{token}/recapitulatif/", {"idempotency_key": "wallet-test-key-1"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    use.refresh_from_db()
    assert use.attachment.case is not None and use.attachment.case.requester == camille
    detail = client.get(f"/mon-espace/documents/{document.pk}/").content.decode()
    assert use.attachment.case.reference in detail


def test_choosing_an_expired_document_in_the_form_is_refused(
    client, camille, add_document, contact_with_piece
):
    issued = TODAY() - datetime.timedelta(days=120)
    document = add_document(issued_on=issued)
    client.force_login(camille)
    url = _draft_for(client, contact_with_piece)
    response = _pick_in_the_form(client, url, document)
    assert response.status_code == 400
    assert issued.strftime("%d/%m/%Y") in response.content.decode()
    assert not CaseAttachment.objects.filter(field_key="piece").exists()


# --- the API -----------------------------------------------------------------------------------


def test_the_api_lists_my_documents_and_files_with_one(
    client, camille, lucas, demo, add_document, contact_with_piece
):
    document = add_document(issued_on=TODAY() - datetime.timedelta(days=5))
    bearer = api_access_token(camille, "wallet-token-1", scopes=("openid", "cases:read"))
    listed = client.get("/api/v1/wallet/documents", HTTP_AUTHORIZATION=bearer)
    assert listed.status_code == 200
    mine = {d["id"]: d for d in listed.json()}
    assert mine[document.pk]["valid"] is True and mine[document.pk]["document_type"] == (
        "address_proof"
    )
    other = api_access_token(lucas, "wallet-token-2", scopes=("openid", "cases:read"))
    assert document.pk not in {
        d["id"] for d in client.get("/api/v1/wallet/documents", HTTP_AUTHORIZATION=other).json()
    }
    write = api_access_token(camille, "wallet-token-3")
    payload = {
        "service": contact_with_piece.key,
        "commune": "oullins",
        "data": CONTACT_DATA,
        "wallet_documents": {"piece": [document.pk]},
    }
    response = client.post(
        "/api/v1/cases/mine",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=write,
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.attachments.get(field_key="piece").sha256 == document.sha256
    # Lucas cannot file Camille's document.
    lucas_write = api_access_token(lucas, "wallet-token-4")
    response = client.post(
        "/api/v1/cases/mine",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=lucas_write,
    )
    assert response.status_code == 422
    assert "porte-documents" in response.json()["errors"]["piece"]


def test_a_document_larger_than_the_field_allows_is_refused(
    camille, demo, add_document, contact_with_piece
):
    from guichet.catalogue.schema import field_by_key

    document = add_document(issued_on=TODAY())
    WalletDocument.objects.filter(pk=document.pk).update(size=11 * 1024 * 1024)
    assert field_by_key(contact_with_piece.current_version.form, "piece")["max_size_mb"] == 10
    with pytest.raises(CaseInputError) as refused:
        _submit(contact_with_piece, camille, {"piece": [WalletPick(document.pk, camille)]}, demo)
    assert "10 Mo" in refused.value.errors["piece"]
