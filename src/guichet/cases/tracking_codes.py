"""Tracking codes: what a person without an account quotes to follow their case (only
the hash is stored)."""

from __future__ import annotations

import hashlib
import secrets

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def hash_tracking_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"
