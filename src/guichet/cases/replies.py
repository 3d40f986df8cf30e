"""Per-case reply addresses: the only way an e-mail joins an existing case.

A mail's ``From:`` proves nothing (anyone can write any address there), and a case reference
is printed on letters and screens. So every mail the platform sends to a case's citizen
carries ``Reply-To: <local>+<token>@<domain>``, where ``<local>@<domain>`` is the inbound
mailbox (setting ``INBOUND_MAIL_ADDRESS``) and ``<token>`` a random secret of that case
(160 bits, lower-case base32 so that mail servers which fold the case of addresses keep it),
given when the case is filed (older cases get theirs on first use).
Only a mail addressed to that exact address is taken as the citizen's reply: the mail gateway
(``mailgateway``) reads the token in a mail's recipients, ``case_for_reply_token`` finds its case.
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import transaction

from guichet.cases.models import Case
from guichet.core.audit import audit_log

TOKEN_BYTES = 20  # 160 bits


def new_reply_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=").lower()


def inbound_address() -> tuple[str, str] | None:
    """(local part, domain) of ``INBOUND_MAIL_ADDRESS``, or None when it is not set (the
    platform then sends no Reply-To and every incoming mail opens a new case)."""
    address = (getattr(settings, "INBOUND_MAIL_ADDRESS", "") or "").strip().lower()
    local, _at, domain = address.rpartition("@")
    if not local or not domain:
        return None
    return local.split("+", 1)[0], domain


def case_reply_address(case: Case) -> str:
    """The reply address of ``case`` (its token is given on first use), or "" when no inbound
    address is configured."""
    inbound = inbound_address()
    if inbound is None:
        return ""
    if not case.reply_token:
        token = new_reply_token()
        # Conditional: two writers racing on a case without a token agree on one of them.
        if Case.objects.filter(pk=case.pk, reply_token="").update(reply_token=token):
            case.reply_token = token
        else:
            case.reply_token = Case.objects.values_list("reply_token", flat=True).get(pk=case.pk)
    local, domain = inbound
    return f"{local}+{case.reply_token}@{domain}"


@transaction.atomic
def case_reply_token_rotate(*, actor, case: Case) -> str:
    """Give ``case`` a new reply token (the old reply address stops working: mails to it open
    new cases as unverified contacts); returns the new address."""
    case.reply_token = new_reply_token()
    case.save(update_fields=["reply_token"])
    audit_log(actor=actor, action="cases.reply_token_rotated", obj=case)
    return case_reply_address(case)


def case_for_reply_token(token: str) -> Case | None:
    """The case whose reply token is ``token``, or None (unknown, rotated, or forged)."""
    if not token or len(token) > 40:
        return None
    return Case.objects.filter(reply_token=token).select_related("requester").first()
