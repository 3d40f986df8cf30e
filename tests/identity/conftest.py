import base64
import hashlib
import re
import secrets

import pytest
from allauth.idp.oidc.models import Client

from guichet.identity.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI

AUTHORIZE = "/identity/o/authorize"
TOKEN = "/identity/o/api/token"
USERINFO = "/identity/o/api/userinfo"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden inputs of a page (csrf token, allauth's signed request)."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


@pytest.fixture
def demo_client_id(db):
    """A partner service (confidential client) with the demo's identifiers and secret."""
    from guichet.identity.demo import DEMO_POST_LOGOUT_URI
    from tests.factories.identity import partner_client

    partner_client(
        DEMO_CLIENT_ID,
        secret=DEMO_CLIENT_SECRET,
        redirect_uri=DEMO_REDIRECT_URI,
        post_logout_uri=DEMO_POST_LOGOUT_URI,
    )
    return DEMO_CLIENT_ID


@pytest.fixture
def rich_client(db):
    """A public partner service allowed every scope (address, phone, commune...)."""
    client = Client(pk="portail-commune", name="Portail de la commune", type=Client.Type.PUBLIC)
    client.set_scopes(["openid", "email", "profile", "address", "phone", "commune"])
    client.set_grant_types(["authorization_code", "refresh_token"])
    client.set_response_types(["code"])
    client.set_redirect_uris(["https://commune.example.org/oidc/callback"])
    client.save()
    return client


__all__ = [
    "AUTHORIZE",
    "DEMO_CLIENT_SECRET",
    "DEMO_REDIRECT_URI",
    "hidden_inputs",
    "pkce_pair",
    "TOKEN",
    "USERINFO",
]
