"""Client authentication at the token and revocation endpoints (issue #14, point 12).

RFC 6749 §2.3.1: with ``client_secret_basic`` the client id and secret are form-urlencoded
before the Basic encoding, and the server MUST decode them. A certified client library
(oauth4webapi, under openid-client) encodes every character but letters and digits, so
``demo-famille`` arrives as ``demo%2Dfamille``.
"""

import base64

import pytest
import requests
from allauth.idp.oidc.models import Client, Token
from django.core.management import call_command

from guichet.accounts.models import User
from guichet.identity.client_secrets import client_secret_set
from guichet.identity.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from guichet.identity.services import token_hash, tokens_issue_by_operator
from tests.identity.conftest import TOKEN, USERINFO

REVOKE = "/identity/o/api/revoke"
TRICKY_ID = "portail.famille_2-test"
TRICKY_SECRET = "a+b%2Fc d:e~f(g)*h'i!j"  # noqa: S105 - a test secret


def form_urlencode(value: str) -> str:
    """application/x-www-form-urlencoded as oauth4webapi writes it for HTTP Basic: only
    letters and digits stay as they are, a space becomes ``+``."""
    encoded = []
    for char in value:
        if char.isascii() and char.isalnum():
            encoded.append(char)
        elif char == " ":
            encoded.append("+")
        else:
            encoded.append("".join(f"%{byte:02X}" for byte in char.encode()))
    return "".join(encoded)


def _basic(client_id: str, secret: str, *, encode: bool) -> str:
    if encode:
        client_id, secret = form_urlencode(client_id), form_urlencode(secret)
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_form_urlencode_matches_the_certified_library():
    assert form_urlencode("demo-famille") == "demo%2Dfamille"
    assert form_urlencode("a b+c") == "a+b%2Bc"


@pytest.fixture
def citizen(citizen, demo_client_id):
    """The citizen, once the partner service is registered."""
    return citizen


@pytest.fixture
def tricky_client(demo_client_id):
    """A partner whose id holds ``.``, ``_`` and ``-`` and whose secret needs encoding."""
    client = Client(pk=TRICKY_ID, name="Portail famille (test)", type=Client.Type.CONFIDENTIAL)
    client.set_scopes(["openid", "email"])
    client.set_grant_types(["authorization_code", "refresh_token"])
    client.set_response_types(["code"])
    client.set_redirect_uris(["https://famille.example.org/callback"])
    client_secret_set(client, TRICKY_SECRET)
    client.save()
    return client


def _refresh(client, user, oidc_client, authorization: str):
    refresh = tokens_issue_by_operator(client=oidc_client, user=user, scopes=["openid"])[0][
        "refresh_token"
    ]
    return client.post(
        TOKEN,
        {"grant_type": "refresh_token", "refresh_token": refresh},
        HTTP_AUTHORIZATION=authorization,
    )


@pytest.mark.parametrize("encode", [True, False], ids=["rfc-encoded", "as-sent"])
@pytest.mark.parametrize(
    ("client_id", "secret"),
    [(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), (TRICKY_ID, TRICKY_SECRET)],
    ids=["demo-famille", "tricky"],
)
def test_client_secret_basic_accepts_form_urlencoded_credentials(
    client, citizen, tricky_client, client_id, secret, encode
):
    oidc_client = Client.objects.get(pk=client_id)
    response = _refresh(client, citizen, oidc_client, _basic(client_id, secret, encode=encode))
    assert response.status_code == 200, response.content
    assert response.json()["access_token"]


def test_the_demo_client_encoded_by_a_certified_library_gets_its_tokens(client, citizen):
    basic = "Basic " + base64.b64encode(b"demo%2Dfamille:demo%2Dfamille%2Dsecret").decode()
    response = _refresh(client, citizen, Client.objects.get(pk=DEMO_CLIENT_ID), basic)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "credentials",
    [
        (DEMO_CLIENT_ID, "wrong"),
        (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET + "+"),  # "+" decodes to a space: still wrong
        (DEMO_CLIENT_ID + "%20", DEMO_CLIENT_SECRET),
        (TRICKY_ID, TRICKY_SECRET.replace("+", " ")),
    ],
)
def test_a_wrong_secret_stays_refused_encoded_or_not(client, citizen, tricky_client, credentials):
    refresh = tokens_issue_by_operator(
        client=Client.objects.get(pk=DEMO_CLIENT_ID), user=citizen, scopes=["openid"]
    )[0]["refresh_token"]
    for encode in (True, False):
        response = client.post(
            TOKEN,
            {"grant_type": "refresh_token", "refresh_token": refresh},
            HTTP_AUTHORIZATION=_basic(*credentials, encode=encode),
        )
        assert response.status_code == 401, response.content
        assert response.json()["error"] == "invalid_client"
    # the refresh token was not used up
    assert Token.objects.filter(hash=token_hash(refresh)).exists()


@pytest.mark.parametrize("encode", [True, False], ids=["rfc-encoded", "as-sent"])
def test_a_confidential_client_revokes_its_token(client, citizen, tricky_client, encode):
    """RFC 7009 revocation authenticates the client as the token endpoint does."""
    access = tokens_issue_by_operator(client=tricky_client, user=citizen, scopes=["openid"])[0][
        "access_token"
    ]
    assert client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    response = client.post(
        REVOKE,
        {"token": access, "token_type_hint": "access_token"},
        HTTP_AUTHORIZATION=_basic(TRICKY_ID, TRICKY_SECRET, encode=encode),
    )
    assert response.status_code == 200, response.content
    assert client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


def test_revocation_with_a_wrong_secret_revokes_nothing(client, citizen, tricky_client):
    access = tokens_issue_by_operator(client=tricky_client, user=citizen, scopes=["openid"])[0][
        "access_token"
    ]
    response = client.post(
        REVOKE,
        {"token": access},
        HTTP_AUTHORIZATION=_basic(TRICKY_ID, "wrong", encode=True),
    )
    assert response.status_code == 401
    assert client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_authlib_authenticates_a_client_whose_secret_needs_encoding(citizen, live_server):
    """Authlib (an independent client) sends the id and secret without encoding them."""
    from authlib.integrations.requests_client import OAuth2Session

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = Client(pk=TRICKY_ID, name="Portail famille (test)", type=Client.Type.CONFIDENTIAL)
    client.set_scopes(["openid", "email"])
    client.set_grant_types(["authorization_code", "refresh_token"])
    client_secret_set(client, TRICKY_SECRET)
    client.save()
    citizen = User.objects.get(email=citizen.email)
    refresh = tokens_issue_by_operator(client=client, user=citizen, scopes=["openid"])[0][
        "refresh_token"
    ]
    config = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    rp = OAuth2Session(TRICKY_ID, TRICKY_SECRET, token_endpoint_auth_method="client_secret_basic")
    token = rp.refresh_token(config["token_endpoint"], refresh_token=refresh)
    assert token["access_token"] and token["refresh_token"] != refresh
