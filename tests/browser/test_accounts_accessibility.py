"""The account, MFA, consent and session pages pass axe-core (WCAG 2.1 AA)."""

import pytest

from tests.browser.conftest import login

ACCOUNT_PAGES = [
    "/comptes/profil/",
    "/comptes/sessions-actives/",
    "/comptes/services-connectes/",
    "/comptes/mes-donnees/",
    "/comptes/supprimer/",
    "/comptes/email/",
    "/comptes/password/change/",
    "/comptes/2fa/",
    "/comptes/2fa/totp/activate/",
]


@pytest.mark.parametrize("path", ["/comptes/signup/", "/comptes/password/reset/"])
def test_entrance_pages_have_no_axe_violations(live_server, demo, page, axe, path):
    page.goto(f"{live_server.url}{path}")
    assert page.locator("h1").count() == 1
    assert axe(page) == [], path


def test_account_pages_have_no_axe_violations(live_server, demo, page, axe, demo_password):
    login(page, live_server, "camille.martin@example.org", demo_password)
    for path in ACCOUNT_PAGES:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() >= 1, path
        assert axe(page) == [], path


def test_consent_screen_has_no_axe_violations(live_server, demo, page, axe, demo_password):
    from tests.identity.conftest import DEMO_REDIRECT_URI, pkce_pair

    login(page, live_server, "camille.martin@example.org", demo_password)
    _verifier, challenge = pkce_pair()
    page.goto(
        f"{live_server.url}/identity/o/authorize?response_type=code&client_id=demo-famille"
        f"&redirect_uri={DEMO_REDIRECT_URI}&scope=openid+email+profile"
        f"&code_challenge={challenge}&code_challenge_method=S256&state=s"
    )
    assert "Portail Famille" in page.locator("h1").inner_text()
    assert axe(page) == []


def test_people_i_act_for_pages_have_no_axe_violations(live_server, demo, page, axe, demo_password):
    """The list (empty and filled), the form (blank and with errors), the removal page, and the
    review step of a request that asks for whom it is made."""
    from datetime import date

    from guichet.accounts.models import User
    from guichet.accounts.services import dependant_create

    login(page, live_server, "camille.martin@example.org", demo_password)
    base = live_server.url
    page.goto(f"{base}/comptes/personnes/")
    assert axe(page) == [], "empty list"
    page.goto(f"{base}/comptes/personnes/ajouter/")
    assert axe(page) == [], "blank form"
    page.fill("#id_first_name", "Léa")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_birth_date", "2000-01-01")
    page.select_option("#id_relationship", "child")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() >= 1
    assert axe(page) == [], "form with errors"
    page.fill("#id_birth_date", "2016-05-04")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    page.wait_for_url(f"{base}/comptes/personnes/")
    assert "Léa Martin" in page.content()
    assert axe(page) == [], "list"
    camille = User.objects.get(email="camille.martin@example.org")
    hugo = dependant_create(
        actor=camille,
        first_name="Hugo",
        last_name="Martin",
        birth_date=date(2019, 2, 3),
        relationship="child",
    )
    page.goto(f"{base}/comptes/personnes/{hugo.pk}/retirer/")
    assert axe(page) == [], "removal"

    # The review step of a request asks for whom it is made.
    page.goto(f"{base}/demarches/contact/")
    page.get_by_role("button", name="Commencer").click()
    page.wait_for_load_state()
    page.get_by_label("Autre").check()
    page.get_by_label("Objet").fill("Question")
    page.get_by_label("Message").fill("Une question pour mon fils Hugo.")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state()
    assert "Pour qui faites-vous cette demande" in page.content()
    assert axe(page) == [], "review"
    page.get_by_label("Pour Hugo Martin (enfant mineur)").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state()
    from guichet.cases.models import Case

    assert Case.objects.filter(requester=camille, beneficiary_name="Hugo Martin").exists()
