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
