import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import login_with_second_factor
from tests.factories import pdf_bytes


@pytest.fixture(autouse=True)
def _disability_settings(settings, tmp_path):
    from cryptography.fernet import Fernet

    settings.DISABILITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DISABILITY_ALLOW_LOCAL_KEY = False


@pytest.fixture
def people(demo):
    from guichet.accounts.models import User

    emails = {
        "evaluation": "agent.mdmph@example.org",
        "reception": "accueil.mdmph@example.org",
        "doctor": "medecin.mdmph@example.org",
        "auditor": "auditeur.mdmph@example.org",
        "commune": "agent.oullins@example.org",
        "roads": "agent.voirie@example.org",
        "admin": "admin@example.org",
        "parent": "camille.martin@example.org",
    }
    return {k: User.objects.get(email=v) for k, v in emails.items()}


@pytest.fixture
def child(people):
    from guichet.accounts.models import Dependant

    return Dependant.objects.create(
        owner=people["parent"],
        first_name="Léo",
        last_name="Martin",
        birth_date=datetime.date(2016, 3, 2),
        relationship=Dependant.Relationship.CHILD,
    )


def upload(name="piece.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


DIAGNOSIS = "trouble du spectre autistique"


def filing_post(*, dependant=None, certificate_on=None, **overrides):
    """The request form's POST for a child, with every piece."""
    today = datetime.date.today()
    data = {
        "dependant": str(dependant.pk) if dependant else "",
        "first_name": "Camille",
        "last_name": "Martin",
        "birth_date": "1985-05-04",
        "daily_life": f"Léo a un {DIAGNOSIS} ; aide pour s'habiller.",
        "schooling_or_work": "CE2, école Jean Macé",
        "caregiver": "Sa mère, tous les jours",
        "rights": ["aeeh", "aeeh_complement", "scolarisation"],
        "certificate_issued_on": (
            certificate_on or today - datetime.timedelta(days=30)
        ).isoformat(),
        "piece_identity": upload(),
        "piece_address_proof": upload(),
        "piece_medical_certificate": upload("certificat_autisme.pdf"),
        "action": "submit",
    }
    if dependant is not None:
        data["piece_mandate"] = upload()
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def parent_client(client, people):
    client.force_login(people["parent"])
    return client


@pytest.fixture
def filed(parent_client, child):
    """A parent's request for her child, filed through the pages."""
    from guichet.disability.models import DisabilityFile

    response = parent_client.post("/mdmph/deposer/", filing_post(dependant=child))
    assert response.status_code == 302, response.content.decode()[:3000]
    return DisabilityFile.objects.select_related("case").get()


def agent_client(client_factory, user):
    client = client_factory()
    return login_with_second_factor(client, user)


@pytest.fixture
def as_agent(people):
    from django.test import Client

    def make(role):
        return login_with_second_factor(Client(), people[role])

    return make
