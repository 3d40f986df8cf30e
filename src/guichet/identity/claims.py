"""Scopes a client may ask, and the claims (pieces of data) or API rights each one grants.

Two kinds of scope (docs/security/tokens.md):
- identity scopes (``openid``, ``email``, ``profile``...) release claims through the ID token
  and userinfo: what a partner service (a relying party) signs people in with;
- API scopes (``API_SCOPES``: ``cases:read``, ``cases:write``, ``agent``) make an access token
  good for the platform's own API (``/api/v1/``). A token without one is for userinfo only.

Both are consented to one by one on the consent screen: an API scope is recorded in
``ClaimConsent`` under its own name, as a claim is.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Claim:
    name: str
    label: str


# Scope -> claims it releases. ``sub`` (openid) is the stable, opaque account id (User.uuid).
SCOPE_CLAIMS: dict[str, tuple[Claim, ...]] = {
    "openid": (Claim("sub", _("un identifiant de compte, propre à la plateforme")),),
    "email": (Claim("email", _("votre adresse e-mail")),),
    "profile": (
        Claim("given_name", _("votre prénom")),
        Claim("family_name", _("votre nom")),
        Claim("birthdate", _("votre date de naissance (si certifiée par FranceConnect)")),
    ),
    "address": (Claim("address", _("votre adresse postale")),),
    "phone": (Claim("phone_number", _("votre numéro de téléphone principal")),),
    "commune": (Claim("commune_insee", _("votre commune de résidence (code INSEE et nom)")),),
}

# The platform's API scopes (its own resource): what each lets the client do for the user.
CASES_READ = "cases:read"
CASES_WRITE = "cases:write"
AGENT = "agent"
API_SCOPES: dict[str, tuple[Claim, ...]] = {
    CASES_READ: (
        Claim(
            CASES_READ,
            _(
                "lire vos demandes et les données de vos formulaires (y compris les pièces "
                "sensibles, comme un dossier de santé), vos notifications et votre espace"
            ),
        ),
    ),
    CASES_WRITE: (
        Claim(
            CASES_WRITE,
            _("déposer des demandes en votre nom et marquer vos notifications comme lues"),
        ),
    ),
    AGENT: (
        Claim(AGENT, _("consulter et traiter, en tant qu'agent, les demandes de vos équipes")),
    ),
}
# What the platform's own app asks (``oidc_issue_tokens``' default).
FIRST_PARTY_SCOPES = ("openid", CASES_READ, CASES_WRITE)
SCOPE_CLAIMS.update(API_SCOPES)

SCOPE_LABELS = {
    "openid": _("Vous identifier"),
    "email": _("Adresse e-mail"),
    "profile": _("Identité"),
    "address": _("Adresse postale"),
    "phone": _("Téléphone"),
    "commune": _("Commune de résidence"),
    CASES_READ: _("Lecture de votre espace sur la plateforme"),
    CASES_WRITE: _("Démarches en votre nom sur la plateforme"),
    AGENT: _("Travail d'agent sur la plateforme"),
}

# The claims a user consents to, one by one (ClaimConsent.claim).
CONSENTABLE_CLAIMS = tuple(claim.name for claims in SCOPE_CLAIMS.values() for claim in claims)

CLAIM_LABELS = {claim.name: claim.label for claims in SCOPE_CLAIMS.values() for claim in claims}

# Every claim a token may carry (discovery's claims_supported).
CLAIMS_SUPPORTED = [
    "sub",
    "email",
    "email_verified",
    "given_name",
    "family_name",
    "name",
    "birthdate",
    "address",
    "phone_number",
    "phone_number_verified",
    "commune_insee",
    "commune_name",
    # How and when the user signed in (ID token).
    "auth_time",
    "amr",
]


def claims_for_scopes(scopes) -> list[str]:
    names: list[str] = []
    for scope in scopes:
        for claim in SCOPE_CLAIMS.get(scope, ()):
            if claim.name not in names:
                names.append(claim.name)
    return names


def released_claims(source, scopes, *, sub: str) -> dict[str, Any]:
    """The claims of the granted ``scopes`` that the user consented the client receives
    (``source``: a ``selectors.ClaimSource``)."""
    scopes = set(scopes)
    allowed = source.consented
    user, profile = source.user, source.profile
    claims: dict[str, Any] = {"sub": sub}
    if "email" in scopes and "email" in allowed:
        claims["email"] = source.primary_email or user.email
        claims["email_verified"] = source.primary_email_verified
    if "profile" in scopes:
        if "given_name" in allowed and user.first_name:
            claims["given_name"] = user.first_name
        if "family_name" in allowed and user.last_name:
            claims["family_name"] = user.last_name
        if {"given_name", "family_name"} <= allowed and user.get_full_name():
            claims["name"] = user.get_full_name()
        if "birthdate" in allowed and profile and profile.is_certified and profile.birthdate:
            claims["birthdate"] = profile.birthdate.isoformat()
    if profile is None:
        return claims
    if "address" in scopes and "address" in allowed and profile.has_address:
        street = "\n".join(filter(None, [profile.address_line1, profile.address_line2]))
        claims["address"] = {
            "formatted": "\n".join(
                filter(None, [street, f"{profile.postal_code} {profile.city}".strip()])
            ),
            "street_address": street,
            "postal_code": profile.postal_code,
            "locality": profile.city,
            "country": profile.country,
        }
    if "phone" in scopes and "phone_number" in allowed and profile.phone_numbers:
        claims["phone_number"] = profile.phone_numbers[0]
        claims["phone_number_verified"] = False
    if "commune" in scopes and "commune_insee" in allowed and profile.residence_id:
        claims["commune_insee"] = profile.residence.insee_code
        claims["commune_name"] = profile.residence.name
    return claims
