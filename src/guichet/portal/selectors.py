"""The citizen's dashboard: one read composed of the owning apps' selectors (cases,
notifications, local information), each scoped to the citizen and LIMITed, so that the number
of queries and the work done do not grow with the number of the citizen's cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils import timezone

from guichet.accounts.selectors import profile_of
from guichet.cases.models import Case, CaseAttachment, CaseDraft
from guichet.cases.selectors import (
    AwaitingCase,
    cases_awaiting_citizen,
    cases_for_citizen_by_activity,
    documents_for_citizen,
    drafts_listed_for,
    services_used_by_citizen,
)
from guichet.localinfo.selectors import events_of, news_of
from guichet.notifications.models import Notification
from guichet.notifications.selectors import unread_latest
from guichet.territory.models import Organisation
from guichet.territory.selectors import metropolis

CASES_PER_PAGE = 20
TODO_LIMIT = 10
DRAFTS_LIMIT = 10
NOTIFICATIONS_LIMIT = 5
DOCUMENTS_LIMIT = 10
RECEIPTS_LIMIT = 5
LOCALINFO_LIMIT = 3
SERVICES_LIMIT = 6


@dataclass
class LocalSection:
    organisation: Organisation
    news: list
    events: list


@dataclass
class Dashboard:
    todo: list[AwaitingCase]
    cases: Page
    drafts: list[CaseDraft]
    #: the drafts the citizen completes for others (a mandated architect's)
    drafts_for_others: list[CaseDraft]
    unread_count: int
    notifications: list[Notification]
    documents: list[CaseAttachment]
    receipts: list[Case]
    commune: Organisation | None
    local: LocalSections
    services: list[dict]


#: Public content, the same for every citizen of a commune: kept this long in the cache, it
#: saves five queries on most dashboard views. The page also keeps the section it renders from
#: it as long (dashboard.html): news show on it at most two minutes late.
LOCAL_CACHE_SECONDS = 60


class LocalSections:
    """``local_sections_cached(commune=)``, read on first use only: the page does not read it
    at all while its rendered section is in the cache."""

    def __init__(self, commune: Organisation | None):
        self.commune = commune
        self._sections: list[LocalSection] | None = None

    def _read(self) -> list[LocalSection]:
        if self._sections is None:
            self._sections = local_sections_cached(commune=self.commune)
        return self._sections

    def __iter__(self):
        return iter(self._read())


def local_sections_cached(*, commune: Organisation | None) -> list[LocalSection]:
    """``local_sections_for(commune=)``, shared for a minute by the citizens of the commune."""
    key = f"portal:local:{commune.pk if commune else 0}"
    sections = cache.get(key)
    if sections is None:
        sections = local_sections_for(commune=commune)
        cache.set(key, sections, LOCAL_CACHE_SECONDS)
    return sections


def local_sections_for(
    *, commune: Organisation | None, now: datetime | None = None, limit: int = LOCALINFO_LIMIT
) -> list[LocalSection]:
    """The latest news and next events of the commune, then of the metropolis (published
    content only, through the localinfo selectors; no places: the dashboard does not show
    them)."""
    now = now or timezone.now()
    sections = []
    for organisation in [commune, metropolis()]:
        if organisation is None:
            continue
        sections.append(
            LocalSection(
                organisation=organisation,
                news=list(
                    news_of(organisation).only("id", "title", "summary", "published_at")[:limit]
                ),
                events=list(
                    events_of(organisation, now=now).only(
                        "id", "title", "starts_at", "ends_at", "all_day", "location"
                    )[:limit]
                ),
            )
        )
    return sections


def residence_of(user) -> Organisation | None:
    residence = profile_of(user).residence
    return residence if residence is not None and residence.is_active else None


def dashboard_for(*, actor, page: int | str = 1) -> Dashboard:
    """Everything the dashboard shows for ``actor`` (a signed-in citizen), page ``page`` of their
    cases. Other people's rows never come in: every read filters on the citizen."""
    services = services_used_by_citizen(actor=actor)
    paginator = Paginator(cases_for_citizen_by_activity(actor=actor), CASES_PER_PAGE)
    # the grouped read of the services counted the citizen's cases: no COUNT query
    paginator.count = sum(s["cases"] for s in services)
    commune = residence_of(actor)
    unread, latest_unread = unread_latest(actor=actor, limit=NOTIFICATIONS_LIMIT)
    cases = paginator.get_page(page)
    cases.object_list = list(cases.object_list)  # read once: the receipts reuse its rows
    # one read for the citizen's drafts and those they complete for others
    drafts = list(drafts_listed_for(actor=actor).order_by("-updated_at")[: 2 * DRAFTS_LIMIT])
    return Dashboard(
        todo=cases_awaiting_citizen(actor=actor, limit=TODO_LIMIT),
        cases=cases,
        drafts=[d for d in drafts if d.owner_id == actor.pk][:DRAFTS_LIMIT],
        drafts_for_others=[d for d in drafts if d.owner_id != actor.pk][:DRAFTS_LIMIT],
        unread_count=unread,
        notifications=latest_unread,
        documents=documents_for_citizen(actor=actor, limit=DOCUMENTS_LIMIT),
        # the receipts of the cases with the latest activity: the first rows of the page
        receipts=list(cases.object_list[:RECEIPTS_LIMIT]) if cases.number == 1 else [],
        commune=commune,
        local=LocalSections(commune),
        services=services[:SERVICES_LIMIT],
    )
