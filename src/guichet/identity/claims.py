"""Scopes a partner service may ask, and the claims (pieces of data) each one releases."""

from dataclasses import dataclass

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

SCOPE_LABELS = {
    "openid": _("Vous identifier"),
    "email": _("Adresse e-mail"),
    "profile": _("Identité"),
    "address": _("Adresse postale"),
    "phone": _("Téléphone"),
    "commune": _("Commune de résidence"),
}

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
]


def claims_for_scopes(scopes) -> list[str]:
    names: list[str] = []
    for scope in scopes:
        for claim in SCOPE_CLAIMS.get(scope, ()):
            if claim.name not in names:
                names.append(claim.name)
    return names
