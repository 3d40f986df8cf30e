"""What a certification-style client checks, item by item, from the specifications:
OpenID Connect Discovery 1.0, Core 1.0 (§3.1.2.6 authorization errors, §3.1.3.4 token errors,
§5.3 userinfo, prompt / max_age / auth_time, §5.1.1 address), RFC 6749 §5.2, RFC 6750 §3,
RP-Initiated Logout 1.0."""

import time
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
from allauth.idp.oidc.models import Token

from guichet.accounts.models import Profile
from guichet.identity.demo import DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI
from tests.conftest import login_with_second_factor
from tests.identity.conftest import AUTHORIZE, TOKEN, USERINFO, hidden_inputs, pkce_pair

DISCOVERY = "/.well-known/openid-configuration"

# The partner service (confidential client) with the demo's identifiers, and a citizen
# (``citizen``, ``citizen_client``) built by the factories.
pytestmark = pytest.mark.usefixtures("demo_client_id")


def _params(challenge, **overrides):
    params = {
        "response_type": "code",
        "client_id": "demo-famille",
        "redirect_uri": DEMO_REDIRECT_URI,
        "scope": "openid email profile",
        "state": "etat-42",
        "nonce": "n-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def _redirect_query(response) -> dict:
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(DEMO_REDIRECT_URI), location
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def _code(client, challenge, **overrides):
    page = client.get(AUTHORIZE, _params(challenge, **overrides))
    if page.status_code == 200:
        fields = hidden_inputs(page.content.decode())
        page = client.post(
            AUTHORIZE,
            {
                "request": fields["request"],
                "scopes": ["openid", "email", "profile"],
                "action": "grant",
            },
        )
    return _redirect_query(page)["code"]


def _exchange(client, code, verifier):
    return client.post(
        TOKEN,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": DEMO_REDIRECT_URI,
            "client_id": "demo-famille",
            "client_secret": DEMO_CLIENT_SECRET,
            "code_verifier": verifier,
        },
    )


def _id_token(body) -> dict:
    return jwt.decode(body["id_token"], options={"verify_signature": False})


# --- Discovery ---------------------------------------------------------------------------------


def test_discovery_document(client):
    config = client.get(DISCOVERY).json()
    # Discovery §4.3: the issuer is exactly the URL the document was fetched under.
    assert config["issuer"] == "http://testserver"
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
        assert config[endpoint].startswith(config["issuer"] + "/identity/o/")
    assert config["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert config["end_session_endpoint"] == "http://testserver/identity/o/logout"
    assert config["response_types_supported"] == ["code"]
    assert config["response_modes_supported"] == ["query"]
    assert config["subject_types_supported"] == ["public"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert set(config["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",  # public clients, with PKCE
    }
    assert set(config["scopes_supported"]) == {
        "openid",
        "email",
        "profile",
        "address",
        "phone",
        "commune",
        # The platform's API scopes (docs/security/tokens.md).
        "cases:read",
        "cases:write",
        "agent",
    }
    standard = "sub email email_verified given_name family_name name birthdate address"
    ours = "phone_number phone_number_verified commune_insee auth_time amr"
    assert set(f"{standard} {ours}".split()) <= set(config["claims_supported"])
    # Defaults that would be wrong for us if left out (Discovery §3).
    assert config["request_uri_parameter_supported"] is False
    assert config["request_parameter_supported"] is False
    assert config["claims_parameter_supported"] is False
    assert set(config["prompt_values_supported"]) == {"none", "login", "consent"}
    assert "device_authorization_endpoint" not in config


# --- Authorization endpoint errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"scope": "openid phone"}, "invalid_scope"),  # not allowed for this client
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),  # none cannot be combined
        ({"max_age": "soon"}, "invalid_request"),
    ],
)
def test_authorization_errors_go_back_to_the_client_with_state(citizen_client, overrides, error):
    _verifier, challenge = pkce_pair()
    query = _redirect_query(citizen_client.get(AUTHORIZE, _params(challenge, **overrides)))
    assert query["error"] == error
    assert query["state"] == "etat-42"
    assert "code" not in query


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://evil.example.com/cb"},
        {"redirect_uri": None},
        {"client_id": "unknown-client"},
        {"client_id": None},
    ],
)
def test_bad_redirect_uri_or_client_is_never_redirected(citizen_client, overrides):
    _verifier, challenge = pkce_pair()
    response = citizen_client.get(AUTHORIZE, _params(challenge, **overrides, response_type="token"))
    assert response.status_code != 302
    assert "evil.example.com" not in response.get("Location", "")


def test_prompt_none_without_a_session_is_login_required(client):
    _verifier, challenge = pkce_pair()
    query = _redirect_query(client.get(AUTHORIZE, _params(challenge, prompt="none")))
    assert query["error"] == "login_required"
    assert query["state"] == "etat-42"


def test_prompt_none_without_consent_is_consent_required(citizen_client):
    _verifier, challenge = pkce_pair()
    query = _redirect_query(citizen_client.get(AUTHORIZE, _params(challenge, prompt="none")))
    assert query["error"] == "consent_required"
    assert query["state"] == "etat-42"


def test_prompt_none_with_consent_returns_a_code(citizen_client):
    verifier, challenge = pkce_pair()
    _exchange(citizen_client, _code(citizen_client, challenge), verifier)  # consents
    verifier, challenge = pkce_pair()
    query = _redirect_query(citizen_client.get(AUTHORIZE, _params(challenge, prompt="none")))
    assert "code" in query and query["state"] == "etat-42"
    assert _exchange(citizen_client, query["code"], verifier).status_code == 200


def test_prompt_consent_shows_the_screen_again(citizen_client):
    verifier, challenge = pkce_pair()
    _exchange(citizen_client, _code(citizen_client, challenge), verifier)
    _verifier, challenge = pkce_pair()
    page = citizen_client.get(AUTHORIZE, _params(challenge, prompt="consent"))
    assert page.status_code == 200 and 'name="request"' in page.content.decode()


def test_prompt_login_asks_to_sign_in_again(citizen_client):
    _verifier, challenge = pkce_pair()
    response = citizen_client.get(AUTHORIZE, _params(challenge, prompt="login"))
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/reauthenticate/")


# --- max_age and auth_time -------------------------------------------------------------------------


def test_id_token_carries_auth_time_and_max_age_is_honoured(client, citizen):
    login_with_second_factor(client, citizen)
    verifier, challenge = pkce_pair()
    body = _exchange(client, _code(client, challenge, max_age="600"), verifier).json()
    claims = _id_token(body)
    assert abs(claims["auth_time"] - time.time()) < 60
    assert claims["nonce"] == "n-42"
    assert "mfa" in claims["amr"]

    # A sign-in older than max_age: the user is asked to authenticate again.
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] = time.time() - 3600
    session.save()
    _verifier, challenge = pkce_pair()
    stale = client.get(AUTHORIZE, _params(challenge, max_age="600"))
    assert stale.status_code == 302
    assert stale["Location"].startswith("/comptes/reauthenticate/")
    # ... and never loops: the address it comes back to has no max_age any more.
    assert "max_age" not in parse_qs(urlparse(stale["Location"]).query)["next"][0]

    # With prompt=none, a stale sign-in is an error for the client, not a login page.
    query = _redirect_query(
        client.get(AUTHORIZE, _params(pkce_pair()[1], max_age="600", prompt="none"))
    )
    assert query["error"] == "login_required"


# --- Token endpoint errors --------------------------------------------------------------------------


def _token_error(response, status, error):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == error
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (
            {"grant_type": "password", "username": "x", "password": "y"},
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "nope"}, 400, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, 400, "invalid_grant"),
        (
            {"grant_type": "refresh_token", "refresh_token": "x", "client_secret": "bad"},
            401,
            "invalid_client",
        ),
    ],
)
def test_token_endpoint_errors(client, data, status, error):
    form = {"client_id": "demo-famille", "client_secret": DEMO_CLIENT_SECRET, **data}
    _token_error(client.post(TOKEN, form), status, error)


def test_invalid_client_with_basic_auth_gets_a_basic_challenge(client):
    import base64

    basic = base64.b64encode(b"demo-famille:wrong").decode()
    response = client.post(
        TOKEN,
        {"grant_type": "refresh_token", "refresh_token": "x"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    _token_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic")


def test_successful_token_response_is_not_cached(citizen_client):
    verifier, challenge = pkce_pair()
    response = _exchange(citizen_client, _code(citizen_client, challenge), verifier)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json()["token_type"] == "Bearer"


# --- userinfo ---------------------------------------------------------------------------------------


def _access_token(client):
    verifier, challenge = pkce_pair()
    return _exchange(client, _code(client, challenge), verifier).json()["access_token"]


def test_userinfo_get_and_post(citizen_client):
    token = _access_token(citizen_client)
    got = citizen_client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token}")
    posted = citizen_client.post(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token}")
    in_body = citizen_client.post(USERINFO, {"access_token": token})  # RFC 6750 §2.2
    assert got.status_code == posted.status_code == in_body.status_code == 200
    assert got.json() == posted.json() == in_body.json()
    assert got["Content-Type"] == "application/json"


def test_userinfo_refuses_a_token_in_the_query_string(citizen_client):
    token = _access_token(citizen_client)
    assert citizen_client.get(USERINFO, {"access_token": token}).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic Zm9vOmJhcg=="])
def test_userinfo_401_has_a_bearer_challenge(client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(USERINFO, **kwargs)
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    if header == "Bearer not-a-token":
        assert 'error="invalid_token"' in challenge
    if header is None:
        assert "error=" not in challenge  # RFC 6750 §3.1: no error without credentials


def test_userinfo_without_the_openid_scope_is_403_insufficient_scope(client, citizen):
    token = Token(type=Token.Type.ACCESS_TOKEN, user=citizen, client_id="demo-famille")
    token.set_value("no-openid-scope")
    token.set_scopes(["email"])
    token.save()
    response = client.get(USERINFO, HTTP_AUTHORIZATION="Bearer no-openid-scope")
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


def test_address_claim_is_a_json_object(client, citizen, rich_client):
    Profile.objects.update_or_create(
        user=citizen,
        defaults={
            "address_line1": "12 rue de la Paix",
            "postal_code": "69600",
            "city": "Oullins",
        },
    )
    from guichet.identity.services import tokens_issue_by_operator

    issued = tokens_issue_by_operator(
        client=rich_client, user=citizen, scopes=["openid", "address"]
    )
    info = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {issued[0]['access_token']}").json()
    assert info["address"] == {
        "formatted": "12 rue de la Paix\n69600 Oullins",
        "street_address": "12 rue de la Paix",
        "postal_code": "69600",
        "locality": "Oullins",
        "country": "France",
    }


# --- RP-initiated logout ----------------------------------------------------------------------------


def test_rp_initiated_logout(citizen_client, citizen):
    verifier, challenge = pkce_pair()
    body = _exchange(citizen_client, _code(citizen_client, challenge), verifier).json()
    response = citizen_client.get(
        "/identity/o/logout?"
        + urlencode(
            {
                "id_token_hint": body["id_token"],
                "post_logout_redirect_uri": "http://127.0.0.1:8765/bye",
                "state": "au-revoir",
            }
        )
    )
    assert response.status_code == 302
    assert response["Location"] == "http://127.0.0.1:8765/bye?state=au-revoir"
    assert "_auth_user_id" not in citizen_client.session
    assert not Token.objects.filter(user=citizen, client_id="demo-famille").exists()


def test_logout_to_an_unregistered_address_is_not_redirected(citizen_client):
    verifier, challenge = pkce_pair()
    body = _exchange(citizen_client, _code(citizen_client, challenge), verifier).json()
    response = citizen_client.get(
        "/identity/o/logout",
        {"id_token_hint": body["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code != 302
