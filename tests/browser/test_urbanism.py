"""Urbanism in the browser: a DP filed with the keyboard only, and axe on every new page."""

import pytest

from tests.browser.conftest import login
from tests.browser.test_keyboard import by_name, focused, press_button, tab_to
from tests.factories import pdf_bytes

pytestmark = pytest.mark.browser


def test_a_dp_filed_with_the_keyboard_only(live_server, demo, page, demo_password, axe, tmp_path):
    from guichet.accounts.models import User
    from guichet.urbanism.models import PlanningApplication

    camille = User.objects.get(email="camille.martin@example.org")
    login(page, live_server, camille.email, demo_password)
    page.goto(f"{live_server.url}/demarches/?commune=oullins")
    tab_to(
        page,
        lambda e: e["tag"] == "a" and e["text"].startswith("Déclaration préalable de travaux"),
        steps=120,
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/demarches/urbanism.dp/")
    commune = tab_to(page, by_name("commune"))
    for _ in range(10):
        if commune["value"] == "oullins":
            break
        page.keyboard.press("ArrowDown")
        commune = focused(page)
    press_button(page, "Commencer", "**/brouillons/**")
    assert axe(page) == []

    tab_to(page, by_name("f_applicant_kind"))
    page.keyboard.press("Space")  # the first choice: a private person
    for label, text in [
        ("Nom et prénom du demandeur", "Camille Martin"),
        ("Adresse du terrain", "12 rue de la République"),
        ("Références cadastrales", "AB 123"),
        ("Nature des travaux", "Abri de jardin"),
        ("Surface de plancher créée", "9"),
    ]:
        tab_to(page, lambda e, label=label: e["label"].startswith(label))
        page.keyboard.type(text)
    press_button(page, "Continuer", "**/pieces/")
    assert axe(page) == []

    for code in ("DP1", "DP2"):
        path = tmp_path / f"{code}.pdf"
        path.write_bytes(pdf_bytes())
        tab_to(page, lambda e, code=code: e["label"].startswith(code))
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(str(path))
    press_button(page, "Continuer", "**/recapitulatif/")
    press_button(page, "Envoyer ma demande", "**/demarches/recu/**")

    application = PlanningApplication.objects.get(case__requester=camille, procedure="DP")
    assert application.number.startswith("DP 069 149 ")
    assert application.parcels[0]["section"] == "AB"
    page.goto(f"{live_server.url}/demarches/demandes/{application.case.reference}/")
    assert application.number in page.get_by_role("main").inner_text()
    assert axe(page) == []


def test_the_public_pages_pass_axe(live_server, demo, page, axe):
    page.goto(
        f"{live_server.url}/urbanisme/simulateur/?procedure=PCMI&filed_on=2026-03-10"
        "&flags=heritage_mh&extension_on=2026-04-20"
    )
    assert "R423-43" in page.get_by_role("main").inner_text()
    assert axe(page) == []
    page.goto(f"{live_server.url}/urbanisme/simulateur/?procedure=PCMI&filed_on=hier")
    assert axe(page) == []
    page.goto(f"{live_server.url}/urbanisme/registre/oullins/")
    assert axe(page) == []


def test_the_back_office_pages_pass_axe(live_server, demo, page, axe, demo_password):
    from guichet.accounts.models import User
    from guichet.urbanism.filing import application_file
    from tests.conftest import give_second_factor
    from tests.urbanism.conftest import dp_data, pieces

    camille = User.objects.get(email="camille.martin@example.org")
    application = application_file(
        actor=camille,
        procedure="DP",
        commune=demo["oullins"],
        data=dp_data(),
        files=pieces("DP1", "DP2"),
    )
    instructor = give_second_factor(User.objects.get(email="urbanisme.oullins@example.org"))
    login(page, live_server, instructor.email, demo_password)
    page.goto(f"{live_server.url}/urbanisme/instruction/")
    assert application.number in page.get_by_role("main").inner_text()
    assert axe(page) == []
    page.goto(f"{live_server.url}/urbanisme/instruction/{application.case.reference}/")
    assert axe(page) == []
    page.goto(f"{live_server.url}/urbanisme/instruction/modele/")
    assert axe(page) == []
