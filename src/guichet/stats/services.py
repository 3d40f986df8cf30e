"""Usual processing time of each service: the median and the 90th percentile ("9 cases out of
10") of the time from filing to closing, over the cases closed in the last 12 months.

Computed by a periodic job into ``ProcessingTime`` (one row per service and commune with at
least ``MIN_CASES`` closed cases, one for the whole platform with as many), never at page time
over millions of cases; the pages read one row: the commune's, else the platform's, else none.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from guichet.cases.models import Case
from guichet.core.policies import policy_exempt, system_only
from guichet.stats.models import ProcessingTime

#: closed cases a figure needs (per commune, and for the whole platform)
MIN_CASES = 20
WINDOW = timedelta(days=365)
_DAY = 86400.0


def _percentile_90(sorted_days: list[float]) -> float:
    """Nearest rank: 9 out of 10 values are at most this."""
    return sorted_days[math.ceil(0.9 * len(sorted_days)) - 1]


@system_only("the periodic job computing public figures over every organisation's cases")
def processing_times_compute(*, now=None) -> int:
    """Recompute every row from the cases closed in the last 12 months; returns the rows
    written. One pass per service over (commune, filed, closed) only."""
    now = now or timezone.now()
    since = now - WINDOW
    closed = Case.objects.filter(is_closed=True, closed_at__gte=since, closed_at__lte=now)
    rows: list[ProcessingTime] = []
    for definition_id in closed.values_list("definition_id", flat=True).distinct().order_by():
        per_commune: dict[int | None, list[float]] = {}
        every: list[float] = []
        durations = (
            closed.filter(definition_id=definition_id)
            .values_list("commune_id", "created_at", "closed_at")
            .order_by()
            .iterator(chunk_size=5000)
        )
        for case_commune, filed, closed_at in durations:
            assert closed_at is not None  # filtered on above
            days = max(0.0, (closed_at - filed).total_seconds() / _DAY)
            every.append(days)
            if case_commune is not None:
                per_commune.setdefault(case_commune, []).append(days)
        groups: list[tuple[int | None, list[float]]] = [(None, every), *per_commune.items()]
        for commune_id, days_list in groups:
            if len(days_list) < MIN_CASES:
                continue
            days_list.sort()
            rows.append(
                ProcessingTime(
                    definition_id=definition_id,
                    commune_id=commune_id,
                    median_days=statistics.median(days_list),
                    p90_days=_percentile_90(days_list),
                    cases_count=len(days_list),
                    computed_at=now,
                )
            )
    with transaction.atomic():
        ProcessingTime.objects.all().delete()
        ProcessingTime.objects.bulk_create(rows)
    return len(rows)


@dataclass(frozen=True)
class UsualTime:
    median_days: int
    p90_days: int
    cases_count: int
    local: bool  # the commune's own figure (else the whole platform's)

    @property
    def sentence(self) -> str:
        """ "Habituellement traitée en 12 jours ; 9 demandes sur 10 en moins de 30 jours." """
        first = ngettext(
            "Habituellement traitée en %(days)d jour",
            "Habituellement traitée en %(days)d jours",
            self.median_days,
        ) % {"days": self.median_days}
        second = ngettext(
            "9 demandes sur 10 en moins de %(days)d jour.",
            "9 demandes sur 10 en moins de %(days)d jours.",
            self.p90_days,
        ) % {"days": self.p90_days}
        return f"{first} ; {second}"


def _whole_days(days: float) -> int:
    return max(1, math.ceil(days))


@policy_exempt("public figures per service and commune, no case is read")
def usual_time(*, definition_id: int, commune_id: int | None) -> UsualTime | None:
    """The figure to show for a service (in a commune): the commune's when it has enough
    cases, else the platform's, else None (not shown). Public figures: no policy."""
    where = Q(commune__isnull=True)
    if commune_id:
        where |= Q(commune_id=commune_id)
    rows = {
        row.commune_id: row
        for row in ProcessingTime.objects.filter(where, definition_id=definition_id)
    }
    row = rows.get(commune_id) if commune_id else None
    local = row is not None
    row = row or rows.get(None)
    if row is None:
        return None
    return UsualTime(
        median_days=_whole_days(row.median_days),
        p90_days=_whole_days(row.p90_days),
        cases_count=row.cases_count,
        local=local,
    )
