"""Adding, reading and deleting wallet documents; who may."""

import datetime

import pytest
from django.utils import timezone

from guichet.accounts.models import Dependant
from guichet.core.policies import PolicyDenied
from guichet.wallet import crypto
from guichet.wallet.models import WalletDocument, WalletDocumentUse
from guichet.wallet.selectors import wallet_documents_for
from guichet.wallet.services import (
    WalletInputError,
    wallet_document_content,
    wallet_document_delete,
)
from tests.conftest import give_second_factor
from tests.factories import pdf_bytes
from tests.wallet.conftest import a_pdf, used_for_contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_a_document_is_kept_encrypted_and_read_back_by_its_owner(camille, add_document):
    document = add_document("address_proof", issued_on=TODAY() - datetime.timedelta(days=3))
    with document.file.open("rb") as stored:
        on_disk = stored.read()
    assert not on_disk.startswith(b"%PDF")  # encrypted at rest
    assert wallet_document_content(actor=camille, document=document).startswith(b"%PDF")
    assert document.sha256 and document.is_health is False


def test_read_from_disk_without_the_key_is_unreadable(camille, add_document, settings):
    document = add_document("address_proof", issued_on=TODAY())
    settings.WALLET_ENCRYPTION_KEYS = [crypto.new_key()]  # the key is lost
    with pytest.raises(crypto.Undecryptable):
        wallet_document_content(actor=camille, document=document)


def test_a_health_document_is_kept_only_when_the_person_chooses_to(camille, add_document):
    before = WalletDocument.objects.count()
    with pytest.raises(WalletInputError) as refused:
        add_document("medical_certificate", issued_on=TODAY())
    assert "keep_health" in refused.value.errors
    assert WalletDocument.objects.count() == before
    kept = add_document("medical_certificate", issued_on=TODAY(), keep_health=True)
    assert kept.is_health is True


@pytest.mark.parametrize(
    ("code", "issued", "expires", "field"),
    [
        ("identity", "2020-01-01", None, "expires_on"),  # an identity card has an expiry date
        ("identity", "2020-01-01", "2019-01-01", "expires_on"),  # not before its issue
        ("address_proof", "2999-01-01", None, "issued_on"),  # not issued in the future
        ("address_proof", "hier", None, "issued_on"),
        ("passport_of_mars", "2020-01-01", None, "document_type"),
    ],
)
def test_bad_dates_or_type_are_refused_and_nothing_saved(
    camille, add_document, code, issued, expires, field
):
    before = WalletDocument.objects.count()
    with pytest.raises(WalletInputError) as refused:
        add_document(code, issued_on=issued, expires_on=expires)
    assert field in refused.value.errors
    assert WalletDocument.objects.count() == before


def test_a_fake_file_is_refused(camille, add_document):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = WalletDocument.objects.count()
    with pytest.raises(WalletInputError) as refused:
        add_document(issued_on=TODAY(), upload=SimpleUploadedFile("x.pdf", b"MZ\x90binary"))
    assert "n'est pas d'un type accepté" in refused.value.errors["file"]
    assert WalletDocument.objects.count() == before


def test_without_a_key_nothing_is_stored(camille, add_document, settings):
    settings.WALLET_ENCRYPTION_KEYS = []
    before = WalletDocument.objects.count()
    with pytest.raises(WalletInputError):
        add_document(issued_on=TODAY())
    assert WalletDocument.objects.count() == before


def test_delete_removes_the_file_and_keeps_the_uses(
    camille, add_document, django_capture_on_commit_callbacks
):
    document = add_document(issued_on=TODAY(), title="Quittance")
    storage, name = document.file.storage, document.file.name
    used_for_contact(document)
    with django_capture_on_commit_callbacks(execute=True):
        wallet_document_delete(actor=camille, document=document)
    assert not storage.exists(name)
    assert not WalletDocument.objects.filter(pk=document.pk).exists()
    use = WalletDocumentUse.objects.get(owner=camille)
    assert use.document is None and use.document_title == "Quittance"


def test_nobody_else_sees_or_deletes_a_document(camille, lucas, users, add_document):
    document = add_document(issued_on=TODAY())
    agent = give_second_factor(users["agent.oullins"])
    admin = give_second_factor(users["admin"])
    for other in (lucas, agent, admin):
        assert not wallet_documents_for(actor=other).exists()
        with pytest.raises(PolicyDenied) as denied:
            wallet_document_delete(actor=other, document=document)
        assert denied.value.code == "not_found"
        with pytest.raises(PolicyDenied):
            wallet_document_content(actor=other, document=document)
    assert WalletDocument.objects.filter(pk=document.pk).exists()


def test_a_representative_sees_and_uses_but_does_not_delete(camille, lucas, add_document):
    document = add_document(issued_on=TODAY())
    Dependant.objects.create(
        owner=lucas,
        first_name="Camille",
        last_name="Martin",
        birth_date=datetime.date(1990, 1, 1),
        relationship=Dependant.Relationship.AIDED,
        account=camille,
    )
    seen = set(wallet_documents_for(actor=lucas))
    assert document in seen and seen == set(WalletDocument.objects.filter(owner=camille))
    assert wallet_document_content(actor=lucas, document=document).startswith(b"%PDF")
    with pytest.raises(PolicyDenied) as denied:
        wallet_document_delete(actor=lucas, document=document)
    assert denied.value.code == "forbidden"
    assert WalletDocument.objects.filter(pk=document.pk).exists()


def test_an_image_is_cleaned_like_every_upload(camille, add_document):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import jpeg_bytes

    document = add_document(
        "id_photo",
        issued_on=TODAY(),
        upload=SimpleUploadedFile("photo.jpg", jpeg_bytes(), "image/jpeg"),
    )
    assert document.content_type == "image/jpeg"
    assert wallet_document_content(actor=camille, document=document)[:3] == b"\xff\xd8\xff"
    assert pdf_bytes  # the factory the other tests use
    assert a_pdf().name == "document.pdf"


def test_key_rotation_reencrypts_every_file(camille, add_document, settings):
    from django.core.management import call_command

    from guichet.wallet.services import wallet_documents_reencrypt

    document = add_document(issued_on=TODAY())
    old_key = settings.WALLET_ENCRYPTION_KEYS[0]
    settings.WALLET_ENCRYPTION_KEYS = [crypto.new_key(), old_key]  # the new key first
    done, failed = wallet_documents_reencrypt()
    assert failed == 0 and done == WalletDocument.objects.count()
    settings.WALLET_ENCRYPTION_KEYS = settings.WALLET_ENCRYPTION_KEYS[:1]  # old key removed
    document.refresh_from_db()
    assert wallet_document_content(actor=camille, document=document).startswith(b"%PDF")
    call_command("wallet_reencrypt", stdout=open("/dev/null", "w"))  # noqa: SIM115 - nothing left
