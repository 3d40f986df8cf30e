"""Encryption at rest of the pieces of disability files: AES-256-GCM (``cryptography``).

Keys come from the environment: ``DISABILITY_ENCRYPTION_KEYS``, comma-separated keys of 32
random bytes in URL-safe base64 (``guichet disability_reencrypt --new-key``; a Fernet key has
the same form), the newest first. Every piece is written with the first key; each stored piece
starts with the id of its key (8 bytes of the key's SHA-256), so any listed key reads. To
rotate: put a new key first, keep the old ones, run ``guichet disability_reencrypt`` (rewrites
each piece with the first key), then drop the old keys. Without the variable, the embedded
mode (``DISABILITY_ALLOW_LOCAL_KEY``, on when no SECRET_KEY is set) generates a key in the var
directory and says so; a deployment without keys refuses to store or read a piece.

A piece that no key opens (a lost key, a tampered file: GCM authenticates it) raises
``PieceUnreadable``: the doors answer with an error, never with the stored bytes.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

LOCAL_KEY_FILE = "disability_encryption.key"
MAGIC = b"GCM1"
KEY_ID_BYTES = 8
NONCE_BYTES = 12


class PieceUnreadable(Exception):
    """No configured key opens this piece (lost key or altered file): fail closed."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _local_key() -> str:
    path = settings.VAR_DIR / LOCAL_KEY_FILE
    if not path.exists():
        path.write_text(new_key() + "\n", encoding="ascii")
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
def _ciphers(keys: tuple[str, ...]) -> tuple[tuple[bytes, AESGCM], ...]:
    found = []
    for key in keys:
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (ValueError, TypeError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                "DISABILITY_ENCRYPTION_KEYS : chaque clé fait 32 octets en base64 URL-safe "
                "(`guichet disability_reencrypt --new-key` en donne une)."
            )
        found.append((hashlib.sha256(raw).digest()[:KEY_ID_BYTES], AESGCM(raw)))
    return tuple(found)


def _keyring() -> tuple[tuple[bytes, AESGCM], ...]:
    return _ciphers(tuple(configured_keys()))


def encrypt(content: bytes) -> bytes:
    key_id, cipher = _keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    header = MAGIC + key_id
    return header + nonce + cipher.encrypt(nonce, content, header)


def _split(token: bytes) -> tuple[bytes, bytes, bytes]:
    if not token.startswith(MAGIC) or len(token) < len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES + 16:
        raise PieceUnreadable
    key_id = token[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
    rest = token[len(MAGIC) + KEY_ID_BYTES :]
    return key_id, rest[:NONCE_BYTES], rest[NONCE_BYTES:]


def decrypt(token: bytes) -> bytes:
    key_id, nonce, body = _split(token)
    cipher = dict(_keyring()).get(key_id)
    if cipher is None:
        raise PieceUnreadable
    try:
        return cipher.decrypt(nonce, body, MAGIC + key_id)
    except InvalidTag:
        raise PieceUnreadable from None


def reencrypt(token: bytes) -> bytes:
    """``token`` rewritten under the first key (itself when already so)."""
    key_id, _nonce, _body = _split(token)
    if key_id == _keyring()[0][0]:
        decrypt(token)  # still checked: a tampered piece is reported, not kept as is
        return token
    return encrypt(decrypt(token))
