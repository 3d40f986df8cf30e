"""The document wallet's pages and the picker of a service's form pass axe-core (WCAG 2.1 AA);
a citizen chooses a document from her wallet with the keyboard only."""

import json
from pathlib import Path

import pytest

import guichet.catalogue as services_pkg
from tests.browser.conftest import login
from tests.browser.test_keyboard import by_name, by_text, focused, tab_to
from tests.factories import pdf_bytes

pytestmark = pytest.mark.browser

CAMILLE = "camille.martin@example.org"


def _contact_asking_for_an_address_proof():
    from guichet.accounts.models import User
    from guichet.catalogue.services import service_import
    from guichet.territory.selectors import metropolis

    path = Path(services_pkg.__file__).parent / "data" / "contact.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    for page in document["form"]["pages"]:
        for field in page["fields"]:
            if field["key"] == "piece":
                field["document_type"] = "address_proof"
                field["label"] = "Justificatif de domicile"
    service_import(
        actor=User.objects.get(email="admin@example.org"),
        organisation=metropolis(),
        document=document,
        publish=True,
    )


def test_wallet_pages_have_no_axe_violations(live_server, demo, page, axe, demo_password, tmp_path):
    from guichet.wallet.models import WalletDocument

    login(page, live_server, CAMILLE, demo_password)
    page.goto(f"{live_server.url}/mon-espace/documents/")
    assert page.locator("h1").inner_text() == "Mon porte-documents"
    assert "Expiré" in page.get_by_role("main").inner_text()  # the demo's old address proof
    assert axe(page) == [], "list"

    page.goto(f"{live_server.url}/mon-espace/documents/ajouter/")
    assert axe(page) == [], "blank form"
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() >= 1
    assert axe(page) == [], "form with errors"

    pdf = tmp_path / "facture.pdf"
    pdf.write_bytes(pdf_bytes())
    page.get_by_label("Type de document").select_option("address_proof")
    page.get_by_label("Date d'émission").fill("2026-01-02")
    page.get_by_label("Fichier (PDF, JPEG, PNG ou WebP)").set_input_files(str(pdf))
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_url("**/mon-espace/documents/*/")
    assert axe(page) == [], "document"
    document = WalletDocument.objects.filter(owner__email=CAMILLE).latest("pk")
    page.goto(f"{live_server.url}/mon-espace/documents/{document.pk}/supprimer/")
    assert axe(page) == [], "delete"


def test_the_picker_passes_axe_and_works_with_the_keyboard(
    live_server, demo, page, axe, demo_password
):
    from guichet.wallet.models import WalletDocument, WalletDocumentUse

    _contact_asking_for_an_address_proof()
    valid = WalletDocument.objects.get(owner__email=CAMILLE, title="Facture d'électricité")
    login(page, live_server, CAMILLE, demo_password)
    page.goto(f"{live_server.url}/demarches/contact/")
    page.get_by_label("Commune").select_option("oullins")
    page.get_by_role("button", name="Commencer").click()
    page.wait_for_url("**/brouillons/**")
    main = page.get_by_role("main").inner_text()
    assert "Ou choisir dans mon porte-documents" in main and "Expiré" in main
    assert axe(page) == [], "form page with the picker"

    page.locator("input[name=f_theme]").first.check()
    page.locator("input[name=f_objet]").fill("Justificatif")
    page.locator("textarea[name=f_message]").fill("Voici mon justificatif de domicile.")
    # Keyboard only from here: the radio group of the wallet, an arrow to the valid document.
    page.locator("textarea[name=f_message]").focus()
    choice = tab_to(page, by_name("f_piece__wallet"))
    assert choice["value"] == ""  # "none" is checked first
    page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == str(valid.pk)
    tab_to(page, by_text("Continuer"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/coordonnees/")
    use = WalletDocumentUse.objects.get(document=valid)
    assert use.attachment.draft is not None
