import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import guichet.catalogue as services_pkg
from tests.factories import pdf_bytes

DATA = Path(services_pkg.__file__).parent / "data"


@pytest.fixture(autouse=True)
def _immediate_tasks(immediate_tasks, settings):
    """Tasks run at once, files in a temporary media root (tests/conftest.py), one known key."""
    settings.WALLET_ENCRYPTION_KEYS = ["q6Q0x1wF2mJq3r9Yb8c7d6e5f4g3h2i1j0k9l8m7n6o="]


@pytest.fixture
def users(demo):
    from guichet.accounts.models import User

    return {u.email.split("@")[0]: u for u in User.objects.all()}


@pytest.fixture
def lucas(users):
    return users["lucas.bernard"]


def a_pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), "application/pdf")


@pytest.fixture
def add_document(camille):
    """Add a document to someone's wallet (Camille's by default), through the service."""
    from guichet.wallet.services import wallet_document_add

    def add(document_type="address_proof", *, owner=None, issued_on, expires_on=None, **kw):
        return wallet_document_add(
            actor=owner or camille,
            document_type=document_type,
            title=kw.pop("title", "Facture"),
            issued_on=issued_on,
            expires_on=expires_on,
            upload=kw.pop("upload", None) or a_pdf(),
            **kw,
        )

    return add


@pytest.fixture
def contact_with_piece(demo):
    """The demo "contact" service, republished with its file field asking for an address
    proof (``document_type``): the picker's field."""
    from guichet.accounts.models import User
    from guichet.catalogue.services import service_import
    from guichet.territory.selectors import metropolis

    document = json.loads((DATA / "contact.json").read_text(encoding="utf-8"))
    for page in document["form"]["pages"]:
        for field in page["fields"]:
            if field["key"] == "piece":
                field["document_type"] = "address_proof"
                field["label"] = "Justificatif de domicile"
    version = service_import(
        actor=User.objects.get(email="admin@example.org"),
        organisation=metropolis(),
        document=document,
        publish=True,
    )
    return version.definition


CONTACT_DATA = {
    "theme": "etat_civil",
    "objet": "Acte de naissance",
    "message": "Bonjour, je voudrais une copie intégrale de mon acte de naissance.",
    "email": "camille.martin@example.org",
}


@pytest.fixture
def contact_document():
    return json.loads((DATA / "contact.json").read_text(encoding="utf-8"))


def used_for_contact(document):
    """A use of ``document`` by its owner for "Contacter ma mairie" (kept after a deletion)."""
    from guichet.wallet.models import WalletDocumentUse

    return WalletDocumentUse.objects.create(
        owner=document.owner,
        document=document,
        document_type=document.document_type,
        document_title=document.title,
        service_name="Contacter ma mairie",
    )
