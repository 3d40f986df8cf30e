"""Reads of urbanism: the public register of a commune, an applicant's own file."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guichet.core.policies import PolicyDenied
from guichet.urbanism.deadlines import add_months
from guichet.urbanism.models import PlanningApplication, TransferConsent
from guichet.urbanism.policies import consent_policy

REGISTER_DECISION_MONTHS = 2  # a decision stays on the register two months (R424-15)


def register_entries(*, commune, today: date | None = None) -> QuerySet[PlanningApplication]:
    """The commune's public register: the files being instructed (listed from their filing,
    R423-6 asks for the notice within 15 days) and the decisions of the last two months."""
    today = today or timezone.localdate()
    since = add_months(today, -REGISTER_DECISION_MONTHS)
    return (
        PlanningApplication.objects.filter(commune=commune)
        .exclude(number="")
        .filter(Q(is_open=True) | Q(decided_on__gte=since))
        .select_related("case")
        .order_by("-filed_on", "-sequence")
    )


def register_notice_due_on(application: PlanningApplication) -> date:
    return application.filed_on + timedelta(days=15)


def own_application(*, user, reference: str) -> PlanningApplication:
    """The applicant's own file (404 for missing and not yours alike)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("application")
    application = (
        PlanningApplication.objects.select_related("case", "commune")
        .filter(case__reference=reference, case__requester=user)
        .first()
    )
    if application is None:
        raise Http404("application")
    return application


def transfer_consent_for(*, actor, token: str) -> TransferConsent:
    """The transfer consent of ``token`` not used yet, for the new holder it names (signed in
    with that address); anyone else: PolicyDenied("not_found")."""
    consent = (
        consent_policy.scope(actor, TransferConsent.objects.all())
        .select_related("permit", "permit__case", "permit__commune")
        .filter(token=token, transfer__isnull=True)
        .first()
    )
    if consent is None:
        raise PolicyDenied("not_found", action="accept")
    return consent
