"""Reads of assistance: help articles, search, search terms without result, terms of use,
canned answers, the support queue."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from guichet.support import search
from guichet.support.models import (
    CannedAnswer,
    HelpArticle,
    HelpArticleVersion,
    HelpSearchTerm,
    TermsAcceptance,
    TermsDocument,
    Theme,
)
from guichet.support.policies import article_policy, editor_organisation_ids

SEARCH_LIMIT = 20


def published_articles() -> QuerySet[HelpArticle]:
    return HelpArticle.objects.filter(is_published=True)


def articles_by_theme() -> list[tuple[str, str, list[HelpArticle]]]:
    """[(theme key, label, articles)] for the themes that have published articles."""
    grouped: dict[str, list[HelpArticle]] = {}
    for article in published_articles().only("slug", "title", "summary", "theme"):
        grouped.setdefault(article.theme, []).append(article)
    return [(key, str(label), grouped[key]) for key, label in Theme.choices if key in grouped]


def articles_of_theme(theme: str) -> QuerySet[HelpArticle]:
    if theme not in Theme.values:
        raise Http404
    return published_articles().filter(theme=theme)


def articles_for_service(definition) -> QuerySet[HelpArticle]:
    """The published articles linked to a service of the catalogue (its page lists them)."""
    return published_articles().filter(services=definition).only("slug", "title")


def articles_search(query: str, *, limit: int = SEARCH_LIMIT) -> list[HelpArticle]:
    """Published articles matching ``query``, best first (French stemming, accents ignored)."""
    ids = search.matching_ids(query, limit=limit)
    if not ids:
        return []
    found = published_articles().in_bulk(ids)
    return [found[i] for i in ids if i in found]


def article_get_published(slug: str) -> HelpArticle:
    article = published_articles().filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


def article_get_for(*, actor, slug: str) -> HelpArticle:
    """An article ``actor`` may see (published, or a draft of their organisation)."""
    article = article_policy.scope(actor, HelpArticle.objects.all()).filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


def articles_for_editor(actor) -> QuerySet[HelpArticle]:
    return HelpArticle.objects.filter(
        organisation_id__in=editor_organisation_ids(actor)
    ).select_related("organisation")


def version_get_for(*, actor, article: HelpArticle, number) -> HelpArticleVersion:
    if not article_policy.can_act(actor, article, "edit"):
        raise Http404
    try:
        version = article.versions.filter(number=int(number)).first()
    except (TypeError, ValueError):
        version = None
    if version is None:
        raise Http404
    return version


def search_terms_without_result(*, limit: int = 30) -> QuerySet[HelpSearchTerm]:
    """The most searched terms that found nothing (for editors)."""
    return HelpSearchTerm.objects.filter(without_result__gt=0).order_by(
        "-without_result", "-last_at"
    )[:limit]


def canned_answers_for(organisation_ids) -> QuerySet[CannedAnswer]:
    return CannedAnswer.objects.filter(organisation_id__in=organisation_ids)


# --- terms --------------------------------------------------------------------------------------


def current_terms_id() -> int:
    """The id of the platform's terms of use in force (the metropolis's latest; 0: none),
    cached (``terms_publish`` drops the cache)."""
    from guichet.support.services import TERMS_CACHE_KEY

    pk = cache.get(TERMS_CACHE_KEY)
    if pk is None:
        pk = (
            TermsDocument.objects.filter(
                kind=TermsDocument.Kind.TERMS, organisation__kind="metropolis"
            )
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        ) or 0
        cache.set(TERMS_CACHE_KEY, pk, 60)
    return pk


def current_terms() -> TermsDocument | None:
    pk = current_terms_id()
    return TermsDocument.objects.filter(pk=pk).first() if pk else None


def latest_document(kind: str, organisation=None) -> TermsDocument | None:
    documents = TermsDocument.objects.filter(kind=kind)
    if organisation is not None:
        documents = documents.filter(organisation=organisation)
    else:
        documents = documents.filter(organisation__kind="metropolis")
    return documents.order_by("-published_at", "-pk").first()


def has_accepted(*, actor, document: TermsDocument) -> bool:
    last = TermsAcceptance.objects.filter(user=actor, document=document).first()
    return bool(last and last.accepted)


def service_terms_for(communes) -> list[TermsDocument]:
    """The latest own terms of each of ``communes`` that published some."""
    found = []
    for commune in communes:
        document = latest_document(TermsDocument.Kind.SERVICE_TERMS, commune)
        if document is not None:
            found.append(document)
    return found
