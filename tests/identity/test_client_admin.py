"""Platform admins register partner services with their addresses and allowed data."""

import re
from html import unescape

from allauth.idp.oidc.models import Client

from guichet.identity.client_secrets import client_secret_matches
from tests.conftest import login_with_second_factor
from tests.factories import TeamFactory
from tests.factories.accounts import agent_of


def html(response) -> str:
    return response.content.decode()


def _form(**overrides):
    data = {
        "id": "portail-bron",
        "name": "Portail de Bron",
        "type": "confidential",
        "redirect_uris": "https://bron.example.org/oidc/callback",
        "post_logout_redirect_uris": "https://bron.example.org/au-revoir",
        "allowed_scopes": ["openid", "email", "commune"],
        "grant_types": "authorization_code\r\nrefresh_token",
        "response_types": "code",
    }
    data.update(overrides)
    return data


def test_admin_registers_a_client_and_sees_its_secret_once(platform_admin_client):
    response = platform_admin_client.post(
        "/admin/allauth_idp_oidc/client/add/", _form(), follow=True
    )
    assert response.status_code == 200
    client = Client.objects.get(pk="portail-bron")
    assert client.get_scopes() == ["openid", "email", "commune"]
    assert client.get_post_logout_redirect_uris() == ["https://bron.example.org/au-revoir"]
    assert client.get_redirect_uris() == ["https://bron.example.org/oidc/callback"]
    shown = re.search(r'<input readonly size="\d+" type="text" value="([^"]+)">', html(response))
    assert shown, "the secret is shown once"
    # Stored as a keyed hash, never in clear, and it authenticates the client.
    assert client.secret.startswith("hmac_sha256$")
    assert shown.group(1) not in client.secret
    assert client_secret_matches(client, unescape(shown.group(1)))
    assert not client_secret_matches(client, "")


def test_implicit_flow_cannot_be_registered(platform_admin_client):
    response = platform_admin_client.post(
        "/admin/allauth_idp_oidc/client/add/", _form(response_types="code\r\nid_token token")
    )
    assert response.status_code == 200
    assert "Seul le flux" in response.content.decode()
    assert not Client.objects.filter(pk="portail-bron").exists()


def test_staff_who_is_not_a_platform_admin_cannot_register(client, db, with_mfa):
    agent = agent_of(TeamFactory(), is_staff=True)
    login_with_second_factor(client, agent)
    response = client.post("/admin/allauth_idp_oidc/client/add/", _form())
    assert response.status_code == 403
    assert not Client.objects.filter(pk="portail-bron").exists()
