"""The wallet's pages in "mon espace", the definition schema's ``document_type`` and the GDPR
parts."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from guichet.accounts.services import account_delete, account_export
from guichet.catalogue.schema import validate_document
from guichet.wallet.models import WalletDocument
from tests.conftest import login_with_second_factor
from tests.wallet.conftest import a_pdf, used_for_contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_the_list_shows_type_date_and_validity_with_the_reason(client, camille, add_document):
    old = TODAY() - datetime.timedelta(days=150)
    add_document(issued_on=old, title="Ancienne facture")
    client.force_login(camille)
    page = client.get("/mon-espace/documents/").content.decode()
    assert "Ancienne facture" in page and "Justificatif de domicile" in page
    assert "Expiré" in page and "moins de 3 mois" in page and old.strftime("%d/%m/%Y") in page
    assert "Valable jusqu&#x27;au" in page or "Valable jusqu'au" in page  # the demo's documents


def test_add_a_document_from_the_page(client, camille):
    client.force_login(camille)
    before = WalletDocument.objects.filter(owner=camille).count()
    response = client.post(
        "/mon-espace/documents/ajouter/",
        {
            "document_type": "identity",
            "title": "Passeport",
            "issued_on": "2022-03-01",
            "expires_on": "2032-02-28",
            "file": a_pdf("passeport.pdf"),
        },
    )
    assert response.status_code == 302
    document = WalletDocument.objects.get(owner=camille, title="Passeport")
    assert WalletDocument.objects.filter(owner=camille).count() == before + 1
    assert client.get(response["Location"]).status_code == 200
    download = client.get(f"/mon-espace/documents/{document.pk}/fichier/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download["Content-Disposition"].startswith("attachment")


def test_a_health_document_without_the_box_is_refused_on_the_page(client, camille):
    client.force_login(camille)
    before = WalletDocument.objects.count()
    response = client.post(
        "/mon-espace/documents/ajouter/",
        {
            "document_type": "medical_certificate",
            "issued_on": str(TODAY()),
            "file": a_pdf(),
        },
    )
    assert response.status_code == 400
    assert "document de santé" in response.content.decode()
    assert WalletDocument.objects.count() == before


def test_delete_from_the_page_keeps_the_history(client, camille, add_document):
    document = add_document(issued_on=TODAY(), title="À jeter")
    used_for_contact(document)
    client.force_login(camille)
    assert client.get(f"/mon-espace/documents/{document.pk}/supprimer/").status_code == 200
    response = client.post(f"/mon-espace/documents/{document.pk}/supprimer/")
    assert response.status_code == 302
    assert not WalletDocument.objects.filter(pk=document.pk).exists()
    page = client.get("/mon-espace/documents/").content.decode()
    assert "À jeter" in page and "Contacter ma mairie" in page


@pytest.mark.parametrize("who", ["lucas.bernard", "agent.oullins", "admin"])
def test_nobody_else_opens_a_document_page(client, users, add_document, who):
    document = add_document(issued_on=TODAY(), title="Facture de Camille")
    user = users[who]
    if who == "lucas.bernard":
        client.force_login(user)
    else:
        login_with_second_factor(client, user)
    for suffix in ("", "supprimer/", "fichier/"):
        assert client.get(f"/mon-espace/documents/{document.pk}/{suffix}").status_code == 404
    assert client.post(f"/mon-espace/documents/{document.pk}/supprimer/").status_code == 404
    assert "Facture de Camille" not in client.get("/mon-espace/documents/").content.decode()
    assert WalletDocument.objects.filter(pk=document.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/mon-espace/documents/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/")


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"key": "p", "type": "file", "label": "P", "document_type": "nope"}, "inconnu"),
        ({"key": "p", "type": "file", "label": "P", "document_type": ["x"]}, "inconnu"),
        ({"key": "p", "type": "text", "label": "P", "document_type": "identity"}, "fichier"),
    ],
)
def test_the_definition_schema_checks_document_type(contact_document, field, message):
    contact_document["form"]["pages"][0]["fields"].append(field)
    errors = validate_document(contact_document)
    assert any("document_type" in e or message in e for e in errors), errors
    assert any(message in e for e in errors)


def test_a_known_document_type_is_accepted(contact_document):
    contact_document["form"]["pages"][0]["fields"].append(
        {"key": "p", "type": "file", "label": "P", "document_type": "medical_certificate"}
    )
    assert validate_document(contact_document) == []


def test_gdpr_export_and_erasure(camille, lucas, add_document, django_capture_on_commit_callbacks):
    document = add_document(issued_on=TODAY(), title="Facture GDPR")
    theirs = add_document(issued_on=TODAY(), owner=lucas, title="Facture de Lucas")
    exported = account_export(user=camille)["wallet"]
    assert "Facture GDPR" in [d["title"] for d in exported["documents"]]
    assert "Facture de Lucas" not in str(exported)
    path = Path(settings.MEDIA_ROOT) / document.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(actor=camille, user=camille)
    assert not path.exists()
    assert not WalletDocument.objects.filter(title="Facture GDPR").exists()
    assert (Path(settings.MEDIA_ROOT) / theirs.file.name).exists()
