"""Writes of local information: feed import (idempotent by guid / UID)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.policies import system_only
from guichet.localinfo import feeds
from guichet.localinfo.models import Event, Feed, NewsItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    feed_id: int
    status: str
    created: int
    updated: int
    problems: list[str]


@transaction.atomic
def _store(feed: Feed, items: list) -> tuple[int, int]:
    created = updated = 0
    for item in items:
        if isinstance(item, feeds.ParsedNews):
            was_created = NewsItem.objects.update_or_create(
                organisation_id=feed.organisation_id,
                guid=item.guid,
                defaults={
                    "feed": feed,
                    "title": item.title,
                    "summary": item.summary,
                    "link": item.link,
                    "published_at": item.published_at,
                },
            )[1]
        else:
            was_created = Event.objects.update_or_create(
                organisation_id=feed.organisation_id,
                uid=item.uid,
                defaults={"feed": feed, **item.model_dump(exclude={"uid"})},
            )[1]
        created += was_created
        updated += not was_created
    return created, updated


@system_only("the periodic import of feeds (localinfo.tasks) and the admin's import action")
def feed_import(*, feed: Feed, now: datetime | None = None) -> ImportReport:
    """Fetch and import one feed; a problem is recorded on the feed, never raised."""
    now = now or timezone.now()
    created = updated = 0
    problems: list[str] = []
    try:
        data = feeds.fetch(feed.url)
        parse = feeds.parse_events if feed.kind == Feed.Kind.ICAL else feeds.parse_news
        result = parse(data)
        problems = result.problems
        if not result.items and problems:
            raise feeds.FeedError(problems[0])
        created, updated = _store(feed, result.items)
        status = Feed.Status.PARTIAL if problems else Feed.Status.OK
    except feeds.FeedError as exc:
        status, problems = Feed.Status.ERROR, [str(exc), *problems[1:]]
    except Exception as exc:  # a parser bug on odd input must not stop the other feeds
        logger.exception("feed %s import failed", feed.pk)
        status, problems = Feed.Status.ERROR, [_("erreur inattendue : %(e)s") % {"e": exc}]
    Feed.objects.filter(pk=feed.pk).update(
        last_fetched_at=now,
        last_status=status,
        last_error="\n".join(problems)[:5000],
        last_count=created + updated,
    )
    if status == Feed.Status.ERROR:
        logger.warning("feed %s (%s) in error: %s", feed.pk, feed.url, problems[:1])
    return ImportReport(feed.pk, status, created, updated, problems)


@system_only("the periodic import of feeds")
def feeds_claim_due(*, now: datetime | None = None) -> list[int]:
    """Claim the active feeds due for import (each claimed by one worker only)."""
    now = now or timezone.now()
    claimed = []
    due = Feed.objects.filter(is_active=True).filter(
        Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now)
    )
    for feed_id, refresh, next_fetch_at in due.values_list(
        "id", "refresh_minutes", "next_fetch_at"
    ):
        won = Feed.objects.filter(id=feed_id, next_fetch_at=next_fetch_at).update(
            next_fetch_at=now + timedelta(minutes=max(refresh, 5))
        )
        if won:
            claimed.append(feed_id)
    return claimed


@system_only("the periodic import of feeds and its command")
def feeds_import_due(*, now: datetime | None = None) -> list[ImportReport]:
    """Import every due feed now, one after the other (command line and tests)."""
    reports = []
    for feed in Feed.objects.filter(id__in=feeds_claim_due(now=now)).order_by("id"):
        reports.append(feed_import(feed=feed, now=now))
    return reports
