"""FranceConnect login against a provider started by the tests (tests/accounts/fake_...)."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from guichet.accounts.models import FranceConnectIdentity, Profile, User
from guichet.core.models import AuditEntry
from tests.accounts.fake_franceconnect import CLIENT_ID, CLIENT_SECRET, FakeFranceConnect


@pytest.fixture
def fc(settings, demo):
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


def test_existing_account_is_linked_only_after_confirmation(client, fc):
    camille = User.objects.get(email="camille.martin@example.org")
    fc.identity["email"] = "camille.martin@example.org"
    _location, params = _go_to_franceconnect(client)
    response = _come_back(client, fc, params)
    assert response["Location"] == "/comptes/franceconnect/lier/"
    assert "_auth_user_id" not in client.session
    assert not FranceConnectIdentity.objects.exists()
    page = client.get("/comptes/franceconnect/lier/").content.decode()
    assert "camille.martin@example.org" in page
    client.post("/comptes/franceconnect/lier/", {"action": "link"})
    assert FranceConnectIdentity.objects.get(user=camille).sub == fc.sub
    assert client.session["_auth_user_id"] == str(camille.pk)


def test_declining_the_link_links_nothing(client, fc):
    fc.identity["email"] = "camille.martin@example.org"
    _location, params = _go_to_franceconnect(client)
    _come_back(client, fc, params)
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


def test_franceconnect_is_off_unless_configured(client, demo):
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
