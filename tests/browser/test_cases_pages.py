"""The case pages (citizen, back-office, editor) pass axe-core with zero violations, and the
show-if conditions work in the browser."""

import pytest

from tests.browser.conftest import login
from tests.browser.contact_case import contact_case_of_camille


@pytest.fixture
def oullins_case(demo):
    return contact_case_of_camille(
        demo, theme="autre", objet="Bruit", message="Du bruit la nuit, rue X."
    )


def test_citizen_pages_have_no_axe_violations(
    live_server, demo, page, axe, demo_password, oullins_case
):
    for path in ["/demarches/", "/demarches/contact/", "/demarches/suivi/"]:
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path
    login(page, live_server, "camille.martin@example.org", demo_password)
    page.goto(f"{live_server.url}/demarches/contact/")
    page.get_by_role("button", name="Commencer").click()
    page.wait_for_load_state()
    assert axe(page) == [], "form page"
    # the callback slot appears only when a callback is asked for (show-if, in the browser)
    page.get_by_role("button", name="Continuer").click()  # errors on page 1
    page.wait_for_load_state()
    assert axe(page) == [], "form page with errors"
    page.get_by_label("Autre").check()
    page.get_by_label("Objet").fill("Question")
    page.get_by_label("Message").fill("Une question assez longue.")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state()
    slot = page.locator(".field-choice").filter(has_text="Créneau de rappel")
    assert slot.is_hidden()
    page.get_by_label("Je souhaite être rappelé(e)").check()
    assert slot.is_visible()
    assert axe(page) == [], "page 2"
    for path in ["/demarches/mes-demandes/", f"/demarches/demandes/{oullins_case.reference}/"]:
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path


def test_backoffice_pages_have_no_axe_violations(
    live_server, demo, page, axe, demo_password, oullins_case, with_mfa
):
    from guichet.accounts.models import User

    with_mfa(User.objects.get(email="agent.oullins@example.org"))
    login(page, live_server, "agent.oullins@example.org", demo_password)
    assert "/2fa/" not in page.url and "/comptes/login/" not in page.url, page.url
    for path in [
        "/backoffice/",
        "/backoffice/?queue=all&q=Bruit",
        f"/backoffice/demandes/{oullins_case.reference}/",
        "/backoffice/usagers/?email=camille.martin@example.org",
        "/backoffice/saisir/",
        "/backoffice/saisir/?service=contact",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.url.endswith(path.replace("@", "%40")) or page.url.endswith(path), page.url
        assert axe(page) == [], path


def test_editor_pages_have_no_axe_violations(live_server, demo, page, axe, demo_password, with_mfa):
    from guichet.accounts.models import User
    from guichet.catalogue.models import ServiceDefinition

    with_mfa(User.objects.get(email="admin@example.org"))
    version = ServiceDefinition.objects.get(key="proprete.encombrants").current_version
    login(page, live_server, "admin@example.org", demo_password)
    for path in [
        "/backoffice/services/",
        "/backoffice/services/importer/",
        f"/backoffice/services/versions/{version.pk}/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert axe(page) == [], path
