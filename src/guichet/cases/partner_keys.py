"""Partner API keys: who a key is, and what it may file and read.

Written once for every door that takes a key (the cases API's ``X-Api-Key`` header, Open311's
``api_key`` parameter), so that the doors cannot drift apart:

- ``partner_key_authenticate(raw)``: the active key matching ``prefix.secret`` (only hashes are
  stored, compared in constant time), or None.
- ``partner_key_scope_refusal(key, commune=, organisation=)``: why a key may not file a case
  that the competence rules give to ``organisation`` in ``commune`` (None: it may). Asked by
  ``cases.submission.case_submit`` itself, after routing and before any number is taken, so no
  payload (commune, location, address) can carry a key out of its organisation.
- ``cases_readable_by_key(key, queryset)``: the cases a key may read back.
- ``partner_api_key_create(...)``: a new key (the ``partner_key`` command); only its hash is
  stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Case, PartnerApiKey
from guichet.core.audit import audit_log
from guichet.core.policies import policy_exempt, system_only
from guichet.territory.models import Organisation

# A key without a dot (the Open311 demo key) is read as this many characters of prefix, then
# the secret: ``prefix`` is at most 12 characters long.
UNDOTTED_PREFIX_LENGTH = 12


@policy_exempt("a computation: writes nothing")
def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@policy_exempt("the doors' authentication itself: who a key is (records only its last use)")
def partner_key_authenticate(raw: str | None) -> PartnerApiKey | None:
    """The active partner key matching ``raw`` (``prefix.secret``), with its organisation, or
    None; records when it was last used."""
    raw = (raw or "").strip()
    if not raw or "\x00" in raw:
        return None
    if "." in raw:
        prefix, secret = raw.split(".", 1)
    else:
        prefix, secret = raw[:UNDOTTED_PREFIX_LENGTH], raw[UNDOTTED_PREFIX_LENGTH:]
    if not prefix or not secret:
        return None
    key = (
        PartnerApiKey.objects.filter(prefix=prefix, is_active=True)
        .select_related("organisation")
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, api_key_hash(secret)):
        return None
    PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


@policy_exempt("a computation: writes nothing (asked by case_submit's checks)")
def partner_key_scope_refusal(
    key: PartnerApiKey, *, commune: Organisation | None, organisation: Organisation
) -> str | None:
    """Why ``key`` may not file a case routed to ``organisation`` in ``commune`` (French), or
    None when it may.

    A commune's key files inside that commune's territory (whoever the competence rules put in
    charge there: a pothole in Bron goes to the metropolis's roads team); any other
    organisation's key files only what that organisation is in charge of."""
    owner = key.organisation
    if owner.kind == Organisation.Kind.COMMUNE:
        if commune is None or commune.pk != owner.pk:
            return _("Cette clé ne permet de déposer des demandes que dans %s.") % owner.name
        return None
    if organisation.pk != owner.pk:
        return _("Cette clé ne permet de déposer que des demandes traitées par %s.") % owner.name
    return None


@policy_exempt("a read of the key's own cases, for the doors that authenticated it")
def cases_readable_by_key(key: PartnerApiKey, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """The cases of ``queryset`` a key may read: those its organisation holds, and those the
    key filed itself (a commune's key follows the pothole it filed for the metropolis)."""
    return queryset.filter(Q(organisation_id=key.organisation_id) | Q(partner_key_id=key.pk))


@system_only("the partner_key management command")
@transaction.atomic
def partner_api_key_create(
    *, actor, organisation: Organisation, name: str
) -> tuple[PartnerApiKey, str]:
    """Create a partner API key for ``organisation``; returns the key (shown once) — only
    its hash is stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = PartnerApiKey.objects.create(
        organisation=organisation, name=name, prefix=prefix, key_hash=api_key_hash(secret)
    )
    audit_log(
        actor=actor,
        action="cases.api_key_created",
        obj=key,
        organisation_id=organisation.pk,
        data={"name": name},
    )
    return key, f"{prefix}.{secret}"
