"""Fetching and parsing the feeds communes already publish (RSS 2.0, Atom, iCalendar).

Fetching goes through ``core.outbound.safe_request`` (no private address, redirects checked),
size-capped (``LOCALINFO_FEED_MAX_BYTES``) and time-limited (``LOCALINFO_FEED_TIMEOUT``, for
the whole download); parsing never raises for one bad item:
the item is skipped and the problem reported, so one broken entry or feed never stops the rest.
"""

import calendar
import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import feedparser
from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from icalendar import Calendar
from ninja import Schema

from guichet.core.outbound import (
    OutboundError,
    OutboundTimeout,
    ResponseTooLarge,
    safe_request,
)
from guichet.localinfo.hours import local_zone

MAX_ITEMS = 500


class FeedError(Exception):
    """The feed as a whole could not be fetched or read."""


@dataclass
class ParsedNews:
    guid: str
    title: str
    summary: str
    link: str
    published_at: datetime


class EventContent(Schema):
    """What an event says, as a feed gives it and as the API shows it (``api.EventOut``)."""

    title: str
    description: str
    location: str
    link: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool


class ParsedEvent(EventContent):
    uid: str


@dataclass
class ParseResult:
    items: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def fetch(url: str) -> bytes:
    """Download ``url``; FeedError on a refused address, beyond the size cap or the time
    limit, or on HTTP errors."""
    max_bytes = settings.LOCALINFO_FEED_MAX_BYTES
    headers = {
        "User-Agent": f"Guichet/1.0 (+{settings.SITE_URL})",
        "Accept": (
            "application/rss+xml, application/atom+xml, text/calendar, "
            "application/xml;q=0.9, */*;q=0.5"
        ),
    }
    try:
        response = safe_request(
            "GET",
            url,
            headers=headers,
            timeout=settings.LOCALINFO_FEED_TIMEOUT,
            max_bytes=max_bytes,
        )
    except ResponseTooLarge as exc:
        raise FeedError(
            _("flux trop volumineux (plus de %(max)s octets)") % {"max": max_bytes}
        ) from exc
    except OutboundTimeout as exc:
        raise FeedError(_("délai de téléchargement dépassé")) from exc
    except OutboundError as exc:
        raise FeedError(_("flux inaccessible : %(error)s") % {"error": exc}) from exc
    if response.status != 200:
        raise FeedError(_("le serveur a répondu HTTP %(code)s") % {"code": response.status})
    return response.body


def _text(value, limit: int) -> str:
    return " ".join(html.unescape(strip_tags(str(value or ""))).split())[:limit]


def _http_link(value) -> str:
    link = str(value or "").strip()
    return link[:1000] if link.startswith(("http://", "https://")) else ""


def parse_news(data: bytes) -> ParseResult:
    """Items of an RSS or Atom feed (with feedparser). A feed that is not XML at all raises."""
    parsed = feedparser.parse(data)
    result = ParseResult()
    if parsed.bozo and not parsed.entries:
        raise FeedError(_("XML invalide : %(error)s") % {"error": parsed.get("bozo_exception")})
    if parsed.bozo and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        result.problems.append(_("XML mal formé, lu en mode tolérant"))
    for entry in parsed.entries[:MAX_ITEMS]:
        title = _text(entry.get("title"), 300)
        guid = str(entry.get("id") or entry.get("link") or "").strip()[:500]
        stamp = entry.get("published_parsed")
        if stamp is None and "updated" in entry:
            stamp = entry.get("updated_parsed")
        if not title or not guid:
            result.problems.append(_("élément sans titre ou sans identifiant ignoré"))
            continue
        if stamp is None:
            result.problems.append(
                _("« %(title)s » ignoré : date absente ou invalide") % {"title": title}
            )
            continue
        published = datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC)
        result.items.append(
            ParsedNews(
                guid=guid,
                title=title,
                summary=_text(entry.get("summary"), 2000),
                link=_http_link(entry.get("link")),
                published_at=published,
            )
        )
    return result


def _as_datetime(value) -> tuple[datetime, bool]:
    """(aware datetime, all_day) from an iCalendar DATE or DATE-TIME (floating = local time)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=local_zone())
        return value, False
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=local_zone()), True
    raise ValueError(f"not a date: {value!r}")


def parse_events(data: bytes) -> ParseResult:
    """VEVENTs of an iCalendar file (RFC 5545) with icalendar. Recurrences are not expanded:
    the first occurrence is imported."""
    try:
        cal = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise FeedError(_("iCalendar invalide : %(error)s") % {"error": exc}) from exc
    result = ParseResult()
    for component in cal.walk("VEVENT")[:MAX_ITEMS]:
        title = _text(component.get("SUMMARY"), 300)
        uid = str(component.get("UID") or "").strip()[:500]
        if not uid or not title:
            result.problems.append(_("événement sans UID ou sans titre ignoré"))
            continue
        try:
            starts_at, all_day = _as_datetime(component.decoded("DTSTART"))
            ends_at = None
            if component.get("DTEND") is not None:
                ends_at, _all_day = _as_datetime(component.decoded("DTEND"))
            elif component.get("DURATION") is not None:
                ends_at = starts_at + component.decoded("DURATION")
            elif all_day:
                ends_at = starts_at + timedelta(days=1)
        except (KeyError, ValueError, TypeError) as exc:
            result.problems.append(
                _("« %(title)s » ignoré : date invalide (%(error)s)")
                % {"title": title, "error": exc}
            )
            continue
        if ends_at is not None and ends_at < starts_at:
            result.problems.append(
                _("« %(title)s » ignoré : fin avant le début") % {"title": title}
            )
            continue
        result.items.append(
            ParsedEvent(
                uid=uid,
                title=title,
                description=_text(component.get("DESCRIPTION"), 4000),
                location=_text(component.get("LOCATION"), 300),
                link=_http_link(component.get("URL")),
                starts_at=starts_at,
                ends_at=ends_at,
                all_day=all_day,
            )
        )
    return result
