"""The disability pages with the document wallet's picker (filing form, missing pieces) and
the person's own pieces to download pass axe-core with zero violations; the picker is used
with the keyboard alone."""

import datetime

import pytest

from tests.browser.conftest import login
from tests.factories import pdf_bytes


@pytest.fixture
def wallet_keys(settings):
    from cryptography.fernet import Fernet

    settings.DISABILITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.WALLET_ENCRYPTION_KEYS = ["q6Q0x1wF2mJq3r9Yb8c7d6e5f4g3h2i1j0k9l8m7n6o="]


@pytest.fixture
def file_missing_pieces(demo, wallet_keys):
    """Camille's own file, the house asking for pieces; her wallet holds a valid and an
    expired medical certificate (kept by choice)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guichet.accounts.models import User
    from guichet.cases.models import Case
    from guichet.disability.filing import file_submit, filing_draft_save
    from guichet.disability.pieces import piece_take
    from guichet.wallet.services import wallet_document_add

    camille = User.objects.get(email="camille.martin@example.org")
    today = datetime.date.today()
    for days, title in ((30, "Certificat récent"), (400, "Ancien certificat")):
        wallet_document_add(
            actor=camille,
            document_type="medical_certificate",
            title=title,
            issued_on=today - datetime.timedelta(days=days),
            upload=SimpleUploadedFile("c.pdf", pdf_bytes(), "application/pdf"),
            keep_health=True,
        )
    pieces = [
        piece_take(upload=("p.pdf", pdf_bytes()), kind=kind)
        for kind in ("identity", "address_proof", "medical_certificate")
    ]
    draft = filing_draft_save(
        actor=camille,
        pieces=pieces,
        data={
            "first_name": "Camille",
            "last_name": "Martin",
            "birth_date": "1985-05-04",
            "daily_life": "Aide pour les courses.",
            "rights": ["pch"],
            "certificate_issued_on": (today - datetime.timedelta(days=10)).isoformat(),
        },
    )
    file = file_submit(actor=camille, draft=draft)
    Case.objects.filter(pk=file.case_id).update(status="pieces_missing")
    return file


def test_wallet_picker_and_own_pieces_have_no_axe_violations(
    live_server, page, axe, demo_password, file_missing_pieces
):
    ref = file_missing_pieces.case.reference
    login(page, live_server, "camille.martin@example.org", demo_password)
    page.goto(f"{live_server.url}/mdmph/deposer/")
    assert "Ou choisir dans mon porte-documents" in page.content()
    assert axe(page) == [], "filing form with the wallet's picker"
    page.goto(f"{live_server.url}/mdmph/dossiers/{ref}/")
    assert "Ancien certificat" in page.content()
    assert axe(page) == [], "file page: pieces to download, missing pieces with the picker"
    # the valid certificate is chosen with the keyboard alone; the expired one is disabled
    recent = page.get_by_label("Certificat récent", exact=False)
    recent.focus()
    page.keyboard.press("Space")
    assert recent.is_checked()
    assert page.get_by_label("Ancien certificat", exact=False).is_disabled()
