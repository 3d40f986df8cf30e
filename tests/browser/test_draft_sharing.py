"""A planning draft shared with a mandated architect, in the browser: the draft page, its
collaborators' page, the invitation's page and the architect's draft pass axe."""

from types import SimpleNamespace

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

TOKEN = "jeton-de-test-du-navigateur"


def test_the_applicant_invites_an_architect_who_accepts(
    live_server, demo, page, demo_password, axe, monkeypatch
):
    from guichet.accounts.models import User
    from guichet.cases.drafts import draft_save
    from guichet.catalogue.models import ServiceDefinition
    from guichet.sharing import services

    # the link's token is random: known here to open the link the e-mail would carry
    monkeypatch.setattr(services, "secrets", SimpleNamespace(token_urlsafe=lambda n: TOKEN))
    camille = User.objects.get(email="camille.martin@example.org")
    architect = User.objects.get(email="lucas.bernard@example.org")
    definition = ServiceDefinition.objects.get(key="urbanism.dp")
    draft = draft_save(
        actor=camille,
        version=definition.current_version,
        data={},
        page="",
        commune=demo["oullins"],
    )

    login(page, live_server, camille.email, demo_password)
    page.goto(f"{live_server.url}/demarches/brouillons/{draft.token}/")
    assert axe(page) == []
    page.get_by_role("link", name="Inviter un architecte mandataire").click()
    page.wait_for_load_state()
    assert axe(page) == []
    page.get_by_label("Son adresse électronique").fill(architect.email)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.wait_for_load_state()
    assert architect.email in page.get_by_role("main").inner_text()
    assert axe(page) == []

    page.context.clear_cookies()
    login(page, live_server, architect.email, demo_password)
    page.goto(f"{live_server.url}/demarches/invitations/{TOKEN}/")
    assert axe(page) == []
    page.get_by_role("button", name="Accepter l'invitation").click()
    page.wait_for_url("**/brouillons/**")
    assert axe(page) == []
    page.goto(f"{live_server.url}/demarches/brouillons/{draft.token}/collaborateurs/")
    assert "Prêt pour la signature du demandeur" in page.get_by_role("main").inner_text()
    assert axe(page) == []
