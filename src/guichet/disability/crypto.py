"""Encryption at rest of the pieces of disability files (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from the environment: ``DISABILITY_ENCRYPTION_KEYS``, comma-separated Fernet keys,
the newest first. Every piece is written with the first key; any key of the list reads. To
rotate: put a new key first, keep the old ones, run ``guichet disability_reencrypt`` (rewrites
each piece with the first key), then drop the old keys. Without the variable, the embedded
mode (DEBUG or ``DISABILITY_ALLOW_LOCAL_KEY``) generates a key in the var directory and says
so; a production deployment without keys refuses to store or read a piece.

A piece that no key opens (a lost key, a tampered file) raises ``PieceUnreadable``: the doors
answer with an error, never with the stored bytes.
"""

from __future__ import annotations

import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

LOCAL_KEY_FILE = "disability_encryption.key"


class PieceUnreadable(Exception):
    """No configured key opens this piece (lost key or altered file): fail closed."""


def _local_key() -> str:
    path = settings.VAR_DIR / LOCAL_KEY_FILE
    if not path.exists():
        path.write_text(Fernet.generate_key().decode() + "\n", encoding="ascii")
        path.chmod(0o600)
    log.warning(
        "Pièces des dossiers MDMPH chiffrées avec une clé locale générée (%s) : mode intégré "
        "seulement ; en production, fixez DISABILITY_ENCRYPTION_KEYS.",
        path,
    )
    return path.read_text(encoding="ascii").strip()


def configured_keys() -> list[str]:
    keys = [k.strip() for k in getattr(settings, "DISABILITY_ENCRYPTION_KEYS", []) if k.strip()]
    if keys:
        return keys
    if settings.DEBUG or getattr(settings, "DISABILITY_ALLOW_LOCAL_KEY", False):
        return [_local_key()]
    raise ImproperlyConfigured(
        "DISABILITY_ENCRYPTION_KEYS est vide : les pièces des dossiers MDMPH ne peuvent être "
        "ni écrites ni lues."
    )


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "DISABILITY_ENCRYPTION_KEYS : chaque clé doit être une clé Fernet (32 octets en "
            "base64 URL-safe, `guichet disability_reencrypt --new-key` en donne une)."
        ) from exc


def cipher() -> MultiFernet:
    return _cipher(tuple(configured_keys()))


def encrypt(content: bytes) -> bytes:
    return cipher().encrypt(content)


def decrypt(token: bytes) -> bytes:
    try:
        return cipher().decrypt(token)
    except InvalidToken:
        raise PieceUnreadable from None


def reencrypt(token: bytes) -> bytes:
    """``token`` rewritten under the first key (MultiFernet.rotate)."""
    try:
        return cipher().rotate(token)
    except InvalidToken:
        raise PieceUnreadable from None


def new_key() -> str:
    return Fernet.generate_key().decode()
