"""Reads of local information (public content: scoped to what is published)."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guichet.localinfo.hours import is_open_at
from guichet.localinfo.models import Event, NewsItem, Place
from guichet.territory.models import Organisation
from guichet.territory.selectors import metropolis


def publisher_get(*, slug: str) -> Organisation:
    """An active commune or the metropolis, by slug; 404 otherwise."""
    organisation = Organisation.objects.filter(
        slug=slug, is_active=True, kind__in=PUBLISHER_KINDS
    ).first()
    if organisation is None:
        raise Http404
    return organisation


#: Who publishes local information: the communes and the metropolis.
PUBLISHER_KINDS = [Organisation.Kind.COMMUNE, Organisation.Kind.METROPOLIS]


def _by_publishers(qs: QuerySet, publishers: list[Organisation] | None) -> QuerySet:
    """Rows of ``publishers``, or of every active commune and the metropolis when None."""
    if publishers is None:
        return qs.filter(organisation__is_active=True, organisation__kind__in=PUBLISHER_KINDS)
    return qs.filter(organisation__in=publishers)


def news_published(*, publishers: list[Organisation] | None = None) -> QuerySet[NewsItem]:
    """News that are published and whose publication date has come."""
    return _by_publishers(
        NewsItem.objects.filter(is_published=True, published_at__lte=timezone.now()), publishers
    )


def events_published(*, publishers: list[Organisation] | None = None) -> QuerySet[Event]:
    return _by_publishers(Event.objects.filter(is_published=True), publishers)


def events_not_over(events: QuerySet[Event], *, now: datetime | None = None) -> QuerySet[Event]:
    """Events ongoing or to come; one without an end is "on" for 12 hours after its start."""
    now = now or timezone.now()
    return events.filter(
        Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now - timedelta(hours=12))
    )


def places_listed(*, publishers: list[Organisation] | None = None) -> QuerySet[Place]:
    return _by_publishers(Place.objects.all(), publishers).prefetch_related("openings", "closures")


def news_of(organisation: Organisation) -> QuerySet[NewsItem]:
    return news_published(publishers=[organisation])


def events_of(organisation: Organisation, *, now: datetime | None = None) -> QuerySet[Event]:
    """Events not over yet (ongoing or to come)."""
    return events_not_over(events_published(publishers=[organisation]), now=now)


def places_of(organisation: Organisation) -> QuerySet[Place]:
    return places_listed(publishers=[organisation])


def with_open_now(places, *, now: datetime | None = None) -> list[tuple[Place, bool]]:
    now = now or timezone.now()
    return [(place, is_open_at(place, now)) for place in places]


def localinfo_for(
    *, commune: Organisation | None, now: datetime | None = None, limit: int = 6
) -> dict:
    """What the information page shows: the commune's news, events and places first, then the
    metropolis's. ``commune`` is the one asked for, else the citizen's own, else None."""
    now = now or timezone.now()
    metro = metropolis()
    sections = []
    for organisation in [commune, metro]:
        if organisation is None:
            continue
        sections.append(
            {
                "organisation": organisation,
                "news": list(news_of(organisation)[:limit]),
                "events": list(events_of(organisation, now=now)[:limit]),
                "places": with_open_now(places_of(organisation), now=now),
            }
        )
    return {"commune": commune, "metropolis": metro, "sections": sections}


def news_item_get(*, organisation: Organisation, id: int) -> NewsItem:
    item = news_of(organisation).filter(id=id).first()
    if item is None:
        raise Http404
    return item


def event_get(*, organisation: Organisation, id: int) -> Event:
    event = Event.objects.filter(organisation=organisation, is_published=True, id=id).first()
    if event is None:
        raise Http404
    return event


def place_get(*, organisation: Organisation, public_id) -> Place:
    place = places_of(organisation).filter(public_id=public_id).first()
    if place is None:
        raise Http404
    return place
