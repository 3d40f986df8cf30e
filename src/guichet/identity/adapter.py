"""Our allauth OIDC adapter: stable ``sub`` (User.uuid), claims released per consent."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.utils.translation import gettext_lazy as _

from guichet.identity.claims import CLAIMS_SUPPORTED, SCOPE_CLAIMS, SCOPE_LABELS


class OIDCAdapter(DefaultOIDCAdapter):
    @property
    def scope_display(self) -> dict[str, str]:
        """Consent screen labels, in the language of the request."""
        return {
            scope: _("%(label)s : %(claims)s")
            % {"label": SCOPE_LABELS[scope], "claims": ", ".join(str(c.label) for c in claims)}
            for scope, claims in SCOPE_CLAIMS.items()
        }

    def get_user_sub(self, client, user) -> str:
        return str(user.uuid)

    def get_user_by_sub(self, client, sub: str):
        from guichet.accounts.models import User

        try:
            return User.objects.filter(uuid=sub, is_active=True).first()
        except (ValueError, TypeError):  # not a UUID
            return None

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs) -> dict[str, Any]:
        """The claims of the granted ``scopes`` that ``user`` consented ``client`` receives."""
        from guichet.accounts.selectors import profile_of
        from guichet.identity.selectors import consented_claims

        scopes = set(scopes)
        allowed = consented_claims(user=user, client=client)
        claims: dict[str, Any] = {"sub": self.get_user_sub(client, user)}
        if "email" in scopes and "email" in allowed:
            address = EmailAddress.objects.filter(user=user, primary=True).first()
            claims["email"] = address.email if address else user.email
            claims["email_verified"] = bool(address and address.verified)
        profile = None
        if scopes & {"profile", "address", "phone", "commune"}:
            profile = profile_of(user)
        if "profile" in scopes:
            if "given_name" in allowed and user.first_name:
                claims["given_name"] = user.first_name
            if "family_name" in allowed and user.last_name:
                claims["family_name"] = user.last_name
            if {"given_name", "family_name"} <= allowed and user.get_full_name():
                claims["name"] = user.get_full_name()
            if "birthdate" in allowed and profile.is_certified and profile.birthdate:
                claims["birthdate"] = profile.birthdate.isoformat()
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

    def populate_server_metadata(self, data: dict) -> None:
        data["scopes_supported"] = list(SCOPE_CLAIMS)
        data["claims_supported"] = CLAIMS_SUPPORTED
        data["response_types_supported"] = ["code"]
        data["response_modes_supported"] = ["query"]
        data["grant_types_supported"] = ["authorization_code", "refresh_token"]
        data["code_challenge_methods_supported"] = ["S256"]
        data["claims_parameter_supported"] = False
        data["request_parameter_supported"] = False
        data["ui_locales_supported"] = ["fr", "en"]
        data.pop("device_authorization_endpoint", None)
