"""Demo partner service (OIDC client) and the demo citizens' residence. Idempotent."""

from allauth.idp.oidc.models import Client

from guichet.accounts.models import User
from guichet.accounts.services import profile_set_residence
from guichet.identity.client_secrets import client_secret_set
from guichet.territory.models import Organisation

DEMO_CLIENT_ID = "demo-famille"
DEMO_CLIENT_SECRET = "demo-famille-secret"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEMO_POST_LOGOUT_URI = "http://127.0.0.1:8765/bye"

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
    for email, slug in RESIDENCES.items():
        user = User.objects.filter(email=email).first()
        commune = Organisation.objects.filter(slug=slug).first()
        if user and commune:
            profile_set_residence(user=user, residence=commune)
    log("identité : client OpenID Connect demo-famille, communes de résidence")
    return [
        "",
        "Service partenaire de démonstration (OpenID Connect) :",
        f"  client_id {DEMO_CLIENT_ID}, secret {DEMO_CLIENT_SECRET}",
        f"  redirect_uri {DEMO_REDIRECT_URI}, post_logout {DEMO_POST_LOGOUT_URI}",
        "  découverte : /.well-known/openid-configuration",
    ]
