"""The printed receipt of a request filed for a person without internet (a phone or counter
caller): its reference, its tracking code, the service, the date and how to follow it.

The tracking code is stored hashed: it exists in clear only in the answer to the filing. The
back-office keeps it in the filing agent's session (``receipt_code_keep``) for the receipt to be
printed right after the filing; it is never written anywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from guichet.cases.models import Case
from guichet.cases.policies import case_policy
from guichet.core.pdf import render_pdf
from guichet.core.policies import policy_exempt
from guichet.notifications.rendering import absolute_url

SESSION_RECEIPTS = "cases_receipt_codes"
#: receipts kept per session (the last filings of the agent)
KEPT = 20


@policy_exempt("the agent's own session, written right after a checked filing")
def receipt_code_keep(session, *, reference: str, tracking_code: str) -> None:
    """Remember ``tracking_code`` of the case just filed, in the agent's session only."""
    codes = dict(session.get(SESSION_RECEIPTS, {}))
    codes[reference] = tracking_code
    session[SESSION_RECEIPTS] = dict(list(codes.items())[-KEPT:])


@policy_exempt("reads the agent's own session; the pages then ask receipt_context")
def receipt_code(session, *, reference: str) -> str:
    return session.get(SESSION_RECEIPTS, {}).get(reference, "")


def receipt_context(*, actor, case: Case, tracking_code: str) -> dict:
    """What the receipt says (the page and the PDF)."""
    case_policy.require_view(actor, case)
    return {
        "case": case,
        "reference": case.reference,
        "tracking_code": tracking_code,
        "service": case.definition.name,
        "filed_at": timezone.localtime(case.created_at),
        "organisation": case.organisation.name,
        "tracking_url": absolute_url(reverse("cases:tracking")),
        "phone": settings.PLATFORM_PHONE,
        "platform_name": settings.PLATFORM_NAME,
        "sms": bool(case.contact_sms_consent_at),
    }


def case_receipt_pdf(*, actor, case: Case, tracking_code: str) -> bytes:
    """The receipt as a PDF (WeasyPrint), for an agent of the organisation in charge."""
    case_policy.require_view(actor, case)
    return render_pdf(
        "cases/receipt.html", receipt_context(actor=actor, case=case, tracking_code=tracking_code)
    )
