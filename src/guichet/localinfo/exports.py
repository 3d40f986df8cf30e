"""Exports: RSS 2.0 of the news (django.utils.feedgenerator) and iCalendar of the agenda
(icalendar: VERSION, PRODID, VEVENT with UID/DTSTAMP/DTSTART, folded lines, CRLF)."""

from datetime import UTC, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as IcalEvent

from guichet.localinfo.hours import local_zone


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def news_rss(organisation, items) -> str:
    page = _absolute(reverse("localinfo:commune", args=[organisation.slug]))
    feed = feedgenerator.Rss201rev2Feed(
        title=_("Actualités — %(name)s") % {"name": organisation.name},
        link=page,
        description=_("Les actualités de %(name)s sur %(platform)s")
        % {"name": organisation.name, "platform": settings.PLATFORM_NAME},
        language="fr",
        feed_url=_absolute(reverse("localinfo:news_rss", args=[organisation.slug])),
    )
    for item in items:
        own = _absolute(reverse("localinfo:news", args=[organisation.slug, item.pk]))
        feed.add_item(
            title=item.title,
            link=item.link or own,
            description=item.summary or item.body[:500],
            unique_id=item.guid or own,
            unique_id_is_permalink=not item.guid,
            pubdate=item.published_at,
            updateddate=item.updated_at,
        )
    return feed.writeString("utf-8")


def agenda_ics(organisation, events) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.PLATFORM_NAME}//Agenda {organisation.slug}//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Agenda — %(name)s") % {"name": organisation.name})
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for event in events:
        vevent = IcalEvent()
        vevent.add("uid", event.ical_uid)
        vevent.add("dtstamp", event.updated_at.astimezone(UTC))
        if event.all_day:
            start = event.starts_at.astimezone(local_zone()).date()
            vevent.add("dtstart", start)
            end = event.ends_at.astimezone(local_zone()).date() if event.ends_at else None
            vevent.add("dtend", end if end and end > start else start + timedelta(days=1))
        else:
            vevent.add("dtstart", event.starts_at.astimezone(UTC))
            if event.ends_at:
                vevent.add("dtend", event.ends_at.astimezone(UTC))
        vevent.add("summary", event.title)
        if event.description:
            vevent.add("description", event.description)
        if event.location:
            vevent.add("location", event.location)
        vevent.add(
            "url",
            event.link or _absolute(reverse("localinfo:event", args=[organisation.slug, event.pk])),
        )
        cal.add_component(vevent)
    return cal.to_ical()
