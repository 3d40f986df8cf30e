"""Our allauth OIDC adapter: stable ``sub`` (User.uuid), claims released per consent."""

from typing import Any

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.utils.translation import gettext_lazy as _

from guichet.identity.claims import (
    CLAIMS_SUPPORTED,
    SCOPE_CLAIMS,
    SCOPE_LABELS,
    released_claims,
)


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
        """The claims of the granted ``scopes`` that ``user`` consented ``client`` receives.

        The token endpoint and userinfo read the claim source with the token (one query, see
        ``GuichetRequestValidator``); other callers read it here.
        """
        from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context

        from guichet.identity.selectors import claim_source

        source = getattr(get_validator_context(), "claim_source", None)
        if source is None or (source.user.pk, source.client_id) != (user.pk, client.pk):
            source = claim_source(user=user, client=client)
        return released_claims(source, scopes, sub=self.get_user_sub(client, user))

    def populate_id_token(self, id_token: dict, client, scopes, **kwargs) -> None:
        """When and how the user signed in (OIDC Core §2: ``auth_time``, ``amr``), carried
        from the authorization code to every token of its family."""
        from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context

        authentication = getattr(get_validator_context(), "authentication", None) or {}
        if authentication.get("auth_time"):
            id_token["auth_time"] = authentication["auth_time"]
        if authentication.get("amr"):
            id_token["amr"] = authentication["amr"]

    def populate_server_metadata(self, data: dict) -> None:
        data["scopes_supported"] = list(SCOPE_CLAIMS)
        data["claims_supported"] = CLAIMS_SUPPORTED
        data["response_types_supported"] = ["code"]
        data["response_modes_supported"] = ["query"]
        data["grant_types_supported"] = ["authorization_code", "refresh_token"]
        data["code_challenge_methods_supported"] = ["S256"]
        data["claims_parameter_supported"] = False
        data["request_parameter_supported"] = False
        # Discovery §3: true when left out, and we do not fetch request objects by reference.
        data["request_uri_parameter_supported"] = False
        data["prompt_values_supported"] = ["none", "login", "consent"]
        data["claim_types_supported"] = ["normal"]
        data["ui_locales_supported"] = ["fr", "en"]
        data.pop("device_authorization_endpoint", None)
