"""The disability pages (the person's and the house's) pass axe-core with zero violations."""

import datetime

import pytest

from tests.browser.conftest import login
from tests.conftest import give_second_factor
from tests.factories import pdf_bytes


@pytest.fixture
def keys(settings):
    from cryptography.fernet import Fernet

    settings.DISABILITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]


@pytest.fixture
def child_file(demo, keys):
    from guichet.accounts.models import Dependant, User
    from guichet.disability.filing import file_submit, filing_draft_save
    from guichet.disability.pieces import piece_take

    camille = User.objects.get(email="camille.martin@example.org")
    child = Dependant.objects.create(
        owner=camille,
        first_name="Léo",
        last_name="Martin",
        birth_date=datetime.date(2016, 3, 2),
        relationship=Dependant.Relationship.CHILD,
    )
    pieces = [
        piece_take(upload=("p.pdf", pdf_bytes()), kind=kind)
        for kind in ("identity", "address_proof", "medical_certificate", "mandate")
    ]
    draft = filing_draft_save(
        actor=camille,
        dependant=child,
        pieces=pieces,
        data={
            "daily_life": "Aide pour s'habiller.",
            "rights": ["aeeh"],
            "certificate_issued_on": (
                datetime.date.today() - datetime.timedelta(days=10)
            ).isoformat(),
        },
    )
    return file_submit(actor=camille, draft=draft)


def test_disability_pages_have_no_axe_violations(live_server, page, axe, demo_password, child_file):
    from guichet.accounts.models import User

    ref = child_file.case.reference
    login(page, live_server, "camille.martin@example.org", demo_password)
    page.goto(f"{live_server.url}/mdmph/deposer/")
    assert axe(page) == [], "filing form"
    page.get_by_role("button", name="Déposer le dossier").click()
    page.wait_for_load_state()
    assert "erreurs à corriger" in page.content()
    assert axe(page) == [], "filing form with errors"
    for path in ["/mdmph/", f"/mdmph/dossiers/{ref}/"]:
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path
    page.context.clear_cookies()
    give_second_factor(User.objects.get(email="medecin.mdmph@example.org"))
    login(page, live_server, "medecin.mdmph@example.org", demo_password)
    for path in ["/mdmph/instruction/", f"/mdmph/instruction/{ref}/"]:
        page.goto(f"{live_server.url}{path}")
        assert page.title() != "", path
        assert axe(page) == [], path
    assert "Certificat médical" in page.content()
