"""The whole authorization-code + PKCE flow over HTTP against a live server, driven by an
independent OIDC client (Authlib) and checked with an independent JOSE library (joserfc)."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from guichet.identity.demo import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_POST_LOGOUT_URI,
    DEMO_REDIRECT_URI,
)
from tests.factories import PASSWORD
from tests.identity.conftest import hidden_inputs

pytestmark = pytest.mark.django_db(transaction=True)


def _login(browser: requests.Session, base: str, email: str) -> None:
    page = browser.get(f"{base}/comptes/login/")
    assert page.status_code == 200
    fields = hidden_inputs(page.text)
    response = browser.post(
        f"{base}/comptes/login/",
        data={**fields, "login": email, "password": PASSWORD},
        headers={"Referer": f"{base}/comptes/login/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:2000]


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _partner_and_person():
    """The partner service with the demo's identifiers, and a person with an account."""
    from tests.factories.accounts import CitizenFactory
    from tests.factories.identity import partner_client

    partner_client(
        DEMO_CLIENT_ID,
        secret=DEMO_CLIENT_SECRET,
        redirect_uri=DEMO_REDIRECT_URI,
        post_logout_uri=DEMO_POST_LOGOUT_URI,
    )
    return CitizenFactory(first_name="Sam", last_name="Durand", email="sam.durand@example.org")


def test_authorization_code_flow_with_pkce_over_http(live_server):
    person = _partner_and_person()
    base = live_server.url
    config = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    assert config["issuer"] == base
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "email", "profile", "address", "phone", "commune"} <= set(
        config["scopes_supported"]
    )
    assert config["response_types_supported"] == ["code"]
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())

    browser = requests.Session()
    _login(browser, base, person.email)

    rp = OAuth2Session(
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        scope="openid email profile",
        redirect_uri=DEMO_REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_hex(16)
    url, state = rp.create_authorization_url(
        config["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )

    # Consent screen: it lists what the service will receive.
    consent = browser.get(url, allow_redirects=False)
    assert consent.status_code == 200
    assert "votre adresse e-mail" in consent.text
    assert "votre prénom" in consent.text
    fields = hidden_inputs(consent.text)
    granted = browser.post(
        config["authorization_endpoint"],
        data={
            "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
            "request": fields["request"],
            "scopes": ["openid", "email", "profile"],
            "action": "grant",
        },
        headers={"Referer": url},
        allow_redirects=False,
    )
    assert granted.status_code == 302, granted.text[:2000]
    callback = granted.headers["Location"]
    assert callback.startswith(DEMO_REDIRECT_URI)
    assert parse_qs(urlparse(callback).query)["state"] == [state]
    code = parse_qs(urlparse(callback).query)["code"][0]

    token = rp.fetch_token(
        config["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] <= 900
    assert token["refresh_token"]

    # ID token: signature against the published JWKS, issuer, audience, nonce, at_hash.
    id_token = jwt.decode(token["id_token"], keys)
    assert id_token.header["alg"] == "RS256"
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": base},
        aud={"essential": True, "value": DEMO_CLIENT_ID},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(id_token.claims)
    assert id_token.claims["at_hash"] == _at_hash(token["access_token"])
    assert id_token.claims["exp"] - id_token.claims["iat"] <= 600
    assert id_token.claims["sub"] == str(person.uuid)

    # Userinfo: what was consented, nothing more.
    userinfo = rp.get(config["userinfo_endpoint"]).json()
    assert userinfo == {
        "sub": str(person.uuid),
        "email": "sam.durand@example.org",
        "email_verified": True,
        "given_name": "Sam",
        "family_name": "Durand",
        "name": "Sam Durand",
    }

    # Refresh rotates the refresh token; the old one is dead.
    first_refresh = token["refresh_token"]
    refreshed = rp.refresh_token(config["token_endpoint"], refresh_token=first_refresh)
    assert refreshed["refresh_token"] != first_refresh
    assert refreshed["access_token"] != token["access_token"]
    assert rp.get(config["userinfo_endpoint"]).json()["sub"] == str(person.uuid)

    # The code cannot be exchanged twice.
    replay = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": DEMO_REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        timeout=10,
    )
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # ... and a replayed code revokes the tokens it produced (RFC 6749 §4.1.2).
    assert rp.get(config["userinfo_endpoint"]).status_code == 401

    # RP-initiated logout, back to the registered post-logout URI with the state.
    bye = browser.get(
        config["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": DEMO_POST_LOGOUT_URI,
            "state": "au-revoir",
        },
        allow_redirects=False,
    )
    assert bye.status_code == 302
    assert bye.headers["Location"] == f"{DEMO_POST_LOGOUT_URI}?state=au-revoir"
    after = browser.get(f"{base}/comptes/profil/", allow_redirects=False)
    assert after.status_code == 302
    assert "/comptes/login/" in after.headers["Location"]


def test_an_independent_client_reads_our_errors(live_server):
    """With Authlib as the client: an authorization error comes back to the redirect URI with
    Authlib's state (prompt=none without a session); Authlib reads the token endpoint's error
    (bad client secret); userinfo answers an anonymous call with a Bearer challenge."""
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.oauth2.rfc6749.errors import OAuth2Error

    _partner_and_person()
    base = live_server.url
    config = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    rp = OAuth2Session(
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        scope="openid email",
        redirect_uri=DEMO_REDIRECT_URI,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = rp.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, prompt="none"
    )
    answer = requests.get(url, allow_redirects=False, timeout=10)  # no session
    assert answer.status_code == 302
    callback = answer.headers["Location"]
    assert callback.startswith(DEMO_REDIRECT_URI)
    # (Authlib's client does not read errors from the redirect itself: the query does.)
    query = {k: v[0] for k, v in parse_qs(urlparse(callback).query).items()}
    assert (query["error"], query["state"]) == ("login_required", state)
    assert "code" not in query

    wrong = OAuth2Session(DEMO_CLIENT_ID, "not-the-secret", redirect_uri=DEMO_REDIRECT_URI)
    with pytest.raises((OAuthError, OAuth2Error)) as refused:
        wrong.refresh_token(config["token_endpoint"], refresh_token="whatever")
    assert refused.value.error == "invalid_client"

    anonymous = requests.get(config["userinfo_endpoint"], timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
