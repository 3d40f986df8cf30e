"""Idempotency keys for the submission doors (citizen form, API, public-space report).

A client (the offline-drafts script, a native app, a partner) sends a key it chose, a UUID; the
door files once per (scope, key) and answers a retry with the first result. The key row is
written in the same transaction as the case, so a crash leaves either both or neither. A second
request with the same key while the first is still running blocks on the unique index (on
PostgreSQL) until the first commits, then reads its result: never a second case.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.models import IdempotencyKey

# How long a key is remembered: longer than any device stays offline with a pending draft.
KEY_LIFETIME = timedelta(days=7)

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class Door:
    CITIZEN_FORM = "cases.citizen_form"
    API_MINE = "cases.api_mine"
    REPORT_FORM = "publicspace.report_form"


class IdempotencyKeyError(Exception):
    """The key is malformed, or was already used with a different request."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Outcome:
    reference: str
    result: dict[str, Any]
    replayed: bool  # True: the first request's result, nothing was filed now
    submission: Any = None  # what ``submit`` returned, when filed now


def key_scope(actor) -> str:
    """Keys are per account; anonymous keys share one scope (they are random UUIDs)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return f"user:{actor.pk}"
    return "anonymous"


def key_validate(key: str) -> str:
    key = (key or "").strip()
    if not _KEY_RE.match(key):
        raise IdempotencyKeyError(
            "invalid_idempotency_key",
            _("Clé d'idempotence invalide : 8 à 64 lettres, chiffres ou tirets (un UUID)."),
        )
    return key


def fingerprint_of(payload: Any) -> str:
    """A stable digest of what the request asks, to tell a retry from a reuse of the key."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(row: IdempotencyKey, *, door: str, fingerprint: str) -> Outcome:
    if row.door != door or row.fingerprint != fingerprint:
        raise IdempotencyKeyError(
            "idempotency_key_reused",
            _(
                "Cette clé d'idempotence a déjà servi pour une autre demande : "
                "générez une nouvelle clé pour une nouvelle demande."
            ),
        )
    return Outcome(reference=row.result_reference, result=row.result, replayed=True)


def submission_once(
    *,
    actor,
    key: str,
    door: str,
    fingerprint: str,
    submit: Callable[[], Any],
    result_of: Callable[[Any], dict[str, Any]] | None = None,
) -> Outcome:
    """Run ``submit`` (which files a case and returns a Submission) at most once per key.

    ``result_of(submission)`` gives what a retry must answer (the API's body); the reference
    is always kept. Raises IdempotencyKeyError for a malformed key or a key reused with another
    request (``fingerprint`` differs); ``submit``'s own errors propagate and nothing is kept.
    """
    key = key_validate(key)
    scope = key_scope(actor)
    inserted = False
    try:
        # One transaction (a savepoint inside a caller's) for the key and the case. The key is
        # inserted first: on PostgreSQL a concurrent request holding the same key makes this
        # INSERT wait until that one commits (then fail here) or rolls back (then go on). When
        # it fails nothing else has run yet, so the rollback loses nothing.
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                scope=scope, key=key, door=door, fingerprint=fingerprint
            )
            inserted = True
            submission = submit()
            row.result_reference = submission.case.reference
            row.result = result_of(submission) if result_of else {}
            row.save(update_fields=["result_reference", "result"])
    except IntegrityError:
        if inserted:
            raise  # from ``submit``, not from the key
        existing = IdempotencyKey.objects.get(scope=scope, key=key)
        return _replay(existing, door=door, fingerprint=fingerprint)
    return Outcome(
        reference=row.result_reference, result=row.result, replayed=False, submission=submission
    )


def submission_with_key(
    *, actor, key: str, door: str, fingerprint: str, submit: Callable[[], Any]
) -> Outcome:
    """What a door calls: ``submit`` once per key when the client sent one, else at once."""
    if key:
        return submission_once(
            actor=actor, key=key, door=door, fingerprint=fingerprint, submit=submit
        )
    submission = submit()
    return Outcome(
        reference=submission.case.reference, result={}, replayed=False, submission=submission
    )


def idempotency_keys_expire(*, now=None) -> int:
    """Forget keys older than KEY_LIFETIME (a periodic job); returns how many were deleted."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def outcome_find(*, actor, key: str, door: str, fingerprint: str) -> Outcome | None:
    """The first result for this key, or None if it was never used (a read, for the doors
    that must answer a retry before loading what the first request consumed, like a draft)."""
    row = IdempotencyKey.objects.filter(scope=key_scope(actor), key=key_validate(key)).first()
    return None if row is None else _replay(row, door=door, fingerprint=fingerprint)


def idempotency_keys_export(user) -> list[dict[str, str]]:
    """GDPR export: the keys this person's devices sent in the last days, and what they filed."""
    return [
        {"door": row.door, "reference": row.result_reference, "at": row.created_at.isoformat()}
        for row in IdempotencyKey.objects.filter(scope=key_scope(user)).order_by("created_at")
    ]


def idempotency_keys_erase(user) -> None:
    """GDPR erasure: the keys go with the account (they would expire within 7 days anyway)."""
    IdempotencyKey.objects.filter(scope=key_scope(user)).delete()
