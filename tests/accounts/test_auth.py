"""Sign-up, e-mail verification, login, throttling (citizen and admin), MFA for agents."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from guichet.accounts.models import User
from guichet.core.models import AuditEntry
from tests.conftest import login_with_second_factor

LOGIN = "/comptes/login/"


@pytest.fixture
def people(db):
    """Two citizens, two agents of a commune's team and the platform's administrator, each
    with a verified e-mail address and the factories' password."""
    from tests.factories import TeamFactory
    from tests.factories.accounts import CitizenFactory, PlatformAdminFactory, agent_of

    team = TeamFactory()
    return {
        "citizen": CitizenFactory(),
        "other_citizen": CitizenFactory(),
        "agent": agent_of(team),
        "other_agent": agent_of(team),
        "admin": PlatformAdminFactory(),
    }


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_signup_requires_email_verification_then_logs_in(client, db):
    response = client.post(
        "/comptes/signup/",
        {
            "email": "nina.durand@example.org",
            "password1": "trois mots au hasard",
            "password2": "trois mots au hasard",
            "first_name": "Nina",
            "last_name": "Durand",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina.durand@example.org")
    assert (user.first_name, user.last_name) == ("Nina", "Durand")
    assert user.password.startswith("md5$")  # hashed (argon2 outside the tests)
    assert not EmailAddress.objects.get(user=user).verified
    # Not verified: no session yet.
    assert client.get("/comptes/profil/").status_code == 302
    link = re.search(r"http://testserver(/comptes/confirm-email/[^\s]+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    confirm = client.post(link.group(1))
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/comptes/profil/").status_code == 200


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("trois mots au hasard", True),  # passphrase, no special character needed
        ("Tr0mb0ne-Vélo!", True),
        ("x" * 80 + " long passphrase de plus de soixante-quatre", True),
        ("azertyuiop", False),  # common
        ("password123", False),  # common/breached
        ("aaaaaaaaaaaaaaaa", False),  # long but no entropy
        ("abcdefghijklmnop", False),  # a run
        ("Ab1!", False),  # too short
    ],
)
def test_password_policy_by_strength(client, db, password, accepted):
    response = client.post(
        "/comptes/signup/",
        {
            "email": "test.mdp@example.org",
            "password1": password,
            "password2": password,
            "first_name": "Test",
            "last_name": "Mdp",
        },
    )
    assert User.objects.filter(email="test.mdp@example.org").exists() is accepted
    if not accepted:
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode()


def test_login_and_logout_are_audited(client, people, password):
    response = client.post(LOGIN, {"login": people["citizen"].email, "password": password})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="accounts.login").count() == 1
    client.post("/comptes/logout/")
    assert AuditEntry.objects.filter(action="accounts.logout").count() == 1


def _fail(client, url, email, ip="10.0.0.1"):
    return client.post(url, {"login": email, "password": "mauvais mot de passe"}, REMOTE_ADDR=ip)


def test_brute_force_on_a_citizen_account_is_throttled(client, people, password):
    for _ in range(5):
        response = _fail(client, LOGIN, people["citizen"].email)
        assert "Trop" not in response.content.decode()
    blocked = _fail(client, LOGIN, people["citizen"].email)
    assert "Trop de tentatives" in blocked.content.decode()
    # Even the right password is refused now (per account, whatever the IP).
    right = client.post(
        LOGIN,
        {"login": people["citizen"].email, "password": password},
        REMOTE_ADDR="10.9.9.9",
    )
    assert right.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.login_failed").count() >= 5


def test_brute_force_from_one_ip_is_throttled_across_accounts(client, people):
    for index in range(10):
        _fail(client, LOGIN, f"inconnu{index}@example.org", ip="10.0.0.2")
    blocked = _fail(client, LOGIN, people["other_citizen"].email, ip="10.0.0.2")
    assert "Trop de tentatives" in blocked.content.decode()


def test_admin_login_goes_through_the_throttled_login(client, people, password):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")
    for _ in range(5):
        _fail(client, LOGIN + "?next=/admin/", people["admin"].email)
    blocked = _fail(client, LOGIN + "?next=/admin/", people["admin"].email)
    assert "Trop de tentatives" in blocked.content.decode()
    # The admin's own login form is not a way around it.
    direct = client.post("/admin/login/", {"username": people["admin"].email, "password": password})
    assert direct.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("agent", "/backoffice/partenariat/contributions/"),
        ("admin", "/backoffice/partenariat/contributions/"),
        ("admin", "/admin/"),
    ],
)
def test_agent_without_mfa_is_sent_to_set_it_up(client, people, who, path):
    client.force_login(people[who])
    response = client.get(path, follow=True)
    # Refused (the admin first sends to its login page), then sent to set up a second factor.
    assert response.redirect_chain[-1][0].startswith("/comptes/2fa/")


def test_agent_with_mfa_reaches_the_admin(client, people, with_mfa):
    login_with_second_factor(client, people["admin"])
    assert client.get("/admin/").status_code == 200


def test_citizen_is_not_asked_for_mfa(client, people):
    client.force_login(people["citizen"])
    response = client.get("/backoffice/partenariat/contributions/")
    assert response.status_code == 403  # refused by the back-office itself, no MFA detour


def test_agent_login_with_mfa_asks_the_code(client, people, password, with_mfa):
    with_mfa(people["agent"])
    response = client.post(LOGIN, {"login": people["agent"].email, "password": password})
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/2fa/authenticate/")
    assert "_auth_user_id" not in client.session


def test_agent_sessions_are_shorter(client, people, password, settings):
    client.post(LOGIN, {"login": people["citizen"].email, "password": password})
    client.get("/comptes/profil/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    client.logout()
    agent = people["agent"]
    client.force_login(agent)
    client.get("/comptes/profil/")
    assert client.session.get_expiry_age() == settings.AGENT_SESSION_AGE
    assert settings.AGENT_SESSION_AGE < settings.SESSION_COOKIE_AGE
    # Past the deadline the agent is signed out, whatever the cookie says.
    session = client.session
    session["guichet_session_deadline"] -= settings.AGENT_SESSION_AGE + 1
    session.save()
    assert client.get("/comptes/profil/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_agent_who_did_not_tick_remember_me_keeps_a_browser_session(client, people, password):
    client.post(LOGIN, {"login": people["other_agent"].email, "password": password})
    client.get("/comptes/profil/")
    assert client.session.get_expire_at_browser_close()
    assert client.session["guichet_session_deadline"]


def test_login_page_is_french_and_in_our_layout(client, db):
    html = client.get(LOGIN).content.decode()
    assert '<html lang="fr">' in html
    assert 'class="skip-link"' in html
    assert "<h1>Se connecter</h1>" in html
    assert '<label for="id_login"' in html


def test_password_reset_by_email(client, people):
    client.post("/comptes/password/reset/", {"email": people["other_citizen"].email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/comptes/password/reset/key/[^\s]+)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    response = client.post(
        action, {"password1": "un nouveau mot de passe", "password2": "un nouveau mot de passe"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=people["other_citizen"].pk).check_password("un nouveau mot de passe")
    assert AuditEntry.objects.filter(action="accounts.password_changed").exists()


def test_changing_email_requires_verifying_the_new_one(client, people):
    person = people["other_citizen"]
    old_email = person.email
    client.force_login(person)
    client.post("/comptes/email/", {"action_add": "", "email": "person.nouveau@example.org"})
    assert EmailAddress.objects.filter(email="person.nouveau@example.org", verified=False).exists()
    person.refresh_from_db()
    assert person.email == old_email  # not before verification
    link = re.search(r"http://testserver(/comptes/confirm-email/[^\s]+)", mail.outbox[-1].body)
    client.post(link.group(1))
    person.refresh_from_db()
    assert person.email == "person.nouveau@example.org"
    assert list(EmailAddress.objects.filter(user=person).values_list("email", flat=True)) == [
        "person.nouveau@example.org"
    ]


def test_adding_and_removing_a_second_factor_is_audited(
    client, people, password, django_capture_on_commit_callbacks
):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    client.post(LOGIN, {"login": people["citizen"].email, "password": password})
    # Security changes ask for the password again (allauth's reauthentication).
    client.post("/comptes/reauthenticate/", {"password": password})
    page = client.get("/comptes/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    secret = page.context["form"].secret
    import time

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/comptes/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="accounts.mfa_added", data__type="totp").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/comptes/2fa/totp/deactivate/")
    assert AuditEntry.objects.filter(action="accounts.mfa_removed", data__type="totp").exists()


def test_agent_cannot_remove_their_only_second_factor(client, people, password, with_mfa):
    from allauth.mfa.models import Authenticator

    from tests.conftest import totp_code

    agent = with_mfa(people["other_agent"])
    client.post(LOGIN, {"login": agent.email, "password": password})
    client.post("/comptes/2fa/authenticate/", {"code": totp_code(agent)})
    client.post("/comptes/reauthenticate/", {"password": password})
    response = client.post("/comptes/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "Vous ne pouvez pas désactiver" in response.content.decode()
    assert Authenticator.objects.filter(user=agent, type="totp").exists()
