"""API authentication for the platform's own API.

- ``OidcBearer(scope)``: an access token issued by our OpenID Connect provider (django-allauth
  ``allauth.idp.oidc``), looked up by its hash in allauth's ``Token`` table; inactive until the
  provider app is installed. The API is its own resource: a token is good for an operation only
  if it was granted the operation's API scope (``cases:read``, ``cases:write``, ``agent``), its
  client is still allowed that scope, and any resource it was bound to (RFC 8707) covers the
  API; else ``InsufficientScope`` (403). A partner's sign-in token (``openid``...) is for
  userinfo only (docs/security/tokens.md).
- ``SessionAuth`` (ninja): the citizen's or agent's browser session (CSRF checked).

A partner's ``X-Api-Key`` is the case engine's own door: ``cases.api.PartnerKey`` (over
``cases.partner_keys``), since a key belongs to the cases' ``PartnerApiKey``.
"""

from __future__ import annotations

from django.apps import apps
from ninja.security import HttpBearer, SessionAuth
from ninja.security.base import SecuritySchema

from guichet.identity.claims import AGENT, API_SCOPES, CASES_READ, CASES_WRITE


def access_token_user(value: str):
    """The active user of the valid access token ``value`` and the token (with its client), or
    None: allauth's own filters (``valid().by_value(value)``: by hash, not expired; what its
    ``lookup(ACCESS_TOKEN, value)`` does), the user and client joined in the same query,
    without ``lookup``'s ``ORDER BY`` (a hash names one token). A token without a client (none
    is issued without one) is not found, as allauth's resource server refuses it."""
    from allauth.idp.oidc.models import Token

    found = (
        Token.objects.valid()
        .by_value(value)
        .filter(type=Token.Type.ACCESS_TOKEN)
        .select_related("user", "client")[:1]
    )
    token = next(iter(found), None)
    if token is None or token.client is None or token.user is None or not token.user.is_active:
        return None
    return token.user, token


class InsufficientScope(Exception):
    """A valid access token that is not meant for this operation (403, RFC 6750 §3.1): it
    lacks the API scope the operation needs, its client is no longer allowed that scope, or it
    was bound to another resource."""

    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


def scope_for_method(method: str) -> str:
    """The scope a citizen's operation needs when its door does not name one: reading
    (GET, HEAD, OPTIONS) needs ``cases:read``, anything else ``cases:write``."""
    return CASES_READ if method.upper() in ("GET", "HEAD", "OPTIONS") else CASES_WRITE


def token_allows(request, token, scope: str) -> bool:
    """Whether ``token`` (from ``access_token_user``) is meant for this API call: granted
    ``scope``, its client still allowed it, and bound to no resource other than the API."""
    from allauth.idp.oidc.internal.resources import is_resources_subset

    if scope not in token.get_scopes() or scope not in token.client.get_scopes():
        return False
    return is_resources_subset([request.build_absolute_uri(request.path)], token.get_resources())


def _oauth2_security_schema() -> SecuritySchema:
    """OpenAPI: tokens of our OpenID Connect provider (authorization code + PKCE), with the
    API scopes; each operation's security requirement names the scope it needs. The scopes'
    descriptions stay lazy: built at import, rendered in the request's language."""
    return SecuritySchema(
        type="oauth2",
        description=(
            "Jeton d'accès de notre fournisseur OpenID Connect "
            "(/.well-known/openid-configuration), code d'autorisation avec PKCE. Seuls les "
            "jetons portant la portée d'API de l'opération sont acceptés ; sinon 403 "
            '{"code": "insufficient_scope", "message": ..., "scope": ...} et l\'en-tête '
            'WWW-Authenticate: Bearer error="insufficient_scope", scope="...". Un jeton '
            "d'identification d'un service partenaire (openid, email, profile...) ne vaut que "
            "pour userinfo."
        ),
        flows={
            "authorizationCode": {
                "authorizationUrl": "/identity/o/authorize",
                "tokenUrl": "/identity/o/api/token",
                "refreshUrl": "/identity/o/api/token",
                "scopes": {scope: claims[0].label for scope, claims in API_SCOPES.items()},
            }
        },
    )


class OidcBearer(HttpBearer):
    """An access token of our provider, good for this operation only with ``scope`` (or, with
    no scope named, the one ``scope_for_method`` gives). Its user holds an agent's or admin's
    powers only when the sign-in that issued the token passed a second factor (``amr`` has
    ``mfa``): marked here like the ``SecondFactorMiddleware`` marks a session's user
    (``core.permissions.powers_granted``)."""

    def __init__(self, scope: str | None = None):
        super().__init__()
        self.scope = scope
        self.openapi_security_schema = _oauth2_security_schema()

    def scopes_for(self, methods) -> list[str]:
        """The scopes an operation with these HTTP methods needs (its OpenAPI requirement)."""
        if self.scope:
            return [self.scope]
        return sorted({scope_for_method(method) for method in methods})

    def authenticate(self, request, token: str):
        from guichet.core.permissions import second_factor_mark
        from guichet.identity.selectors import token_passed_second_factor

        if not token or not apps.is_installed("allauth.idp.oidc"):
            return None
        found = access_token_user(token)
        if found is None:
            return None
        user, access_token = found
        scope = self.scope or scope_for_method(request.method)
        if not token_allows(request, access_token, scope):
            raise InsufficientScope(scope)
        request.user, request.oidc_token = user, access_token
        second_factor_mark(request.user, passed=token_passed_second_factor(request.oidc_token))
        return request.user


class SecondFactorRequired(Exception):
    """An agent's session or token whose sign-in did not pass a second factor (403)."""


def _agent_second_factor_checked(request, user, *, passed: bool):
    from guichet.accounts.selectors import mfa_required_for

    if user is not None and not passed and mfa_required_for(user):
        raise SecondFactorRequired
    return user


class AgentOidcBearer(OidcBearer):
    """An OIDC access token with the ``agent`` scope; an agent's must come from a sign-in with
    a second factor: refused with an explicit 403 (their powers would be empty anyway,
    ``core.permissions``)."""

    def __init__(self, scope: str = AGENT):
        super().__init__(scope)

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


# The citizen's doors: her browser session (first party), or an access token with the
# operation's API scope. Name the scope: ``citizen_read_auth`` for reads, ``citizen_write_auth``
# for writes.
citizen_read_auth = [OidcBearer(CASES_READ), SessionAuth()]
citizen_write_auth = [OidcBearer(CASES_WRITE), SessionAuth()]
# The agents' endpoints: a token with the ``agent`` scope or the session, and an agent without
# a second factor is refused (403).
agent_auth = [AgentOidcBearer(AGENT), AgentSessionAuth()]
