"""OpenID Connect clients of our provider (allauth's ``Client``), as an operator registers
them: the platform's own app (public, PKCE, API scopes) and partner services."""

from allauth.idp.oidc.models import Client

from guichet.identity.claims import AGENT, CASES_READ, CASES_WRITE
from guichet.identity.client_secrets import client_secret_set

PARTNER_SECRET = "portail-partenaire-secret"


def first_party_app(client_id: str = "guichet-app") -> Client:
    """The platform's own mobile app: a public client allowed the API scopes, consent
    skipped (the sign-in is the consent)."""
    client = Client(pk=client_id, name="Application Guichet", type=Client.Type.PUBLIC)
    client.set_scopes(["openid", "email", "profile", CASES_READ, CASES_WRITE, AGENT])
    client.set_default_scopes(["openid"])
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    client.set_response_types(["code"])
    client.set_redirect_uris(["http://127.0.0.1:8766/callback"])
    client.skip_consent = True
    client.save()
    return client


def partner_client(
    client_id: str = "portail-partenaire",
    name: str = "Portail Famille (démo)",
    *,
    secret: str = PARTNER_SECRET,
    scopes=("openid", "email", "profile"),
    redirect_uri: str = "https://partenaire.example.org/callback",
    post_logout_uri: str = "https://partenaire.example.org/bye",
) -> Client:
    """A partner service (a relying party, confidential): signs people in and reads userinfo;
    its tokens are refused by the platform's API (no API scope)."""
    client = Client(pk=client_id, name=name, type=Client.Type.CONFIDENTIAL)
    client.set_scopes(list(scopes))
    client.set_default_scopes(["openid"])
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    client.set_response_types(["code"])
    client.set_redirect_uris([redirect_uri])
    client.set_post_logout_redirect_uris([post_logout_uri])
    client_secret_set(client, secret)
    client.save()
    return client
