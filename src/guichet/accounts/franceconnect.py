"""A small FranceConnect (v2) client: authorization request, code exchange, signature checks.

allauth's generic OpenID Connect client lacks what FranceConnect requires (identity.md): a
64-hex ``state`` and ``nonce``, ``acr_values=eidas1``, ``client_secret_post``, a *signed*
userinfo (a JWT), ``acr`` checks and logout with ``id_token_hint``. So this module talks to
FranceConnect directly through ``core.outbound.safe_request`` (like every outbound call: the
endpoints come from a discovery document, which must not point inside) and verifies every
JWT with ``joserfc`` against the provider's JWKS (ES256 or RS256).
"""

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from guichet.core.outbound import OutboundError, OutboundResponse, safe_request

ALGORITHMS = ["ES256", "RS256"]
HTTP_TIMEOUT = 10
# eIDAS levels in increasing strength: a stronger level than the one asked is accepted.
ACR_LEVELS = ["eidas1", "eidas2", "eidas3"]
CLOCK_SKEW = 60


class FranceConnectError(Exception):
    """Anything that makes a FranceConnect answer unacceptable (the login is refused)."""


@dataclass(frozen=True)
class FranceConnectIdentity:
    sub: str
    email: str
    given_name: str
    family_name: str
    preferred_username: str
    gender: str
    birthdate: str
    birthplace: str
    birthcountry: str
    id_token: str


def enabled() -> bool:
    return bool(settings.FRANCECONNECT_ENABLED and settings.FRANCECONNECT_CLIENT_ID)


def _issuer() -> str:
    return settings.FRANCECONNECT_ISSUER.rstrip("/")


def _http(method: str, url: str, **kwargs) -> OutboundResponse:
    return safe_request(method, url, timeout=HTTP_TIMEOUT, max_bytes=256 * 1024, **kwargs)


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = _http("GET", url)
        if not response.ok:
            raise ValueError(f"HTTP {response.status}")
        return json.loads(response.body)
    except (OutboundError, ValueError) as error:
        raise FranceConnectError(f"FranceConnect unreachable: {url}") from error


def configuration() -> dict[str, Any]:
    key = f"franceconnect:configuration:{_issuer()}"
    config = cache.get(key)
    if config is None:
        config = _get_json(f"{_issuer()}/.well-known/openid-configuration")
        cache.set(key, config, 3600)
    return config


def _keys(refresh: bool = False) -> KeySet:
    key = f"franceconnect:jwks:{_issuer()}"
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(configuration()["jwks_uri"])
        cache.set(key, jwks, 3600)
    return KeySet.import_key_set(jwks)


def _verify(token: str) -> dict[str, Any]:
    """The claims of ``token`` once its signature checks against FranceConnect's JWKS."""
    for refresh in (False, True):  # a new kid after key rotation: fetch the JWKS again
        try:
            return dict(jwt.decode(token, _keys(refresh=refresh), algorithms=ALGORITHMS).claims)
        except JoseError as error:
            last = error
        except ValueError as error:  # unknown kid
            last = error
    raise FranceConnectError(f"Bad signature: {last}")


def new_state() -> str:
    return secrets.token_hex(32)  # 64 hexadecimal characters, as FranceConnect asks


def authorization_url(*, redirect_uri: str, state: str, nonce: str) -> str:
    params = {
        "response_type": "code",
        "client_id": settings.FRANCECONNECT_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": settings.FRANCECONNECT_SCOPES,
        "state": state,
        "nonce": nonce,
        "acr_values": settings.FRANCECONNECT_ACR,
        "prompt": "login consent",
    }
    return f"{configuration()['authorization_endpoint']}?{urlencode(params)}"


def _check_id_token(claims: dict[str, Any], *, nonce: str) -> None:
    now = time.time()
    if claims.get("iss") != configuration().get("issuer", _issuer()):
        raise FranceConnectError("Wrong issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.FRANCECONNECT_CLIENT_ID not in audiences:
        raise FranceConnectError("Wrong audience")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - CLOCK_SKEW:
        raise FranceConnectError("Expired ID token")
    if isinstance(claims.get("iat"), int | float) and claims["iat"] > now + CLOCK_SKEW:
        raise FranceConnectError("ID token from the future")
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise FranceConnectError("Wrong nonce")
    wanted = settings.FRANCECONNECT_ACR
    acr = claims.get("acr")
    if acr not in ACR_LEVELS or ACR_LEVELS.index(acr) < ACR_LEVELS.index(wanted):
        raise FranceConnectError("Insufficient acr")
    if not claims.get("sub"):
        raise FranceConnectError("No subject")


def exchange(*, code: str, redirect_uri: str, nonce: str) -> FranceConnectIdentity:
    """Trade the code for tokens, verify the ID token and the signed userinfo."""
    config = configuration()
    try:
        response = _http(
            "POST",
            config["token_endpoint"],
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": settings.FRANCECONNECT_CLIENT_ID,
                    "client_secret": settings.FRANCECONNECT_CLIENT_SECRET,
                }
            ).encode(),
            max_redirects=0,
        )
        tokens = json.loads(response.body)
        if not isinstance(tokens, dict):
            raise ValueError("not an object")
    except (OutboundError, ValueError) as error:
        raise FranceConnectError("Token endpoint unreachable") from error
    if response.status != 200 or "id_token" not in tokens:
        raise FranceConnectError(f"Token refused: {tokens.get('error', response.status)}")
    id_claims = _verify(tokens["id_token"])
    _check_id_token(id_claims, nonce=nonce)
    try:
        info = _http(
            "GET",
            config["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            max_redirects=0,
        )
    except OutboundError as error:
        raise FranceConnectError("Userinfo unreachable") from error
    if info.status != 200 or "jwt" not in info.headers.get("content-type", ""):
        raise FranceConnectError("Userinfo is not a signed JWT")
    user_claims = _verify(info.text().strip())
    if user_claims.get("sub") != id_claims["sub"]:
        raise FranceConnectError("Userinfo subject differs from the ID token's")
    if user_claims.get("iss", id_claims["iss"]) != id_claims["iss"]:
        raise FranceConnectError("Wrong userinfo issuer")
    return FranceConnectIdentity(
        sub=id_claims["sub"],
        email=str(user_claims.get("email", "")).strip().lower(),
        given_name=str(user_claims.get("given_name", "")),
        family_name=str(user_claims.get("family_name", "")),
        preferred_username=str(user_claims.get("preferred_username", "")),
        gender=str(user_claims.get("gender", "")),
        birthdate=str(user_claims.get("birthdate", "")),
        birthplace=str(user_claims.get("birthplace", "")),
        birthcountry=str(user_claims.get("birthcountry", "")),
        id_token=tokens["id_token"],
    )


def logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str:
    params = {
        "id_token_hint": id_token,
        "state": new_state(),
        "post_logout_redirect_uri": post_logout_redirect_uri,
    }
    return f"{configuration()['end_session_endpoint']}?{urlencode(params)}"
