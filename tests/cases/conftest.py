import copy
import json
from pathlib import Path

import pytest

import guichet.catalogue as services_pkg

DATA = Path(services_pkg.__file__).parent / "data"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    """Tasks run at once (after commit) and files go to a temporary media root."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def contact_document():
    return json.loads((DATA / "contact.json").read_text(encoding="utf-8"))


@pytest.fixture
def encombrants_document():
    return json.loads((DATA / "encombrants.json").read_text(encoding="utf-8"))


@pytest.fixture
def users(demo):
    from guichet.accounts.models import User

    return {u.email.split("@")[0]: u for u in User.objects.all()}


@pytest.fixture
def contact(demo):
    from guichet.catalogue.models import ServiceDefinition

    return ServiceDefinition.objects.get(key="contact")


@pytest.fixture
def encombrants(demo):
    from guichet.catalogue.models import ServiceDefinition

    return ServiceDefinition.objects.get(key="proprete.encombrants")


CONTACT_DATA = {
    "theme": "etat_civil",
    "objet": "Acte de naissance",
    "message": "Bonjour, je voudrais une copie intégrale de mon acte de naissance.",
    "email": "camille.martin@example.org",
}


@pytest.fixture
def contact_data():
    return copy.deepcopy(CONTACT_DATA)


@pytest.fixture
def file_case(contact, users, demo, contact_data):
    """File a contact case in a commune for Camille (web)."""
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit

    def make(commune="oullins", requester="camille.martin", **kwargs):
        user = users[requester] if requester else None
        return case_submit(
            actor=user,
            definition=contact,
            data=kwargs.pop("data", contact_data),
            channel=kwargs.pop("channel", Channel.WEB),
            requester=user,
            commune=demo[commune],
            **kwargs,
        ).case

    return make
