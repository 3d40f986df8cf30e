"""FranceConnect login against a provider started by the tests (tests/accounts/fake_...)."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client

from guichet.accounts.models import FranceConnectIdentity, Profile, User
from guichet.core.models import AuditEntry
from tests.accounts.fake_franceconnect import CLIENT_ID, CLIENT_SECRET, FakeFranceConnect

# The address of a local account the identity FranceConnect vouches for may claim.
ACCOUNT_EMAIL = "sam.compte@example.org"


@pytest.fixture
def accounts(db):
    """Two local accounts (verified e-mail, the factories' password)."""
    from tests.factories.accounts import CitizenFactory

    return CitizenFactory(email=ACCOUNT_EMAIL), CitizenFactory()


@pytest.fixture
def fc(settings, accounts):
    with FakeFranceConnect() as op:
        settings.FRANCECONNECT_ENABLED = True
        settings.FRANCECONNECT_ISSUER = op.url
        # The fake provider listens on loopback: this test's operator allows it.
        settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
        settings.FRANCECONNECT_CLIENT_ID = CLIENT_ID
        settings.FRANCECONNECT_CLIENT_SECRET = CLIENT_SECRET
        cache.clear()
        yield op
    cache.clear()


def _go_to_franceconnect(client):
    response = client.get("/comptes/franceconnect/")
    assert response.status_code == 302
    params = {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}
    return response["Location"], params


def _come_back(client, fc, params):
    callback = fc.authorize(params)
    parsed = urlparse(callback)
    return client.get(parsed.path, parse_qs(parsed.query))


def test_authorization_request_follows_franceconnect_rules(client, fc):
    location, params = _go_to_franceconnect(client)
    assert location.startswith(f"{fc.url}/authorize?")
    assert re.fullmatch(r"[0-9a-f]{64}", params["state"])
    assert re.fullmatch(r"[0-9a-f]{64}", params["nonce"])
    assert params["state"] != params["nonce"]
    assert params["acr_values"] == "eidas1"
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert "openid" in params["scope"].split()


def test_new_user_signs_in_with_a_certified_identity(client, fc):
    _location, params = _go_to_franceconnect(client)
    response = _come_back(client, fc, params)
    assert response.status_code == 302, response.content
    # client_secret_post: the secret went in the body.
    assert fc.token_requests[-1]["client_secret"] == CLIENT_SECRET
    user = User.objects.get(email="angela.dubois@example.org")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    profile = Profile.objects.get(user=user)
    assert profile.is_certified
    assert profile.birthdate.isoformat() == "1962-08-24"
    assert profile.given_names == "Angela Claire Louise"
    assert (user.first_name, user.last_name) == ("Angela", "DUBOIS")
    assert FranceConnectIdentity.objects.get(user=user).sub == fc.sub
    page = client.get("/comptes/profil/").content.decode()
    assert "Identité certifiée" in page and "certifié" in page


def test_logout_also_logs_out_of_franceconnect(client, fc):
    _location, params = _go_to_franceconnect(client)
    _come_back(client, fc, params)
    id_token = client.session["franceconnect_id_token"]
    response = client.post("/comptes/logout/")
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{fc.url}/session/end"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [
        "http://testserver/comptes/franceconnect/deconnecte/"
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", query["state"][0])
    assert "_auth_user_id" not in client.session


def _profile_snapshot(user):
    profile = Profile.objects.get_or_create(user=user)[0]
    user.refresh_from_db()
    return (
        profile.certified_at,
        profile.birth_last_name,
        profile.given_names,
        profile.birthdate,
        user.first_name,
        user.last_name,
    )


def _arrive_with_the_accounts_email(client, fc):
    """An identity FranceConnect vouches for, whose e-mail claim is a local account's."""
    fc.identity["email"] = ACCOUNT_EMAIL
    _location, params = _go_to_franceconnect(client)
    return _come_back(client, fc, params)


def _arrive_sign_in_and_link(client, fc, account, password):
    """Arrive with the account's e-mail, sign in to ``account`` with its password, confirm."""
    _arrive_with_the_accounts_email(client, fc)
    client.post(
        "/comptes/login/?next=/comptes/franceconnect/lier/",
        {"login": account.email, "password": password},
    )
    client.post("/comptes/franceconnect/lier/", {"action": "link"})


def test_an_identity_with_a_local_accounts_email_neither_signs_in_nor_links(client, fc):
    account = User.objects.get(email=ACCOUNT_EMAIL)
    before = _profile_snapshot(account)
    response = _arrive_with_the_accounts_email(client, fc)
    assert response["Location"] == "/comptes/franceconnect/lier/"
    page = client.get("/comptes/franceconnect/lier/").content.decode()
    assert ACCOUNT_EMAIL in page and "Me connecter à ce compte" in page
    # confirming without having proved the account is one's own does nothing
    client.post("/comptes/franceconnect/lier/", {"action": "link"})
    assert "_auth_user_id" not in client.session
    assert not FranceConnectIdentity.objects.exists()
    assert _profile_snapshot(account) == before
    assert not AuditEntry.objects.filter(action="accounts.franceconnect_linked").exists()


def test_after_signing_in_with_the_password_the_link_completes(client, fc, password):
    account = User.objects.get(email=ACCOUNT_EMAIL)
    _arrive_with_the_accounts_email(client, fc)
    response = client.post(
        "/comptes/login/?next=/comptes/franceconnect/lier/",
        {"login": account.email, "password": password},
    )
    assert response["Location"] == "/comptes/franceconnect/lier/"
    assert not FranceConnectIdentity.objects.exists()  # not before she confirms
    page = client.get("/comptes/franceconnect/lier/").content.decode()
    assert "Oui, lier mon compte" in page
    client.post("/comptes/franceconnect/lier/", {"action": "link"})
    assert FranceConnectIdentity.objects.get(user=account).sub == fc.sub
    assert Profile.objects.get(user=account).is_certified
    entry = AuditEntry.objects.get(action="accounts.franceconnect_linked")
    assert entry.data["proof"] == "password" and entry.object_id == str(account.pk)
    # from now on, FranceConnect signs her in directly
    client.post("/comptes/logout/")
    _location, params = _go_to_franceconnect(client)
    _come_back(client, fc, params)
    assert client.session["_auth_user_id"] == str(account.pk)


def test_signing_in_to_another_account_does_not_link_this_one(client, fc, accounts, password):
    _arrive_sign_in_and_link(client, fc, accounts[1], password)
    assert not FranceConnectIdentity.objects.exists()


def _link_from_mail():
    [message] = [m for m in mail.outbox if ACCOUNT_EMAIL in m.to]
    return urlparse(re.search(r"https?://\S+", message.body).group(0)).path


def test_a_mailed_link_links_once_in_the_browser_that_asked(client, fc):
    account = User.objects.get(email=ACCOUNT_EMAIL)
    _arrive_with_the_accounts_email(client, fc)
    client.post("/comptes/franceconnect/lier/", {"action": "email"})
    client.post("/comptes/franceconnect/lier/", {"action": "email"})  # no second mail
    link = _link_from_mail()
    assert not FranceConnectIdentity.objects.exists()
    # the mail names the identity asking, so that the account's owner can tell it is not her
    assert "Angela Claire Louise DUBOIS" in mail.outbox[-1].body
    # opened elsewhere (the owner's own browser, a mail scanner): nothing happens
    elsewhere = Client()
    elsewhere.get(link)
    elsewhere.post(link, {"action": "link"})
    assert not FranceConnectIdentity.objects.exists()
    assert "_auth_user_id" not in elsewhere.session
    # a GET only shows the confirmation
    assert "Oui, lier mon compte" in client.get(link).content.decode()
    assert not FranceConnectIdentity.objects.exists()
    client.post(link, {"action": "link"})
    assert FranceConnectIdentity.objects.get(user=account).sub == fc.sub
    assert client.session["_auth_user_id"] == str(account.pk)
    entry = AuditEntry.objects.get(action="accounts.franceconnect_linked")
    assert entry.data["proof"] == "email"
    # single use
    FranceConnectIdentity.objects.all().delete()
    client.post(link, {"action": "link"})
    assert not FranceConnectIdentity.objects.exists()


def test_a_mailed_link_expires(client, fc):
    from django.utils import timezone

    _arrive_with_the_accounts_email(client, fc)
    client.post("/comptes/franceconnect/lier/", {"action": "email"})
    link = _link_from_mail()
    session = client.session
    expires = session["franceconnect_pending"]["email_expires"]
    assert 29 * 60 < expires - timezone.now().timestamp() <= 30 * 60
    session["franceconnect_pending"]["email_expires"] = timezone.now().timestamp() - 1
    session.save()
    client.post(link, {"action": "link"})
    assert not FranceConnectIdentity.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_certified_identity_is_never_overwritten_by_another(client, fc, password):
    from datetime import date

    from django.utils import timezone

    account = User.objects.get(email=ACCOUNT_EMAIL)
    Profile.objects.update_or_create(
        user=account,
        defaults={
            "birth_last_name": "MARTIN",
            "given_names": "Camille",
            "birthdate": date(1990, 5, 1),
            "certified_at": timezone.now(),
            "certified_by": "FranceConnect",
        },
    )
    before = _profile_snapshot(account)
    _arrive_sign_in_and_link(client, fc, account, password)
    assert not FranceConnectIdentity.objects.exists()
    assert _profile_snapshot(account) == before
    assert AuditEntry.objects.filter(action="accounts.franceconnect_link_refused").exists()


def test_an_account_linked_to_another_identity_is_not_relinked(client, fc, password):
    account = User.objects.get(email=ACCOUNT_EMAIL)
    FranceConnectIdentity.objects.create(user=account, sub="her-own-identity")
    before = _profile_snapshot(account)
    _arrive_sign_in_and_link(client, fc, account, password)
    assert list(FranceConnectIdentity.objects.values_list("user", "sub")) == [
        (account.pk, "her-own-identity")
    ]
    assert _profile_snapshot(account) == before
    refusal = AuditEntry.objects.get(action="accounts.franceconnect_link_refused")
    assert refusal.data["reason"] == "linked to another identity"


def test_declining_the_link_links_nothing(client, fc):
    _arrive_with_the_accounts_email(client, fc)
    client.post("/comptes/franceconnect/lier/", {"action": "cancel"})
    assert not FranceConnectIdentity.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("misbehaviour", ["wrong_nonce", "bad_signature", "weak_acr", "expired"])
def test_bad_answers_are_refused(client, fc, misbehaviour):
    fc.misbehave = misbehaviour
    _location, params = _go_to_franceconnect(client)
    response = _come_back(client, fc, params)
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="angela.dubois@example.org").exists()
    assert AuditEntry.objects.filter(action="accounts.franceconnect_refused").exists()


def test_wrong_state_is_refused(client, fc):
    _location, params = _go_to_franceconnect(client)
    params["state"] = "f" * 64
    response = _come_back(client, fc, params)
    assert response["Location"].startswith("/comptes/login/")
    assert not User.objects.filter(email="angela.dubois@example.org").exists()


def test_franceconnect_is_off_unless_configured(client, db):
    assert client.get("/comptes/franceconnect/").status_code == 404
    assert "FranceConnect" not in client.get("/comptes/login/").content.decode()


def test_a_provider_on_a_private_address_is_refused_unless_the_operator_allows_it(
    client, fc, settings
):
    """FranceConnect's requests go through core.outbound: the fake provider on loopback is
    refused once the operator's allowance is gone (login falls back, nothing reached it)."""
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = []
    response = client.get("/comptes/franceconnect/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")
    assert fc.token_requests == []
