"""Writes of the help centre and the terms of use. Tickets: ``tickets.py``; the support
console's acts: ``console.py``; satisfaction: ``satisfaction.py``."""

from __future__ import annotations

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from guichet.core.audit import audit_log
from guichet.core.policies import policy_exempt
from guichet.support import search
from guichet.support.models import (
    HelpArticle,
    HelpArticleVersion,
    HelpFeedback,
    HelpSearchTerm,
    TermsAcceptance,
    TermsDocument,
    Theme,
)
from guichet.support.policies import article_policy, terms_policy


class SupportInputError(Exception):
    """Bad input: ``errors`` maps a field (or ``__all__``) to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _check_text(title: str, body: str, summary: str) -> dict[str, str]:
    errors = {}
    if not title.strip():
        errors["title"] = _("Donnez un titre à l'article.")
    elif len(title) > 200:
        errors["title"] = _("200 caractères au plus.")
    if len(summary) > 300:
        errors["summary"] = _("300 caractères au plus.")
    if not body.strip():
        errors["body"] = _("Écrivez le texte de l'article.")
    elif len(body) > 50_000:
        errors["body"] = _("50 000 caractères au plus.")
    return errors


# --- help articles ------------------------------------------------------------------------------


@transaction.atomic
def article_create(
    *,
    actor,
    organisation,
    theme: str,
    title: str,
    body: str,
    summary: str = "",
    services=(),
    slug: str = "",
) -> HelpArticle:
    """A new article of ``organisation`` with its first version (a draft, not published)."""
    errors = _check_text(title, body, summary)
    if theme not in Theme.values:
        errors["theme"] = _("Choisissez un thème de la liste.")
    slug = slugify(slug or title)[:110]
    if not slug:
        errors.setdefault("title", _("Donnez un titre à l'article."))
    if errors:
        raise SupportInputError(errors)
    article = HelpArticle(organisation=organisation, theme=theme, slug=slug)
    article_policy.require_act(actor, article, "edit")
    if HelpArticle.objects.filter(slug=slug).exists():
        article.slug = f"{slug[:100]}-{HelpArticle.objects.count() + 1}"
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        raise SupportInputError({"title": _("Un article porte déjà ce titre.")}) from None
    article.services.set(services)
    _version_add(actor=actor, article=article, title=title, summary=summary, body=body)
    audit_log(
        actor=actor,
        action="support.article_created",
        obj=article,
        organisation_id=organisation.pk,
        data={"slug": article.slug},
    )
    return article


def _version_add(*, actor, article, title, summary, body) -> HelpArticleVersion:
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return HelpArticleVersion.objects.create(
        article=article,
        number=last + 1,
        title=title.strip(),
        summary=summary.strip(),
        body=body.strip(),
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def article_version_add(
    *, actor, article: HelpArticle, title: str, body: str, summary: str = "", theme: str = ""
) -> HelpArticleVersion:
    """A new draft version of ``article`` (the published copy is unchanged until published)."""
    article_policy.require_act(actor, article, "edit")
    errors = _check_text(title, body, summary)
    if theme and theme not in Theme.values:
        errors["theme"] = _("Choisissez un thème de la liste.")
    if errors:
        raise SupportInputError(errors)
    article = HelpArticle.objects.select_for_update().get(pk=article.pk)
    if theme and theme != article.theme:
        article.theme = theme
        article.save(update_fields=["theme"])
    return _version_add(actor=actor, article=article, title=title, summary=summary, body=body)


@transaction.atomic
def article_publish(*, actor, version: HelpArticleVersion) -> HelpArticle:
    """Publish ``version``: readers see it, the search index finds it."""
    article = HelpArticle.objects.select_for_update().get(pk=version.article_id)
    article_policy.require_act(actor, article, "publish")
    now = timezone.now()
    article.title, article.summary, article.body = version.title, version.summary, version.body
    article.is_published = True
    article.published_at = now
    article.published_version = version
    article.search_text = search.fold(f"{version.title}\n{version.summary}\n{version.body}")
    article.save(
        update_fields=[
            "title",
            "summary",
            "body",
            "is_published",
            "published_at",
            "published_version",
            "search_text",
        ]
    )
    HelpArticleVersion.objects.filter(pk=version.pk).update(published_at=now)
    search.index_write(article.pk, f"{version.title}\n{version.summary}\n{version.body}")
    audit_log(
        actor=actor,
        action="support.article_published",
        obj=article,
        organisation_id=article.organisation_id,
        data={"version": version.number},
    )
    return article


@transaction.atomic
def article_unpublish(*, actor, article: HelpArticle) -> HelpArticle:
    article_policy.require_act(actor, article, "publish")
    HelpArticle.objects.filter(pk=article.pk).update(is_published=False)
    article.is_published = False
    search.index_remove(article.pk)
    audit_log(
        actor=actor,
        action="support.article_unpublished",
        obj=article,
        organisation_id=article.organisation_id,
    )
    return article


@policy_exempt("a public door: anyone who read a published article says whether it helped")
@transaction.atomic
def article_feedback_add(*, article: HelpArticle, helpful: bool, comment: str = "") -> HelpFeedback:
    """ "Was this helpful?": one answer, counted on the article."""
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise SupportInputError({"comment": _("2 000 caractères au plus.")})
    counter = "helpful_yes" if helpful else "helpful_no"
    HelpArticle.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return HelpFeedback.objects.create(article=article, helpful=helpful, comment=comment)


@policy_exempt("counts a search's words, with no person attached")
def search_term_record(*, query: str, found: int) -> None:
    """Count a search (normalised: folded words in order) and whether it found nothing."""
    term = " ".join(search.query_words(query))[:200]
    if not term:
        return
    missed = 0 if found else 1
    updated = HelpSearchTerm.objects.filter(term=term).update(
        searches=F("searches") + 1, without_result=F("without_result") + missed,
        last_at=timezone.now(),
    )  # fmt: skip
    if not updated:
        try:
            with transaction.atomic():
                HelpSearchTerm.objects.create(term=term, searches=1, without_result=missed)
        except IntegrityError:  # created meanwhile by another request
            HelpSearchTerm.objects.filter(term=term).update(
                searches=F("searches") + 1, without_result=F("without_result") + missed
            )


# --- terms of use -------------------------------------------------------------------------------

TERMS_CACHE_KEY = "support:current-terms"


@transaction.atomic
def terms_publish(
    *, actor, organisation, kind: str, version: str, title: str, body: str
) -> TermsDocument:
    """Publish a new version of the terms (``kind``): the platform's terms of use or privacy
    notice (the metropolis's, by a platform admin), or a commune's own service terms. A new
    platform terms version is asked of every person at their next sign-in."""
    action = "publish_service_terms" if kind == TermsDocument.Kind.SERVICE_TERMS else "publish"
    terms_policy.require_act(actor, organisation, action)
    errors = {}
    if kind not in TermsDocument.Kind.values:
        errors["kind"] = _("Choisissez la nature du document.")
    if not version.strip() or len(version) > 20:
        errors["version"] = _("Indiquez le numéro de version (20 caractères au plus).")
    if not title.strip() or len(title) > 200:
        errors["title"] = _("Donnez un titre (200 caractères au plus).")
    if not body.strip():
        errors["body"] = _("Écrivez le texte.")
    if not errors and (
        TermsDocument.objects.filter(
            kind=kind, organisation=organisation, version=version.strip()
        ).exists()
    ):
        errors["version"] = _("Cette version est déjà publiée.")
    if errors:
        raise SupportInputError(errors)
    document = TermsDocument.objects.create(
        kind=kind,
        organisation=organisation,
        version=version.strip(),
        title=title.strip(),
        body=body.strip(),
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_log(
        actor=actor,
        action="support.terms_published",
        obj=document,
        organisation_id=organisation.pk,
        data={"kind": kind, "version": document.version},
    )
    transaction.on_commit(lambda: cache.delete(TERMS_CACHE_KEY))
    cache.delete(TERMS_CACHE_KEY)
    return document


@policy_exempt("a person answers the terms for themselves (the actor's own record)")
@transaction.atomic
def terms_answer(*, user, document: TermsDocument, accepted: bool) -> TermsAcceptance:
    """Record ``user``'s answer to ``document`` (who, which version, when, accepted or not)."""
    answer = TermsAcceptance.objects.create(user=user, document=document, accepted=accepted)
    audit_log(
        actor=user,
        action="support.terms_accepted" if accepted else "support.terms_refused",
        obj=user,
        data={"document": document.pk, "version": document.version, "kind": document.kind},
    )
    return answer
