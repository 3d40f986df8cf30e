"""Rate limit of the token endpoint (issue #14, point 10): failed requests per IP and per
client, with allauth's rate limiter; 429 with an OAuth error once reached."""

import pytest
from allauth.idp.oidc.models import Client, Token

from guichet.accounts.models import User
from guichet.identity.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from guichet.identity.services import token_hash, tokens_issue_by_operator
from tests.identity.conftest import TOKEN


@pytest.fixture
def limits(settings):
    settings.IDP_OIDC_RATE_LIMITS = {"token_failed": "3/m/ip,5/m/key"}


@pytest.fixture
def refresh_token(citizen, demo_client_id):
    citizen = User.objects.get(email=citizen.email)
    client = Client.objects.get(pk=DEMO_CLIENT_ID)
    return tokens_issue_by_operator(client=client, user=citizen, scopes=["openid"])[0][
        "refresh_token"
    ]


def _refresh(client, token, *, secret=DEMO_CLIENT_SECRET, ip="192.0.2.1"):
    return client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": secret,
        },
        REMOTE_ADDR=ip,
    )


def _assert_limited(response):
    assert response.status_code == 429, response.content
    assert response.json()["error"] == "temporarily_unavailable"
    assert int(response["Retry-After"]) == 60
    assert response["Cache-Control"] == "no-store"


def test_failed_requests_from_an_ip_are_limited(client, limits, refresh_token):
    for _ in range(3):
        assert _refresh(client, refresh_token, secret="guess").status_code == 401
    # Even the right secret waits now, and the refresh token is not used up.
    _assert_limited(_refresh(client, refresh_token))
    assert Token.objects.filter(hash=token_hash(refresh_token)).exists()
    # Another IP is not held back by this one's failures.
    assert _refresh(client, refresh_token, ip="192.0.2.2").status_code == 200


def test_failed_requests_for_a_client_are_limited_across_ips(client, limits, refresh_token):
    for n in range(5):
        response = _refresh(client, "not-a-token", ip=f"198.51.100.{n}")
        assert response.status_code == 400
    _assert_limited(_refresh(client, refresh_token, ip="198.51.100.99"))
    assert Token.objects.filter(hash=token_hash(refresh_token)).exists()


def test_successful_requests_do_not_count(client, limits, refresh_token):
    token = refresh_token
    for _ in range(6):
        response = _refresh(client, token)
        assert response.status_code == 200, response.content
        token = response.json()["refresh_token"]


def test_the_limit_is_on_by_default(client, demo_client_id):
    from guichet.identity.ratelimits import _config

    assert _config()["token_failed"] == "30/m/ip,60/m/key"
