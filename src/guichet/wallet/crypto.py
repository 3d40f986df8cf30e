"""Encryption at rest of the wallet's files (and of any other piece that must be: medical
pieces of the disability files use the same functions).

AES-256-GCM with keys from ``WALLET_ENCRYPTION_KEYS`` (comma-separated, each 32 random bytes in
URL-safe base64; the first encrypts, all decrypt, so a key is rotated by putting the new one
first, running ``guichet wallet_reencrypt``, then removing the old one). In the embedded mode a
key is generated once into ``var/wallet_keys`` (settings). A stored blob reads::

    b"GW1" | key id (8 bytes: the start of the key's SHA-256) | nonce (12 bytes) | ciphertext+tag

It fails closed: without a key nothing is encrypted (``KeyMissing``), and a blob whose key is
not configured, or whose bytes were changed, is never returned (``Undecryptable``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"GW1"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
HEADER = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES


class KeyMissing(Exception):
    """No usable encryption key is configured: nothing can be stored encrypted."""


class Undecryptable(Exception):
    """The blob's key is not configured, or its bytes were altered: nothing is returned."""


def new_key() -> str:
    """A fresh key, as ``WALLET_ENCRYPTION_KEYS`` takes it."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _keys() -> list[bytes]:
    keys = []
    for text in getattr(settings, "WALLET_ENCRYPTION_KEYS", None) or []:
        try:
            key = base64.urlsafe_b64decode(text.strip().encode())
        except (binascii.Error, ValueError):
            raise KeyMissing("WALLET_ENCRYPTION_KEYS holds a key that is not base64") from None
        if len(key) != 32:
            raise KeyMissing("WALLET_ENCRYPTION_KEYS: each key is 32 bytes (base64)")
        keys.append(key)
    return keys


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


def encrypt(content: bytes, *, associated: bytes = b"") -> bytes:
    """``content`` encrypted with the current (first) key; ``associated`` (e.g. the owner's
    id) is authenticated with it, so a blob moved to another owner does not decrypt."""
    keys = _keys()
    if not keys:
        raise KeyMissing("WALLET_ENCRYPTION_KEYS is not set")
    key = keys[0]
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + _key_id(key) + nonce + AESGCM(key).encrypt(nonce, content, associated or None)


def decrypt(blob: bytes, *, associated: bytes = b"") -> bytes:
    if len(blob) < HEADER or not blob.startswith(MAGIC):
        raise Undecryptable("not an encrypted blob")
    key_id = blob[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
    nonce = blob[len(MAGIC) + KEY_ID_BYTES : HEADER]
    key = next((k for k in _keys() if _key_id(k) == key_id), None)
    if key is None:
        raise Undecryptable("the key of this blob is not configured")
    try:
        return AESGCM(key).decrypt(nonce, blob[HEADER:], associated or None)
    except InvalidTag:
        raise Undecryptable("the blob was altered or the associated data differs") from None


def needs_reencryption(blob: bytes) -> bool:
    """Whether ``blob`` was encrypted with another key than the current one."""
    keys = _keys()
    return bool(keys) and blob[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES] != _key_id(keys[0])
