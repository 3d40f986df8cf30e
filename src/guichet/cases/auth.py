"""API authentication for the cases router.

- ``OidcBearer``: an access token issued by our OpenID Connect provider (django-allauth
  ``allauth.idp.oidc``), looked up by its hash in allauth's ``Token`` table; inactive until the
  provider app is installed.
- ``SessionAuth`` (ninja): the citizen's or agent's browser session (CSRF checked).
- ``PartnerKey``: ``X-Api-Key: <prefix>.<secret>`` of a ``PartnerApiKey`` (hash compared in
  constant time), scoped to the key's organisation.
"""

from __future__ import annotations

import hmac

from django.apps import apps
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from guichet.cases.models import PartnerApiKey


class OidcBearer(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or not apps.is_installed("allauth.idp.oidc"):
            return None
        from allauth.idp.oidc.models import Token

        # Token.objects.lookup(), with the user in the same query (one round trip, not two).
        found = (
            Token.objects.valid()
            .by_value(token)
            .filter(type=Token.Type.ACCESS_TOKEN)
            .select_related("user")
            .first()
        )
        if found is None or found.user is None or not found.user.is_active:
            return None
        request.user = found.user
        request.oidc_token = found
        return found.user


class SecondFactorRequired(Exception):
    """An agent's session or token whose sign-in did not pass a second factor (403)."""


def _agent_second_factor_checked(request, user, *, passed: bool):
    from guichet.accounts.selectors import mfa_required_for

    if user is not None and not passed and mfa_required_for(user):
        raise SecondFactorRequired
    return user


class AgentOidcBearer(OidcBearer):
    """An OIDC access token; an agent's must come from a sign-in with a second factor, as the
    back-office asks (``AgentMfaRequiredMiddleware``)."""

    def authenticate(self, request, token: str):
        from guichet.identity.selectors import token_passed_second_factor

        user = super().authenticate(request, token)
        if user is None:
            return None
        passed = token_passed_second_factor(request.oidc_token)
        return _agent_second_factor_checked(request, user, passed=passed)


class AgentSessionAuth(SessionAuth):
    """The browser session; an agent's must have passed a second factor at sign-in."""

    def authenticate(self, request, key):
        from guichet.accounts.selectors import session_passed_second_factor

        user = super().authenticate(request, key)
        if user is None:
            return None
        passed = session_passed_second_factor(request, user)
        return _agent_second_factor_checked(request, user, passed=passed)


class PartnerKey(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request, key: str | None):
        from guichet.cases.services import api_key_hash

        if not key or "." not in key:
            return None
        prefix, secret = key.split(".", 1)
        api_key = (
            PartnerApiKey.objects.filter(prefix=prefix, is_active=True)
            .select_related("organisation")
            .first()
        )
        if api_key is None or not hmac.compare_digest(api_key.key_hash, api_key_hash(secret)):
            return None
        PartnerApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
        return api_key


user_auth = [OidcBearer(), SessionAuth()]
# The agents' endpoints: same doors, and an agent without a second factor is refused (403).
agent_auth = [AgentOidcBearer(), AgentSessionAuth()]
partner_auth = [PartnerKey()]
