"""What the provider refuses, with a clear error and nothing granted."""

from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from allauth.idp.oidc.models import Token

from guichet.core.models import AuditEntry
from guichet.identity.demo import DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI
from guichet.identity.models import ClaimConsent
from tests.identity.conftest import AUTHORIZE, TOKEN, USERINFO, hidden_inputs, pkce_pair


def _authorize_params(client_id, redirect_uri, challenge=None, scope="openid email profile"):
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "etat-123",
        "nonce": "nonce-456",
    }
    if challenge is not None:
        params["code_challenge"] = challenge
        params["code_challenge_method"] = "S256"
    return params


def _consent_and_get_code(client, client_id, redirect_uri, challenge, scopes=None, **extra):
    page = client.get(AUTHORIZE, _authorize_params(client_id, redirect_uri, challenge, **extra))
    if page.status_code == 302:  # consent remembered
        location = page["Location"]
    else:
        assert page.status_code == 200, page.content[:500]
        fields = hidden_inputs(page.content.decode())
        response = client.post(
            AUTHORIZE,
            {
                "request": fields["request"],
                "scopes": scopes or ["openid", "email", "profile"],
                "action": "grant",
            },
        )
        assert response.status_code == 302
        location = response["Location"]
    assert location.startswith(redirect_uri)
    return parse_qs(urlparse(location).query)["code"][0]


def _exchange(client, code, verifier, client_id="demo-famille", secret=DEMO_CLIENT_SECRET):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": DEMO_REDIRECT_URI,
        "client_id": client_id,
        "client_secret": secret,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post(TOKEN, data)


def _refresh(client, refresh_token):
    return client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "demo-famille",
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )


def _tokens(citizen_client, demo_client_id):
    verifier, challenge = pkce_pair()
    code = _consent_and_get_code(citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge)
    response = _exchange(citizen_client, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def test_unknown_redirect_uri_is_refused_without_redirecting(citizen_client, demo_client_id):
    _verifier, challenge = pkce_pair()
    evil = "https://evil.example.com/callback"
    response = citizen_client.get(AUTHORIZE, _authorize_params(demo_client_id, evil, challenge))
    assert response.status_code != 302
    assert "evil.example.com" not in response.get("Location", "")
    assert "redirect" in response.content.decode().lower()
    assert not ClaimConsent.objects.exists()


def test_redirect_uri_must_match_exactly(citizen_client, demo_client_id):
    _verifier, challenge = pkce_pair()
    near = DEMO_REDIRECT_URI + "/../admin"
    response = citizen_client.get(AUTHORIZE, _authorize_params(demo_client_id, near, challenge))
    assert response.status_code != 302


@pytest.mark.parametrize("method", [None, "plain"])
def test_missing_or_plain_pkce_is_refused(citizen_client, demo_client_id, method):
    params = _authorize_params(demo_client_id, DEMO_REDIRECT_URI)
    if method:
        params.update(code_challenge="abc" * 15, code_challenge_method=method)
    response = citizen_client.get(AUTHORIZE, params)
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "PKCE" in query["error_description"][0]
    assert query["state"] == ["etat-123"]
    assert "code" not in query
    assert not ClaimConsent.objects.exists()


def test_wrong_verifier_is_refused(citizen_client, demo_client_id):
    _verifier, challenge = pkce_pair()
    code = _consent_and_get_code(citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge)
    other_verifier, _ = pkce_pair()
    response = _exchange(citizen_client, code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not Token.objects.exists()


def test_missing_verifier_is_refused(citizen_client, demo_client_id):
    _verifier, challenge = pkce_pair()
    code = _consent_and_get_code(citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge)
    response = _exchange(citizen_client, code, None)
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_wrong_client_secret_is_refused(citizen_client, demo_client_id):
    verifier, challenge = pkce_pair()
    code = _consent_and_get_code(citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge)
    response = _exchange(citizen_client, code, verifier, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not Token.objects.exists()


def test_refusing_consent_grants_nothing(citizen_client, demo_client_id):
    _verifier, challenge = pkce_pair()
    page = citizen_client.get(
        AUTHORIZE, _authorize_params(demo_client_id, DEMO_REDIRECT_URI, challenge)
    )
    fields = hidden_inputs(page.content.decode())
    response = citizen_client.post(
        AUTHORIZE, {"request": fields["request"], "scopes": ["openid"], "action": "cancel"}
    )
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert not ClaimConsent.objects.exists()


def test_consent_is_stored_per_claim_and_remembered(citizen_client, citizen, demo_client_id):
    verifier, challenge = pkce_pair()
    code = _consent_and_get_code(citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge)
    assert set(ClaimConsent.objects.filter(user=citizen).values_list("claim", flat=True)) == {
        "sub",
        "email",
        "given_name",
        "family_name",
        "birthdate",
    }
    assert _exchange(citizen_client, code, verifier).status_code == 200
    # Second visit: no consent screen, straight back to the service with a code.
    _v2, challenge2 = pkce_pair()
    again = citizen_client.get(
        AUTHORIZE, _authorize_params(demo_client_id, DEMO_REDIRECT_URI, challenge2)
    )
    assert again.status_code == 302
    assert "code=" in again["Location"]


def test_unticked_scope_is_neither_consented_nor_released(citizen_client, citizen, demo_client_id):
    verifier, challenge = pkce_pair()
    code = _consent_and_get_code(
        citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge, scopes=["openid", "email"]
    )
    token = _exchange(citizen_client, code, verifier).json()
    info = citizen_client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token['access_token']}").json()
    assert info["email"] == citizen.email
    assert "given_name" not in info and "family_name" not in info


def test_revoked_consent_kills_tokens_and_pending_codes(citizen_client, citizen, demo_client_id):
    token = _tokens(citizen_client, demo_client_id)
    verifier, challenge = pkce_pair()
    pending_code = _consent_and_get_code(
        citizen_client, demo_client_id, DEMO_REDIRECT_URI, challenge
    )

    page = citizen_client.get("/comptes/services-connectes/")
    assert "Portail Famille" in page.content.decode()
    assert "votre adresse e-mail" in page.content.decode()
    response = citizen_client.post(f"/comptes/services-connectes/{demo_client_id}/retirer/")
    assert response.status_code == 302

    assert not ClaimConsent.objects.filter(user=citizen).exists()
    assert AuditEntry.objects.filter(action="identity.consent_given", actor=citizen).exists()
    assert AuditEntry.objects.filter(action="identity.consent_revoked", actor=citizen).exists()
    userinfo = citizen_client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    assert userinfo.status_code == 401
    assert _refresh(citizen_client, token["refresh_token"]).json()["error"] == "invalid_grant"
    late = _exchange(citizen_client, pending_code, verifier)
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"
    assert not Token.objects.filter(user=citizen).exists()


def test_reused_refresh_token_revokes_the_whole_family(citizen_client, citizen, demo_client_id):
    token = _tokens(citizen_client, demo_client_id)
    rotated = _refresh(citizen_client, token["refresh_token"])
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != token["refresh_token"]

    replay = _refresh(citizen_client, token["refresh_token"])  # stolen old token
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The legitimate holder's new tokens are revoked too.
    assert _refresh(citizen_client, new["refresh_token"]).status_code == 400
    userinfo = citizen_client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {new['access_token']}")
    assert userinfo.status_code == 401
    assert AuditEntry.objects.filter(
        action="identity.token_family_revoked", data__reason="refresh_token_replay"
    ).exists()


def test_refresh_token_expiry_is_absolute(citizen_client, demo_client_id, settings):
    from datetime import timedelta

    from django.utils import timezone

    from guichet.identity.models import TokenFamily

    token = _tokens(citizen_client, demo_client_id)
    family = TokenFamily.objects.get()
    family.expires_at = timezone.now() + timedelta(minutes=5)
    family.save()
    new = _refresh(citizen_client, token["refresh_token"]).json()
    stored = Token.objects.get(type=Token.Type.REFRESH_TOKEN)
    assert stored.expires_at == family.expires_at  # rotation did not extend it
    family.expires_at = timezone.now() - timedelta(seconds=1)
    family.save()
    Token.objects.filter(pk=stored.pk).update(expires_at=family.expires_at)
    assert _refresh(citizen_client, new["refresh_token"]).status_code == 400


def test_every_claim_for_a_rich_client(citizen_client, citizen, demo_client_id, rich_client):
    from guichet.accounts.models import Profile
    from tests.factories import CommuneFactory

    commune = CommuneFactory()
    Profile.objects.update_or_create(
        user=citizen,
        defaults={
            "address_line1": "12 grande rue",
            "postal_code": "69600",
            "city": "Oullins",
            "phone_numbers": ["+33612345678"],
            "residence": commune,
        },
    )
    redirect_uri = "https://commune.example.org/oidc/callback"
    verifier, challenge = pkce_pair()
    scopes = ["openid", "email", "profile", "address", "phone", "commune"]
    code = _consent_and_get_code(
        citizen_client,
        rich_client.pk,
        redirect_uri,
        challenge,
        scopes=scopes,
        scope=" ".join(scopes),
    )
    response = citizen_client.post(
        TOKEN,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": rich_client.pk,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.content
    info = citizen_client.get(
        USERINFO, HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}"
    ).json()
    assert info["phone_number"] == "+33612345678"
    assert info["address"]["postal_code"] == "69600"
    assert info["commune_insee"] == commune.insee_code
    assert "birthdate" not in info  # not certified


def test_discovery_advertises_our_scopes(client, demo_client_id):
    config = client.get("/.well-known/openid-configuration").json()
    assert {"address", "phone", "commune"} <= set(config["scopes_supported"])
    assert "commune_insee" in config["claims_supported"]
    assert config["grant_types_supported"] == ["authorization_code", "refresh_token"]


def test_authorize_requires_login(client, demo_client_id):
    _verifier, challenge = pkce_pair()
    params = _authorize_params(demo_client_id, DEMO_REDIRECT_URI, challenge)
    response = client.get(AUTHORIZE + "?" + urlencode(params))
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


def test_consent_screen_in_english(citizen_client, demo_client_id):
    _verifier, challenge = pkce_pair()
    page = citizen_client.get(
        AUTHORIZE,
        _authorize_params(demo_client_id, DEMO_REDIRECT_URI, challenge),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = page.content.decode()
    assert "asks for access to your account" in html
    assert "your e-mail address" in html
