"""API authentication for the cases router.

- ``OidcBearer``: an access token issued by our OpenID Connect provider (django-allauth
  ``allauth.idp.oidc``), looked up by its hash in allauth's ``Token`` table; inactive until the
  provider app is installed.
- ``SessionAuth`` (ninja): the citizen's or agent's browser session (CSRF checked).
- ``PartnerKey``: ``X-Api-Key: <prefix>.<secret>`` of a ``PartnerApiKey`` (hash compared in
  constant time), scoped to the key's organisation.
"""

from __future__ import annotations

import functools
import hmac
import json

from django.apps import apps
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from guichet.cases.models import PartnerApiKey
from guichet.core.edges import rate_limit


@functools.cache
def _bearer_sql() -> str:
    """The access token's lookup (``Token.objects.valid().by_value(...)`` for an access token,
    with its user), as one fixed statement written once from the models' metadata: building
    that join with the ORM was a fifth of a submission's CPU."""
    from allauth.idp.oidc.models import Token
    from django.contrib.auth import get_user_model
    from django.db import connection

    q = connection.ops.quote_name
    user, token = get_user_model()._meta, Token._meta

    def col(meta, name):
        return q(meta.get_field(name).column)

    columns = ", ".join(f"u.{q(f.column)}" for f in user.concrete_fields)
    # Names from the models' metadata, values as parameters: nothing from the request.
    return (
        f"SELECT {columns}, t.{col(token, 'id')} AS bearer_token_id, "  # noqa: S608
        f"t.{col(token, 'data')} AS bearer_token_data "
        f"FROM {q(token.db_table)} t JOIN {q(user.db_table)} u "
        f"ON u.{q(user.pk.column)} = t.{col(token, 'user')} "
        f"WHERE t.{col(token, 'hash')} = %s AND t.{col(token, 'type')} = %s "
        f"AND (t.{col(token, 'expires_at')} IS NULL OR t.{col(token, 'expires_at')} > %s)"
    )


def access_token_user(value: str):
    """The active user of the valid access token ``value`` and the token (its id and data
    only), or None: allauth's ``Token.objects.valid().by_value(value)`` for an access token."""
    from allauth.idp.oidc.adapter import get_adapter
    from allauth.idp.oidc.models import Token
    from django.contrib.auth import get_user_model
    from django.db import connection

    now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the column stores it
    params = [get_adapter().hash_token(value), Token.Type.ACCESS_TOKEN.value, now]
    user = next(iter(get_user_model().objects.raw(_bearer_sql(), params)), None)
    if user is None or not user.is_active:
        return None
    data = user.bearer_token_data
    if isinstance(data, str):  # JSON as text (Django's jsonb loader, SQLite)
        data = json.loads(data)
    token = Token(id=user.bearer_token_id, type=Token.Type.ACCESS_TOKEN, user=user, data=data)
    token._state.adding = False
    return user, token


class OidcBearer(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or not apps.is_installed("allauth.idp.oidc"):
            return None
        found = access_token_user(token)
        if found is None:
            return None
        request.user, request.oidc_token = found
        return request.user


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
        rate_limit(request, "partner_api", key=f"partner-key-{api_key.pk}")  # 429
        return api_key


user_auth = [OidcBearer(), SessionAuth()]
# The agents' endpoints: same doors, and an agent without a second factor is refused (403).
agent_auth = [AgentOidcBearer(), AgentSessionAuth()]
partner_auth = [PartnerKey()]
