"""Nobody left behind, in the browser: the home page for visitors (axe clean, light) and the
receipt page of a request filed for a phone caller (axe clean)."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

#: the home page's weight target (HTML, styles, scripts, images), in bytes
HOME_WEIGHT_TARGET = 150 * 1024


def test_the_home_page_for_visitors_is_accessible_and_light(live_server, demo, page, axe):
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert axe(page) == []
    weight = page.evaluate(
        """() => performance.getEntriesByType('navigation')
              .concat(performance.getEntriesByType('resource'))
              .reduce((sum, e) => sum + (e.decodedBodySize || 0), 0)"""
    )
    assert 0 < weight <= HOME_WEIGHT_TARGET, weight
    # the tracking form is reachable and named
    assert page.get_by_label("Code de suivi").count() == 1


def test_the_receipt_page_is_accessible(live_server, demo, page, axe, demo_password, with_mfa):
    from guichet.accounts.models import User

    with_mfa(User.objects.get(email="agent.oullins@example.org"))
    login(page, live_server, "agent.oullins@example.org", demo_password)
    page.goto(f"{live_server.url}/backoffice/saisir/?service=contact")
    page.get_by_label("Nom", exact=True).fill("M. Dupont")
    page.get_by_label("Téléphone", exact=True).fill("06 12 34 56 78")
    page.get_by_label("L'usager accepte d'être suivi par SMS sur ce numéro de mobile").check()
    page.get_by_label("Commune").select_option("oullins")
    theme = page.locator('[name="f_theme"]')
    if theme.first.evaluate("e => e.tagName") == "SELECT":
        theme.select_option("autre")
    else:
        page.check('input[name="f_theme"][value="autre"]')
    page.get_by_label("Objet").fill("Horaires")
    page.get_by_label("Message").fill("Appel : horaires du samedi ?")
    page.get_by_role("button", name="Enregistrer la demande").click()
    page.wait_for_load_state()
    assert "/recepisse/" in page.url
    assert axe(page) == []
