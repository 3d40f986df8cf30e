"""A person claims, into their account, a case that someone else filed for them.

A partner (API key, Open311) files a case with the person's e-mail address as *contact*
only: an address typed by a third party proves nothing, so the case is never attached to the
account that happens to use it. The receipt sent to that address carries a signed link;
opening it while signed in to an account that has *verified* that same address attaches the
case to the account (``case_claim``). The person's consent is the click, the proof is the
verified address.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from guichet.cases.models import Case
from guichet.core.audit import audit_log

CLAIM_SALT = "guichet.cases.claim"


class ClaimError(Exception):
    """A claim that cannot be honoured; ``message`` is French, for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def claim_max_age() -> int:
    """How long a claim link stays valid, in seconds (``CASES_CLAIM_MAX_AGE_DAYS``)."""
    return settings.CASES_CLAIM_MAX_AGE_DAYS * 24 * 3600


def claim_token(case: Case) -> str:
    """The signed token of the claim link of ``case`` (bound to its contact address)."""
    return signing.dumps(
        {"case": str(case.uuid), "email": case.contact_email.lower()}, salt=CLAIM_SALT
    )


def claim_url(case: Case) -> str:
    """The absolute claim link sent with the receipt of a case filed without an account."""
    path = reverse("cases:claim", args=[claim_token(case)])
    return settings.SITE_URL.rstrip("/") + path


def case_for_claim(token: str) -> Case:
    """The unclaimed case the token names (the same 404 for a forged, expired or spent link)."""
    try:
        data = signing.loads(token, salt=CLAIM_SALT, max_age=claim_max_age())
    except signing.BadSignature:
        raise Http404("claim") from None
    case = (
        Case.objects.select_related("definition")
        .filter(uuid=data.get("case"), requester__isnull=True)
        .first()
    )
    if case is None or case.contact_email.lower() != data.get("email"):
        raise Http404("claim")
    return case


@transaction.atomic
def case_claim(*, actor, token: str) -> Case:
    """Attach the case of a claim link to ``actor``'s account, if ``actor`` has verified the
    address the case was filed with (else ClaimError, nothing changes). The tracking code then
    stops working: the case is followed from the account (whoever held the code, the partner
    included, no longer reads it)."""
    from guichet.accounts.selectors import account_by_email

    case = case_for_claim(token)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.requester_id is not None:
        raise Http404("claim")
    owner = account_by_email(case.contact_email, verified=True)
    if owner is None or owner.pk != actor.pk:
        raise ClaimError(
            _(
                "Cette demande a été déposée avec l'adresse %(email)s : connectez-vous avec un "
                "compte où cette adresse est vérifiée pour la rattacher."
            )
            % {"email": case.contact_email}
        )
    case.requester = actor
    case.tracking_hash = ""
    case.save(update_fields=["requester", "tracking_hash", "updated_at"])
    audit_log(
        actor=actor,
        action="cases.claimed",
        obj=case,
        organisation_id=case.organisation_id,
        data={"reference": case.reference},
    )
    return case


__all__ = ["ClaimError", "case_claim", "case_for_claim", "claim_token", "claim_url"]
