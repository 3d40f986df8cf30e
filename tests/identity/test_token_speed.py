"""What keeps the token endpoint and userinfo fast: keyed-hash client secrets (old password
hashes still accepted, then upgraded), a bounded number of queries, no session write."""

import json
from io import StringIO

import pytest
from allauth.idp.oidc.models import Client
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.identity.client_secrets import (
    client_secret_hash,
    client_secret_matches,
    client_secret_set,
)
from tests.identity.conftest import DEMO_CLIENT_SECRET

TOKEN = "/identity/o/api/token"
USERINFO = "/identity/o/api/userinfo"


def _issue(email, count=1, client="demo-famille"):
    out = StringIO()
    call_command(
        "oidc_issue_tokens",
        client=client,
        email=email,
        scope="openid email profile",  # a partner's sign-in scopes
        count=count,
        stdout=out,
    )
    return json.loads(out.getvalue())


def _refresh(client, refresh_token, secret=DEMO_CLIENT_SECRET):
    return client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "demo-famille",
            "client_secret": secret,
        },
    )


def test_secret_is_stored_as_a_keyed_hash(demo_client_id):
    client = Client.objects.get(pk="demo-famille")
    assert client.secret.startswith("hmac_sha256$")
    assert DEMO_CLIENT_SECRET not in client.secret
    assert client_secret_matches(client, DEMO_CLIENT_SECRET)
    assert not client_secret_matches(client, DEMO_CLIENT_SECRET + "x")
    assert not client_secret_matches(client, "")


def test_the_key_is_not_in_the_database(demo_client_id, settings):
    """Same secret, another server key: no match (a leaked table alone is not enough)."""
    client = Client.objects.get(pk="demo-famille")
    settings.SECRET_KEY = "another-key-" + "x" * 50
    assert not client_secret_matches(client, DEMO_CLIENT_SECRET)


def test_secret_of_a_previous_key_still_works_and_is_upgraded(demo_client_id, settings):
    client = Client.objects.get(pk="demo-famille")
    old = client.secret
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-key-" + "y" * 50
    assert client_secret_matches(client, DEMO_CLIENT_SECRET)
    client.refresh_from_db()
    assert client.secret != old
    assert client.secret == client_secret_hash(DEMO_CLIENT_SECRET)


@pytest.mark.parametrize(
    "hasher",
    [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ],
)
def test_password_hashed_secret_works_once_then_is_rehashed(
    citizen, client, demo_client_id, settings, hasher
):
    """Secrets stored by allauth before (password hashers) keep working; the first successful
    use stores them as a keyed hash, so the slow check happens once."""
    settings.PASSWORD_HASHERS = [hasher]
    Client.objects.filter(pk="demo-famille").update(secret=make_password(DEMO_CLIENT_SECRET))
    tokens = _issue(citizen.email)
    wrong = _refresh(client, tokens[0]["refresh_token"], secret="not-the-secret")
    assert wrong.status_code == 401
    assert not Client.objects.get(pk="demo-famille").secret.startswith("hmac_sha256$")

    assert _refresh(client, tokens[0]["refresh_token"]).status_code == 200
    stored = Client.objects.get(pk="demo-famille").secret
    assert stored == client_secret_hash(DEMO_CLIENT_SECRET)


def test_client_secret_set_never_keeps_the_clear_value(demo_client_id):
    client = Client(pk="x", name="x")
    client_secret_set(client, "s3cr3t-value")
    assert "s3cr3t-value" not in client.secret
    assert client_secret_matches(client, "s3cr3t-value")


def test_userinfo_reads_everything_in_one_query(citizen, client, demo_client_id):
    tokens = _issue(citizen.email)
    bearer = f"Bearer {tokens[0]['access_token']}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(USERINFO, HTTP_AUTHORIZATION=bearer)
    assert response.status_code == 200
    assert response.json()["email"] == citizen.email
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "Set-Cookie" not in response.headers  # no session for a bearer call


def test_refresh_is_a_handful_of_queries_and_no_session(citizen, client, demo_client_id):
    tokens = _issue(citizen.email)
    with CaptureQueriesContext(connection) as queries:
        response = _refresh(client, tokens[0]["refresh_token"])
    assert response.status_code == 200
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # Lock the token (with its client, user, consent, profile), read the family's expiry,
    # delete the old refresh token, insert the new pair, retire the old value.
    assert len(statements) <= 5, statements
    assert not any("django_session" in sql for sql in statements)
    assert not any("argon2" in sql.lower() for sql in statements)
    assert "Set-Cookie" not in response.headers


def test_id_token_of_a_refresh_carries_the_consented_claims(citizen, client, demo_client_id):
    import jwt

    tokens = _issue(citizen.email)
    body = _refresh(client, tokens[0]["refresh_token"]).json()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["email"] == citizen.email
    assert claims["aud"] == "demo-famille"
    assert claims["given_name"] == citizen.first_name


def test_signing_key_is_parsed_once(citizen, client, demo_client_id):
    from allauth.core.internal import jwkkit

    tokens = _issue(citizen.email, count=2)
    _refresh(client, tokens[0]["refresh_token"])
    before = jwkkit.load_jwk_from_pem.cache_info().misses
    _refresh(client, tokens[1]["refresh_token"])
    assert jwkkit.load_jwk_from_pem.cache_info().misses == before
