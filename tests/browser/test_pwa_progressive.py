"""Progressive enhancement: with JavaScript disabled, a citizen still files a case through the
multi-page form, and a report through the report form (coordinates typed instead of the map)."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_the_citizen_form_works_without_javascript(live_server, demo, no_js_page, demo_password):
    from guichet.accounts.models import User
    from guichet.cases.models import Case

    page = no_js_page
    camille = User.objects.get(email="camille.martin@example.org")
    before = Case.objects.filter(requester=camille).count()
    login(page, live_server, camille.email, demo_password)
    page.goto(f"{live_server.url}/demarches/contact/")
    page.get_by_label("Votre commune").select_option("oullins")
    page.get_by_role("button", name="Commencer").click()
    page.get_by_label("État civil").check()
    page.get_by_label("Objet").fill("Sans JavaScript")
    page.get_by_label("Message").fill("Le formulaire marche aussi sans script.")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/coordonnees/")
    # A field shown only on condition: without the script, the server decides (hidden here).
    assert page.get_by_text("Créneau de rappel").is_hidden()
    page.get_by_label("Je souhaite être rappelé(e)").check()
    page.get_by_role("button", name="Continuer").click()
    assert page.get_by_role("alert").is_visible()  # the slot is then required: server error
    page.get_by_label("Le matin").check()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/recapitulatif/")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/demarches/recu/**")
    case = Case.objects.filter(requester=camille).latest("id")
    assert Case.objects.filter(requester=camille).count() == before + 1
    assert case.data["creneau"] == "matin" and case.reference in page.url


def test_the_report_form_works_without_javascript(live_server, demo, no_js_page):
    from guichet.publicspace.models import Report

    page = no_js_page
    page.goto(f"{live_server.url}/signalements/signaler/nid-de-poule/")
    assert page.locator("#ps-locate").is_hidden()  # the phone position needs the script
    page.get_by_label("Latitude").fill("45.7140")
    page.get_by_label("Longitude").fill("4.8070")
    page.get_by_role("textbox", name="Adresse", exact=True).fill("Grande Rue, Oullins")
    page.get_by_role("button", name="Voir les signalements proches").click()  # a GET, no JS
    page.wait_for_url("**lat=45.7140**")
    assert page.get_by_label("Latitude").input_value() == "45.7140"
    page.get_by_label("Description (facultatif)").fill("Trou profond sans script")
    page.locator("input[name=q_emplacement]").first.check()
    page.get_by_label("Votre e-mail (pour suivre le signalement)").fill("sansjs@example.org")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_url("**/signalements/*/")
    report = Report.objects.get(case__contact_email="sansjs@example.org")
    assert report.reference in page.url
    assert "Trou profond sans script" in page.get_by_role("main").inner_text()
