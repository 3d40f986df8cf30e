"""The agents' JSON API asks what the back-office asks: a sign-in with a second factor."""

import json
from urllib.parse import parse_qs, urlparse

import pytest

from guichet.identity.demo import FIRST_PARTY_CLIENT_ID, FIRST_PARTY_REDIRECT_URI
from tests.conftest import give_second_factor, login_with_second_factor, totp_code
from tests.factories import api_access_token
from tests.identity.conftest import pkce_pair

API = "/api/v1/cases"
LOGIN = "/comptes/login/"


@pytest.fixture
def agent(place):
    """An agent of the commune's front desk; the platform's app is registered."""
    from tests.factories.identity import first_party_app

    first_party_app(FIRST_PARTY_CLIENT_ID)
    return place.agent


@pytest.fixture
def commune_case(place):
    """An open case of the commune's front desk (the agent's team), filed by its citizen."""
    from tests.factories.cases import filed_case

    case = filed_case(
        definition=place.services["contact"], requester=place.citizen, commune=place.commune
    )
    assert case.team.organisation == place.commune and not case.is_closed
    return case


def _agent_doors(case):
    return [
        ("get", f"{API}/queue?queue=all"),
        ("get", f"{API}/agent/{case.reference}"),
        ("post", f"{API}/agent/{case.reference}/transitions"),
    ]


def _call(client, method, url, **headers):
    if method == "post":
        return client.post(
            url, json.dumps({"transition": "take"}), content_type="application/json", **headers
        )
    return client.get(url, **headers)


def _assert_refused(response):
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "second_factor_required"
    assert "double authentification" in body["message"]


@pytest.mark.parametrize("has_factor", [False, True])
def test_agent_session_without_a_second_factor_is_refused(client, agent, commune_case, has_factor):
    """Even with a factor set up: this session's sign-in did not pass it (force_login)."""
    if has_factor:
        give_second_factor(agent)
    client.force_login(agent)
    status, events = commune_case.status, commune_case.events.count()
    for method, url in _agent_doors(commune_case):
        _assert_refused(_call(client, method, url))
    commune_case.refresh_from_db()
    assert (commune_case.status, commune_case.events.count()) == (status, events)


def test_agent_session_that_passed_a_second_factor_works(client, agent, commune_case):
    login_with_second_factor(client, agent)
    queue = client.get(f"{API}/queue?queue=all&limit=100")
    assert queue.status_code == 200
    assert commune_case.reference in [c["reference"] for c in queue.json()["results"]]


def test_real_login_with_password_and_totp_opens_the_api(client, agent, password):
    give_second_factor(agent)
    client.post(LOGIN, {"login": agent.email, "password": password})
    client.post("/comptes/2fa/authenticate/", {"code": totp_code(agent)})
    assert client.get(f"{API}/queue").status_code == 200


def test_agent_of_another_commune_still_gets_404_with_mfa(client, place, commune_case):
    """Tenancy is unchanged: MFA opens the door, not other communes' cases."""
    login_with_second_factor(client, place.other_agent)
    assert client.get(f"{API}/agent/{commune_case.reference}").status_code == 404


def test_citizens_are_not_asked_for_a_second_factor(client, place):
    client.force_login(place.citizen)
    assert client.get(f"{API}/mine").status_code == 200
    response = client.get(f"{API}/queue")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def _bearer(user, *, amr):
    return api_access_token(
        user,
        f"access-{user.pk}-{'-'.join(amr) or 'none'}",
        scopes=["openid", "agent"],
        data={"auth": {"amr": amr, "auth_time": 1}},
    )


@pytest.mark.parametrize("amr", [[], ["pwd"]])
def test_agent_token_without_a_second_factor_is_refused(client, agent, commune_case, amr):
    give_second_factor(agent)
    bearer = _bearer(agent, amr=amr)
    for method, url in _agent_doors(commune_case):
        _assert_refused(_call(client, method, url, HTTP_AUTHORIZATION=bearer))


def test_agent_token_from_a_sign_in_with_a_second_factor_works(client, agent, commune_case):
    bearer = _bearer(agent, amr=["mfa", "otp", "pwd"])
    response = client.get(f"{API}/agent/{commune_case.reference}", HTTP_AUTHORIZATION=bearer)
    assert response.status_code == 200


def _oidc_access_token(client):
    """Tokens of the platform's app (a public client: PKCE, no secret) with the agent scope."""
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": FIRST_PARTY_CLIENT_ID,
        "redirect_uri": FIRST_PARTY_REDIRECT_URI,
        "scope": "openid agent",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    from tests.identity.conftest import hidden_inputs

    page = client.get("/identity/o/authorize", params)
    if page.status_code == 200:
        fields = hidden_inputs(page.content.decode())
        page = client.post(
            "/identity/o/authorize",
            {"request": fields["request"], "scopes": ["openid", "agent"], "action": "grant"},
        )
    code = parse_qs(urlparse(page["Location"]).query)["code"][0]
    tokens = client.post(
        "/identity/o/api/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": FIRST_PARTY_REDIRECT_URI,
            "client_id": FIRST_PARTY_CLIENT_ID,
            "code_verifier": verifier,
        },
    ).json()
    return tokens


@pytest.mark.parametrize("with_mfa", [False, True])
def test_tokens_remember_whether_the_sign_in_passed_a_second_factor(
    client, agent, commune_case, with_mfa
):
    """The code carries how the agent signed in; its tokens, and the rotated ones, too."""
    import jwt

    if with_mfa:
        login_with_second_factor(client, agent)
    else:
        client.force_login(agent)
    tokens = _oidc_access_token(client)
    id_token = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert ("mfa" in id_token.get("amr", [])) is with_mfa
    assert id_token["auth_time"] > 0
    refreshed = client.post(
        "/identity/o/api/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": FIRST_PARTY_CLIENT_ID,
        },
    ).json()
    api = client.__class__()  # no session: the bearer token alone
    response = api.get(f"{API}/queue", HTTP_AUTHORIZATION=f"Bearer {refreshed['access_token']}")
    if with_mfa:
        assert response.status_code == 200
    else:
        _assert_refused(response)
