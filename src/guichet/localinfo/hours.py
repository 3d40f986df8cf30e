"""Opening hours: is a place open at a given moment? Pure functions over plain data, in the
territory's local time (Europe/Paris), so summer/winter time is handled by the conversion."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

Slot = tuple[int, time, time]  # (weekday 0 = Monday, opens, closes)
Closure = tuple[date, date]  # (first day, last day) closed, inclusive


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _closed_on(day: date, closures: Iterable[Closure]) -> bool:
    return any(start <= day <= end for start, end in closures)


def is_open(slots: Iterable[Slot], closures: Iterable[Closure], local: datetime) -> bool:
    """Whether one of ``slots`` covers the local wall-clock time ``local``.

    A slot whose ``closes`` is at or before ``opens`` runs past midnight into the next day. A
    slot belongs to the day it starts: a closure on that day cancels the whole slot, including
    its hours after midnight.
    """
    slots, closures = list(slots), list(closures)
    today = local.date()
    yesterday = today - timedelta(days=1)
    now = local.time().replace(tzinfo=None)
    for weekday, opens, closes in slots:
        overnight = closes <= opens
        starts_today = weekday == today.weekday() and not _closed_on(today, closures)
        if starts_today and (opens <= now < closes if not overnight else now >= opens):
            return True
        started_yesterday = (
            overnight and weekday == yesterday.weekday() and not _closed_on(yesterday, closures)
        )
        if started_yesterday and now < closes:
            return True
    return False


def is_open_at(place, when: datetime) -> bool:
    """Whether ``place`` is open at ``when`` (an aware datetime), given its weekly hours and
    exceptional closures (use ``prefetch_related("openings", "closures")`` for lists)."""
    local = when.astimezone(local_zone())
    slots = [(o.weekday, o.opens, o.closes) for o in place.openings.all()]
    closures = [(c.start_date, c.end_date) for c in place.closures.all()]
    return is_open(slots, closures, local)


def closure_on(place, day: date):
    """The exceptional closure covering ``day``, if any."""
    for closure in place.closures.all():
        if closure.start_date <= day <= closure.end_date:
            return closure
    return None
