"""Idempotency keys: a client (the offline-drafts script, a native app, a partner, the mail
gateway) sends a key it chose with a request that files something; the request is filed once
per (scope, key) and a retry is answered with the first result.

``cases.submission.case_submit`` applies them for every door (ADR 0008): it looks the key up
first (``KeyedRequest.first_reference``), then inserts the key row as the first write of the
case's recording transaction (``claim``) and stores the case's reference in it (``fulfil``).
A crash leaves both or neither. A concurrent twin's INSERT waits on the unique index (on
PostgreSQL) until the first commits, then fails: the twin answers the first result.
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.models import IdempotencyKey

# How long a key is remembered: longer than any device stays offline with a pending draft.
KEY_LIFETIME = timedelta(days=7)

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class IdempotencyKeyError(Exception):
    """The key is malformed, or was already used with a different request."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def key_scope(actor) -> str:
    """The scope of an account's keys; anonymous keys share one scope (they are random UUIDs)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return f"user:{actor.pk}"
    return "anonymous"


def new_idempotency_key() -> str:
    """The key a server-rendered form carries, so that sending it twice files it once."""
    return str(uuid.uuid4())


def key_validate(key: str) -> str:
    key = (key or "").strip()
    if not _KEY_RE.match(key):
        raise IdempotencyKeyError(
            "invalid_idempotency_key",
            _("Clé d'idempotence invalide : 8 à 64 lettres, chiffres ou tirets (un UUID)."),
        )
    return key


def key_from_identifier(identifier: str) -> str:
    """A valid key made from an identifier that has another shape (a mail's Message-ID)."""
    return hashlib.sha256(identifier.encode()).hexdigest()


def fingerprint_of(payload: Any) -> str:
    """A stable digest of what the request asks, to tell a retry from a reuse of the key."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class KeyedRequest:
    """A request sent with a key: who sent it (``scope``), through which door, asking what
    (``fingerprint``)."""

    scope: str
    key: str
    door: str
    fingerprint: str

    @classmethod
    def of(cls, *, scope: str, key: str, door: str, payload: Any) -> "KeyedRequest":
        """Raises IdempotencyKeyError for a malformed key."""
        return cls(
            scope=scope, key=key_validate(key), door=door, fingerprint=fingerprint_of(payload)
        )

    def first_reference(self) -> str | None:
        """The reference filed the first time this key was used, or None (never used).
        IdempotencyKeyError when it was used for another request (another door or payload)."""
        row = IdempotencyKey.objects.filter(scope=self.scope, key=self.key).first()
        if row is None:
            return None
        if row.door != self.door or row.fingerprint != self.fingerprint:
            raise IdempotencyKeyError(
                "idempotency_key_reused",
                _(
                    "Cette clé d'idempotence a déjà servi pour une autre demande : "
                    "générez une nouvelle clé pour une nouvelle demande."
                ),
            )
        return row.result_reference

    def claim(self) -> IdempotencyKey:
        """Insert the key row, in the caller's transaction (IntegrityError: already taken; on
        PostgreSQL after waiting for the transaction of a concurrent twin to end)."""
        return IdempotencyKey.objects.create(
            scope=self.scope, key=self.key, door=self.door, fingerprint=self.fingerprint
        )

    @staticmethod
    def fulfil(row: IdempotencyKey, reference: str) -> None:
        row.result_reference = reference
        row.save(update_fields=["result_reference"])


def idempotency_keys_expire(*, now=None) -> int:
    """Forget keys older than KEY_LIFETIME (a periodic job); returns how many were deleted."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotency_keys_export(user) -> list[dict[str, str]]:
    """GDPR export: the keys this person's devices sent in the last days, and what they filed."""
    return [
        {"door": row.door, "reference": row.result_reference, "at": row.created_at.isoformat()}
        for row in IdempotencyKey.objects.filter(scope=key_scope(user)).order_by("created_at")
    ]


def idempotency_keys_erase(user) -> None:
    """GDPR erasure: the keys go with the account (they would expire within 7 days anyway)."""
    IdempotencyKey.objects.filter(scope=key_scope(user)).delete()
