from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from guichet.core.models import AccessRecord


@dataclass(frozen=True)
class AccessFilters:
    """What the auditor narrows the access records to (each optional)."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    door: str = ""
    actor_id: int | None = None
    reference: str = ""


def access_records_for_auditor(
    *, organisation_ids: set[int], filters: AccessFilters
) -> QuerySet[AccessRecord]:
    """The reads of what ``organisation_ids`` hold, newest first, filtered.

    Scoped to the auditor's organisations before any filter, so no filter reaches another
    organisation's records. Each question is served by an index that leads with the
    organisation (or the agent) and ends with the time: per case, per agent, by date.
    """
    qs = AccessRecord.objects.filter(organisation_id__in=organisation_ids)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(at__gte=datetime.combine(filters.date_from, time.min, tz))
    if filters.date_to:
        qs = qs.filter(at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tz))
    if filters.door:
        qs = qs.filter(door=filters.door)
    if filters.actor_id:
        qs = qs.filter(actor_id=filters.actor_id)
    if filters.reference:
        qs = qs.filter(case_reference=filters.reference)
    return qs.order_by("-at", "-id")
