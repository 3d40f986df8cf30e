import copy
import json
from pathlib import Path

import pytest

import guichet.catalogue as services_pkg

DATA = Path(services_pkg.__file__).parent / "data"


@pytest.fixture(autouse=True)
def _immediate_tasks(immediate_tasks):
    """Tasks run at once (after commit), e-mails stay in memory, files go to a temporary media
    root (tests/conftest.py)."""


@pytest.fixture
def contact_document():
    return json.loads((DATA / "contact.json").read_text(encoding="utf-8"))


@pytest.fixture
def encombrants_document():
    return json.loads((DATA / "encombrants.json").read_text(encoding="utf-8"))


@pytest.fixture
def catalogue(place):
    return place.services


@pytest.fixture
def contact(catalogue):
    return catalogue["contact"]


@pytest.fixture
def encombrants(catalogue):
    return catalogue["encombrants"]


CONTACT_DATA = {
    "theme": "etat_civil",
    "objet": "Acte de naissance",
    "message": "Bonjour, je voudrais une copie intégrale de mon acte de naissance.",
}


@pytest.fixture
def contact_data(place):
    return {**copy.deepcopy(CONTACT_DATA), "email": place.citizen.email}


_CITIZEN = object()


@pytest.fixture
def file_case(contact, place, contact_data):
    """File a contact case in a commune (default: the citizen's) for a citizen (default: the
    territory's citizen; None: someone without an account, with ``contact``), on the web."""
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit

    def make(commune=None, requester=_CITIZEN, **kwargs):
        user = place.citizen if requester is _CITIZEN else requester
        return case_submit(
            actor=user,
            definition=contact,
            data=kwargs.pop("data", contact_data),
            channel=kwargs.pop("channel", Channel.WEB),
            requester=user,
            commune=commune or place.commune,
            **kwargs,
        ).case

    return make


@pytest.fixture
def reports_open(place):
    """The public-space report service and its categories, offered in the territory."""
    from tests.factories.publicspace import report_service

    return report_service(place)
