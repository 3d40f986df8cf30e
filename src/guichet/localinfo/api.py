"""Local information API, public (no authentication): news, events (upcoming, or a date range),
places with their weekly hours, upcoming closures and whether they are open now. Mounted at
``/api/v1/localinfo/``; what a native app shows offline is its own copy of these answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from guichet.core.api_shared import api_error, page_bounds
from guichet.core.edges import QueryInt
from guichet.localinfo.feeds import EventContent
from guichet.localinfo.hours import is_open_at, local_zone
from guichet.localinfo.models import Event, NewsItem, Place
from guichet.localinfo.selectors import (
    events_not_over,
    events_published,
    news_published,
    places_listed,
    publisher_get,
)
from guichet.territory.models import Organisation

router = Router(tags=["localinfo"])


class LocalinfoError(Schema):
    code: str
    message: str
    errors: dict[str, str] | None = None


class Publisher(Schema):
    slug: str
    name: str
    kind: str


class NewsOut(Schema):
    id: int
    title: str
    summary: str
    body: str
    link: str
    published_at: datetime
    publisher: Publisher


class EventOut(EventContent):
    id: int
    publisher: Publisher


# Opening hours are wall-clock times of the place (Europe/Paris), the same every week whatever
# the offset of the day: RFC 3339's ``partial-time`` ("08:30:00"), not ``time``, which needs an
# offset that a weekly timetable does not have.
_LOCAL_TIME = Field(
    json_schema_extra={
        "format": "partial-time",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        "description": "Heure locale (Europe/Paris), sans décalage : HH:MM:SS.",
    }
)


class OpeningOut(Schema):
    weekday: int  # 0 = Monday
    weekday_label: str
    opens: time = _LOCAL_TIME
    closes: time = _LOCAL_TIME  # at or before ``opens``: the slot runs past midnight


class ClosureOut(Schema):
    start_date: date
    end_date: date
    reason: str


class PlaceOut(Schema):
    id: UUID
    name: str
    kind: str
    kind_label: str
    address: str
    phone: str
    website: str
    description: str
    lat: float | None
    lon: float | None
    open_now: bool
    hours: list[OpeningOut]
    closures: list[ClosureOut]
    publisher: Publisher


class LocalinfoPage(Schema):
    count: int
    limit: int
    offset: int


class NewsPage(LocalinfoPage):
    results: list[NewsOut]


class EventPage(LocalinfoPage):
    results: list[EventOut]


class PlacePage(LocalinfoPage):
    results: list[PlaceOut]


def _publishers(commune: str) -> list[Organisation] | None:
    """The publisher asked for (a commune or the metropolis, by slug), else every active one.
    Raises Http404 for an unknown slug."""
    if commune:
        return [publisher_get(slug=commune)]
    return None


def _publisher(organisation: Organisation) -> dict:
    return {"slug": organisation.slug, "name": organisation.name, "kind": organisation.kind}


def _for_publishers(commune: str, listing):
    """``listing(publishers)`` for the publisher asked for (``_publishers``), or 404 with
    ``unknown_commune`` for an unknown slug."""
    try:
        publishers = _publishers(commune)
    except Http404:
        message = _("Commune inconnue : « %s ».") % commune
        return Status(404, api_error("unknown_commune", message))
    return listing(publishers)


def _paginated(qs, limit: int, offset: int, out) -> dict:
    limit, offset = page_bounds(limit, offset)
    rows = list(qs[offset : offset + limit])
    last_page = len(rows) < limit and (rows or offset == 0)
    count = offset + len(rows) if last_page else qs.count()  # no COUNT on the last page
    return {"count": count, "limit": limit, "offset": offset, "results": [out(r) for r in rows]}


def _news_out(item: NewsItem) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "link": item.link,
        "published_at": item.published_at,
        "publisher": _publisher(item.organisation),
    }


def _event_out(event: Event) -> dict:
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "link": event.link,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "all_day": event.all_day,
        "publisher": _publisher(event.organisation),
    }


def _place_out(place: Place, now: datetime) -> dict:
    today = now.astimezone(local_zone()).date()
    return {
        "id": place.public_id,
        "name": place.name,
        "kind": place.kind,
        "kind_label": place.get_kind_display(),
        "address": place.address,
        "phone": place.phone,
        "website": place.website,
        "description": place.description,
        "lat": place.lat,
        "lon": place.lon,
        "open_now": is_open_at(place, now),
        "hours": [
            {
                "weekday": o.weekday,
                "weekday_label": o.get_weekday_display(),
                "opens": o.opens,
                "closes": o.closes,
            }
            for o in sorted(place.openings.all(), key=lambda o: (o.weekday, o.opens))
        ],
        "closures": [
            {"start_date": c.start_date, "end_date": c.end_date, "reason": c.reason}
            for c in sorted(place.closures.all(), key=lambda c: c.start_date)
            if c.end_date >= today
        ],
        "publisher": _publisher(place.organisation),
    }


def _news_qs(publishers):
    return (
        news_published(publishers=publishers)
        .select_related("organisation")
        .order_by("-published_at", "-id")
    )


def _events_qs(publishers):
    return (
        events_published(publishers=publishers)
        .select_related("organisation")
        .order_by("starts_at", "id")
    )


def _places_qs(publishers):
    return (
        places_listed(publishers=publishers).select_related("organisation").order_by("name", "id")
    )


@router.get(
    "/news",
    response={200: NewsPage, 404: LocalinfoError},
    summary="Actualités",
    description="Les plus récentes d'abord. `commune` : le slug d'une commune ou de la "
    "Métropole (`metropole-de-lyon`) ; sans lui, toutes.",
)
def news_list(request, commune: str = "", limit: QueryInt = 20, offset: QueryInt = 0):
    return _for_publishers(
        commune, lambda publishers: _paginated(_news_qs(publishers), limit, offset, _news_out)
    )


@router.get(
    "/news/{news_id}", response={200: NewsOut, 404: LocalinfoError}, summary="Une actualité"
)
def news_detail(request, news_id: int):
    item = _news_qs(None).filter(id=news_id).first()
    if item is None:
        return Status(404, api_error("not_found", _("Actualité introuvable.")))
    return _news_out(item)


@router.get(
    "/events",
    response={200: EventPage, 404: LocalinfoError, 422: LocalinfoError},
    summary="Agenda",
    description="Sans dates : les événements pas encore terminés (en cours ou à venir), les "
    "plus proches d'abord. `start` et `end` (AAAA-MM-JJ, inclus, heure de Paris) : les "
    "événements qui ont lieu pendant cette période.",
)
def events_list(
    request,
    commune: str = "",
    start: date | None = None,
    end: date | None = None,
    limit: QueryInt = 20,
    offset: QueryInt = 0,
):
    def listing(publishers):
        if start and end and end < start:
            message = _("La fin de la période précède son début.")
            return Status(422, api_error("invalid_range", message, {"end": message}))
        qs = _events_qs(publishers)
        zone = local_zone()
        if start is None and end is None:
            qs = events_not_over(qs)  # the pages' rule
        if start is not None:
            since = datetime.combine(start, time.min, tzinfo=zone)
            qs = qs.filter(Q(ends_at__gte=since) | Q(ends_at__isnull=True, starts_at__gte=since))
        if end is not None:
            qs = qs.filter(starts_at__lt=datetime.combine(end + timedelta(days=1), time.min, zone))
        return _paginated(qs, limit, offset, _event_out)

    return _for_publishers(commune, listing)


@router.get(
    "/events/{event_id}", response={200: EventOut, 404: LocalinfoError}, summary="Un événement"
)
def event_detail(request, event_id: int):
    event = _events_qs(None).filter(id=event_id).first()
    if event is None:
        return Status(404, api_error("not_found", _("Événement introuvable.")))
    return _event_out(event)


@router.get(
    "/places",
    response={200: PlacePage, 404: LocalinfoError, 422: LocalinfoError},
    summary="Lieux et horaires",
    description="Chaque lieu avec ses horaires de la semaine, ses fermetures exceptionnelles à "
    "venir et `open_now` (ouvert en ce moment, heure de Paris). `kind` filtre par type "
    "(`town_hall`, `library`, `pool`…), `open_now=true` ne garde que les lieux ouverts.",
)
def places_list(
    request,
    commune: str = "",
    kind: str = Query("", pattern=rf"^({'|'.join(Place.Kind.values)})?$"),
    open_now: bool | None = None,
    limit: QueryInt = 20,
    offset: QueryInt = 0,
):
    def listing(publishers):
        if kind and kind not in Place.Kind.values:
            message = _("Type de lieu inconnu : « %s ».") % kind
            return Status(422, api_error("unknown_kind", message, {"kind": message}))
        qs = _places_qs(publishers)
        if kind:
            qs = qs.filter(kind=kind)
        now = timezone.now()
        if open_now is None:
            return _paginated(qs, limit, offset, lambda place: _place_out(place, now))
        # "Open now" is computed from the hours in Python (ADR-free: a commune has tens of
        # places), so that filter reads the matching places and pages the result.
        size, first = page_bounds(limit, offset)
        matching = [p for p in qs if is_open_at(p, now) == open_now]
        return {
            "count": len(matching),
            "limit": size,
            "offset": first,
            "results": [_place_out(p, now) for p in matching[first : first + size]],
        }

    return _for_publishers(commune, listing)


@router.get("/places/{place_id}", response={200: PlaceOut, 404: LocalinfoError}, summary="Un lieu")
def place_detail(request, place_id: UUID):
    place = _places_qs(None).filter(public_id=place_id).first()
    if place is None:
        return Status(404, api_error("not_found", _("Lieu introuvable.")))
    return _place_out(place, timezone.now())
