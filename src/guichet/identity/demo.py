"""Demo OIDC clients and the demo citizens' residence. Idempotent.

- ``demo-famille``: a partner service (a relying party): signs people in, reads userinfo, and
  its tokens are refused by the platform's API (no API scope).
- ``guichet-app``: the platform's own mobile app, a first-party public client (PKCE, no
  secret) allowed the API scopes; the web pages and the PWA use the browser session instead.
"""

from allauth.idp.oidc.models import Client

from guichet.accounts.models import User
from guichet.accounts.services import profile_set_residence
from guichet.identity.claims import AGENT, CASES_READ, CASES_WRITE
from guichet.identity.client_secrets import client_secret_set
from guichet.territory.models import Organisation

DEMO_CLIENT_ID = "demo-famille"
DEMO_CLIENT_SECRET = "demo-famille-secret"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEMO_POST_LOGOUT_URI = "http://127.0.0.1:8765/bye"

FIRST_PARTY_CLIENT_ID = "guichet-app"
FIRST_PARTY_REDIRECT_URI = "http://127.0.0.1:8766/callback"

RESIDENCES = {
    "camille.martin@example.org": "oullins",
    "lucas.bernard@example.org": "lyon",
}


def seed(log) -> list[str]:
    client = Client.objects.filter(pk=DEMO_CLIENT_ID).first() or Client(pk=DEMO_CLIENT_ID)
    client.name = "Portail Famille (démo)"
    client.type = Client.Type.CONFIDENTIAL
    client.set_scopes(["openid", "email", "profile"])
    client.set_default_scopes(["openid"])
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    client.set_response_types(["code"])
    client.set_redirect_uris([DEMO_REDIRECT_URI])
    client.set_post_logout_redirect_uris([DEMO_POST_LOGOUT_URI])
    client_secret_set(client, DEMO_CLIENT_SECRET)
    client.save()
    _seed_first_party_app()
    for email, slug in RESIDENCES.items():
        user = User.objects.filter(email=email).first()
        commune = Organisation.objects.filter(slug=slug).first()
        if user and commune:
            profile_set_residence(user=user, residence=commune)
    log("identité : clients OpenID Connect demo-famille et guichet-app, communes de résidence")
    return [
        "",
        "Service partenaire de démonstration (OpenID Connect) :",
        f"  client_id {DEMO_CLIENT_ID}, secret {DEMO_CLIENT_SECRET}",
        f"  redirect_uri {DEMO_REDIRECT_URI}, post_logout {DEMO_POST_LOGOUT_URI}",
        "  découverte : /.well-known/openid-configuration",
        "  ses jetons valent pour userinfo, pas pour l'API de la plateforme",
        f"Application de la plateforme (client public, PKCE) : client_id {FIRST_PARTY_CLIENT_ID},",
        f"  redirect_uri {FIRST_PARTY_REDIRECT_URI}, portées d'API {CASES_READ} {CASES_WRITE}"
        f" {AGENT}",
    ]


def _seed_first_party_app() -> None:
    client = Client.objects.filter(pk=FIRST_PARTY_CLIENT_ID).first() or Client(
        pk=FIRST_PARTY_CLIENT_ID
    )
    client.name = "Application Guichet"
    client.type = Client.Type.PUBLIC
    client.secret = ""
    client.set_scopes(["openid", "email", "profile", CASES_READ, CASES_WRITE, AGENT])
    client.set_default_scopes(["openid"])
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    client.set_response_types(["code"])
    client.set_redirect_uris([FIRST_PARTY_REDIRECT_URI])
    # The platform's own app: the sign-in itself is the consent (recorded all the same).
    client.skip_consent = True
    client.save()
