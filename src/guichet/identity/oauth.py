"""allauth's oauthlib request validator, with our client secrets, token families and reads.

Why our own subclass rather than allauth's as is (ADR 0007): the token endpoint and userinfo
are called by partner services' servers at every page they serve, so each query and each
millisecond counts.

- Client secrets are checked with a keyed hash (``client_secrets``), not the password hasher.
- The refresh token presented is read once, locked, with its user, client, profile, consent
  and primary e-mail (``selectors.tokens_with_claim_source``) by the token view; the validator
  uses that row instead of reading the client, the token and the user again.
- New tokens join their family and inherit its absolute expiry before they are inserted
  (no second pass of UPDATEs).
- userinfo reads the access token with everything the claims need, in one query.
"""

from functools import lru_cache

from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.core.internal import jwkkit
from allauth.idp.oidc import app_settings
from allauth.idp.oidc.internal.oauthlib.request_validator import OAuthLibRequestValidator
from allauth.idp.oidc.internal.oauthlib.server import (
    generate_access_token,
    generate_refresh_token,
)
from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context
from allauth.idp.oidc.models import Client, Token
from django.utils import timezone
from oauthlib.openid import Server

from guichet.identity import selectors, services
from guichet.identity.claims import claims_for_scopes
from guichet.identity.client_secrets import basic_credentials, client_secret_matches
from guichet.identity.models import TokenFamily


class GuichetRequestValidator(OAuthLibRequestValidator):
    def authenticate_client(self, request, *args, **kwargs) -> bool:
        """allauth's (HTTP Basic, else ``client_secret_post``), with the keyed-hash check and
        the Basic credentials form-urlencoded as RFC 6749 §2.3.1 defines (``basic_credentials``:
        decoded first, then as sent)."""
        ctx = get_validator_context()
        candidates = basic_credentials(request.headers)
        if (
            not candidates
            and Client.AuthenticationMethod.CLIENT_SECRET_POST in ctx.supported_auth_methods
        ):
            client_id = getattr(request, "client_id", None)
            client_secret = getattr(request, "client_secret", None)
            if isinstance(client_id, str) and isinstance(client_secret, str):
                candidates = [(client_id, client_secret)]
        for client_id, client_secret in candidates:
            client = self._lookup_client(request, client_id)
            if client is not None and client_secret_matches(client, client_secret):
                self._use_client(request, client)
                return True
        return False

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        """The refresh token the token view already read and locked (else allauth's read)."""
        ctx = get_validator_context()
        token = getattr(ctx, "locked_refresh_token", None)
        if token is None:
            return super().validate_refresh_token(refresh_token, client, request)
        if (
            token.type != Token.Type.REFRESH_TOKEN
            or token.hash != services.token_hash(refresh_token)
            or token.client_id != client.pk
            or (token.expires_at is not None and token.expires_at <= timezone.now())
            or token.user is None
            or not token.user.is_active
        ):
            return False
        request.user = token.user
        ctx.refresh_token = token
        ctx.authentication = (token.data or {}).get("auth", {})
        return True

    def save_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        """allauth's, with how and when the user signed in (``amr``, ``auth_time``), which
        the tokens of the code then carry (ID token claims; MFA check of the agents' API)."""
        code = {**code, "guichet_auth": session_authentication(context.request, request.user)}
        super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        stored = self._lookup_authorization_code(request, client_id, code) or {}
        get_validator_context().authentication = stored.get("code", {}).get("guichet_auth", {})
        return True

    def validate_bearer_token(self, token, scopes, request) -> bool:
        """allauth's checks, with the token read together with its claim source."""
        if not token or context.request.GET.get("access_token") == token:
            # Tokens in the query string leak into logs and Referer headers: refused.
            return False
        instance = (
            selectors.tokens_with_claim_source()
            .valid()
            .filter(type=Token.Type.ACCESS_TOKEN, hash=services.token_hash(token))
            .first()
        )
        if instance is None or instance.client is None:
            return False
        if instance.user is None or not instance.user.is_active:
            return False
        granted_scopes = instance.get_scopes()
        if not set(scopes) <= set(granted_scopes):
            # A valid token without the scope asked: 403 insufficient_scope, not 401.
            get_validator_context().insufficient_scope = True
            return False
        ctx = get_validator_context()
        if (
            instance.client.type == Client.Type.PUBLIC
            and Client.AuthenticationMethod.NONE not in ctx.supported_auth_methods
        ):
            return False
        request.user = instance.user
        self._use_client(request, instance.client)
        request.scopes = granted_scopes
        request.access_token = token
        ctx.access_token = instance
        ctx.claim_source = selectors.claim_source_of(instance)
        return True

    def validate_silent_authorization(self, request) -> bool:
        """prompt=none: allowed when the user already consented to every claim asked (our
        per-claim consent, not allauth's "has some token with these scopes")."""
        client = request.client
        if client.skip_consent:
            return True
        wanted = set(claims_for_scopes(request.scopes or []))
        return wanted <= selectors.consented_claims(actor=context.request.user, client=client)

    def _prep_refresh_token(self, ctx, refresh_token, request) -> Token:
        family_id, expires_at = _family_of(ctx, request)
        token = super()._prep_refresh_token(ctx, refresh_token, request)
        token.data = {**(token.data or {}), "family": family_id, **_auth_data(ctx)}
        if expires_at is not None and (token.expires_at is None or token.expires_at > expires_at):
            token.expires_at = expires_at
        return token

    def _prep_access_token(self, ctx, token, request) -> Token:
        family_id, family_expires_at = _family_of(ctx, request)
        access = super()._prep_access_token(ctx, token, request)
        access.data = {**(access.data or {}), "family": family_id, **_auth_data(ctx)}
        if family_expires_at is not None and access.expires_at > family_expires_at:
            access.expires_at = family_expires_at
        return access


def _auth_data(ctx) -> dict:
    authentication = getattr(ctx, "authentication", None)
    return {"auth": authentication} if authentication else {}


# allauth's authentication methods -> RFC 8176 "amr" values.
_AMR = {"password": "pwd", "password_reset": "pwd", "code": "otp", "socialaccount": "fed"}


def session_authentication(django_request, user) -> dict:
    """How and when ``user`` signed in, in this session: ``{"amr": [...], "auth_time": int}``.

    From allauth's authentication records (each login step, with its time); ``mfa`` is in
    ``amr`` when a second factor (TOTP, security key, passkey) was passed. A session without
    records (opened by ``force_login``) counts as signed in at ``last_login``, without MFA.
    """
    records = get_authentication_records(django_request, user)
    amr = set()
    for record in records:
        method = record.get("method")
        if method == "mfa":
            amr.add("mfa")
            amr.add("hwk" if record.get("type") == "webauthn" else "otp")
        elif method in _AMR:
            amr.add(_AMR[method])
    times = [r["at"] for r in records if isinstance(r.get("at"), int | float)]
    if times:
        auth_time = int(max(times))
    elif getattr(user, "last_login", None):
        auth_time = int(user.last_login.timestamp())
    else:
        auth_time = int(timezone.now().timestamp())
    return {"amr": sorted(amr), "auth_time": auth_time}


def _family_of(ctx, request) -> tuple[str, object]:
    """The family (id, absolute expiry) the tokens being issued join, decided once.

    A refresh continues the family of the token presented (its expiry read from the family,
    the source of truth); a code exchange (or a token from before families) starts a new one.
    """
    family = getattr(ctx, "token_family", None)
    if family is None:
        previous = ctx.refresh_token
        family_id = (previous.data or {}).get("family") if previous is not None else None
        row = (
            TokenFamily.objects.filter(pk=family_id).values_list("pk", "expires_at").first()
            if family_id
            else None
        )
        if row is not None:
            family = (str(row[0]), row[1])
        else:
            started = services.family_start(user=request.user, client=request.client)
            family = (str(started.pk), started.expires_at)
        ctx.token_family = family
    return family


def cache_signing_keys() -> None:
    """Parse each PEM signing key once per process, not at every ID token.

    allauth parses the private key (``load_pem_private_key``) at every ID token it signs and
    every JWKS or ``id_token_hint`` it reads; for an RSA key that includes OpenSSL's key
    consistency checks, ~50 ms of CPU: more than everything else a refresh costs. The keys come
    from settings, so the parsed key is the same for the life of the process.
    """
    if getattr(jwkkit.load_jwk_from_pem, "cache_info", None):
        return
    parse = lru_cache(maxsize=8)(jwkkit.load_jwk_from_pem)

    def load_jwk_from_pem(pem: str):
        jwk_dict, private_key = parse(pem)
        return dict(jwk_dict), private_key  # callers may add to the JWK: give each its copy

    load_jwk_from_pem.cache_info = parse.cache_info
    jwkkit.load_jwk_from_pem = load_jwk_from_pem


@lru_cache(maxsize=1)
def oauth_server() -> Server:
    """One oauthlib server per process: it keeps no per-request state (allauth keeps that on
    the Django request), and building its dozen grant and endpoint objects costs each call."""
    return Server(
        token_generator=generate_access_token,
        refresh_token_generator=generate_refresh_token,
        request_validator=GuichetRequestValidator(),
        # Read at each request, so that a settings change (tests) applies.
        token_expires_in=lambda request: app_settings.ACCESS_TOKEN_EXPIRES_IN,
    )
