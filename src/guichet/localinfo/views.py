"""Public pages of local information, and the RSS / iCal exports."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guichet.accounts.selectors import profile_of
from guichet.core.replica import reads_from_replica
from guichet.localinfo import exports, selectors
from guichet.localinfo.hours import closure_on
from guichet.territory.selectors import communes


@require_GET
@reads_from_replica
def index(request):
    """``/infos/``: the chosen commune first (``?commune=<slug>``, else the signed-in citizen's
    commune of residence), then the metropolis."""
    commune = None
    error = ""
    slug = request.GET.get("commune", "").strip()
    if slug:
        commune = communes().filter(slug=slug).first()
        if commune is None:
            error = _("Commune inconnue : choisissez-la dans la liste.")
    elif request.user.is_authenticated:
        residence = profile_of(request.user).residence
        if residence is not None and residence.is_active:
            commune, slug = residence, residence.slug
    context = selectors.localinfo_for(commune=commune)
    context.update({"communes": communes(), "error": error, "selected": slug})
    return render(request, "localinfo/index.html", context, status=400 if error else 200)


@require_GET
@reads_from_replica
def publisher(request, slug):
    organisation = selectors.publisher_get(slug=slug)
    now = timezone.now()
    return render(
        request,
        "localinfo/publisher.html",
        {
            "organisation": organisation,
            "news": selectors.news_of(organisation)[:30],
            "events": selectors.events_of(organisation, now=now)[:50],
            "places": selectors.with_open_now(selectors.places_of(organisation), now=now),
        },
    )


@require_GET
@reads_from_replica
def news_detail(request, slug, id):
    organisation = selectors.publisher_get(slug=slug)
    item = selectors.news_item_get(organisation=organisation, id=id)
    return render(
        request, "localinfo/news_detail.html", {"organisation": organisation, "item": item}
    )


@require_GET
@reads_from_replica
def event_detail(request, slug, id):
    organisation = selectors.publisher_get(slug=slug)
    event = selectors.event_get(organisation=organisation, id=id)
    return render(
        request, "localinfo/event_detail.html", {"organisation": organisation, "event": event}
    )


@require_GET
@reads_from_replica
def place_detail(request, slug, public_id):
    organisation = selectors.publisher_get(slug=slug)
    place = selectors.place_get(organisation=organisation, public_id=public_id)
    now = timezone.now()
    ((_place, open_now),) = selectors.with_open_now([place], now=now)
    return render(
        request,
        "localinfo/place_detail.html",
        {
            "organisation": organisation,
            "place": place,
            "open_now": open_now,
            "closed_today": closure_on(place, timezone.localdate(now)),
            "upcoming_closures": [c for c in place.closures.all() if c.end_date >= now.date()],
        },
    )


@require_GET
@reads_from_replica
def news_rss(request, slug):
    organisation = selectors.publisher_get(slug=slug)
    body = exports.news_rss(organisation, selectors.news_of(organisation)[:50])
    return HttpResponse(body, content_type="application/rss+xml; charset=utf-8")


@require_GET
@reads_from_replica
def agenda_ics(request, slug):
    organisation = selectors.publisher_get(slug=slug)
    response = HttpResponse(
        exports.agenda_ics(organisation, selectors.events_of(organisation)[:500]),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="agenda-{organisation.slug}.ics"'
    return response
