"""Assistance: help articles and their versions, tickets (cases of the assistance service),
canned answers, satisfaction surveys, terms of use and their acceptances."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Theme(models.TextChoices):
    ACCOUNT = "account", _("Mon compte et la connexion")
    CASES = "cases", _("Mes démarches")
    PUBLICSPACE = "publicspace", _("Signaler un problème")
    DATA = "data", _("Mes données personnelles")
    OTHER = "other", _("Autres questions")


class HelpArticle(models.Model):
    """A help article of an organisation (the metropolis or a commune, for its own services).

    What readers see is the published copy held here (``title``, ``summary``, ``body``); every
    edit is a ``HelpArticleVersion``, previewed by editors, then published."""

    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="help_articles",
    )
    slug = models.SlugField(_("adresse"), max_length=120, unique=True)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    services = models.ManyToManyField(
        "services.ServiceDefinition",
        verbose_name=_("services concernés"),
        blank=True,
        related_name="help_articles",
    )
    title = models.CharField(_("titre"), max_length=200, blank=True)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    body = models.TextField(_("texte"), blank=True)
    is_published = models.BooleanField(_("publié"), default=False)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    published_version = models.ForeignKey(
        "HelpArticleVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: title, summary and body without accents, lower case: what the full-text index reads
    search_text = models.TextField(blank=True, editable=False)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article d'aide")
        verbose_name_plural = _("articles d'aide")
        ordering = ["title"]
        indexes = [models.Index(fields=["is_published", "theme"], name="support_article_theme_idx")]

    def __str__(self) -> str:
        return self.title or self.slug


class HelpArticleVersion(models.Model):
    article = models.ForeignKey(HelpArticle, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    body = models.TextField(_("texte"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="support_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class HelpFeedback(models.Model):
    """ "Was this helpful?" for an article, with an optional comment."""

    article = models.ForeignKey(HelpArticle, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("utile"))
    comment = models.TextField(_("commentaire"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.article_id}: {self.helpful}"


class HelpSearchTerm(models.Model):
    """A normalised search of the help centre: how often, and how often it found nothing."""

    term = models.CharField(max_length=200, unique=True)
    searches = models.PositiveIntegerField(default=0)
    without_result = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.term


class CannedAnswer(models.Model):
    """A ready-made answer of an organisation that its agents insert in a ticket's reply."""

    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="canned_answers"
    )
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("texte"))

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Ticket(models.Model):
    """What assistance adds to a case of the assistance service: what it is about, when an
    answer is due, and the case of another service it was escalated into."""

    class Topic(models.TextChoices):
        ACCOUNT = "account", _("Mon compte ou la connexion")
        SERVICE = "service", _("Une démarche ou un service")
        OTHER = "other", _("Autre question")

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="ticket")
    topic = models.CharField(_("sujet"), max_length=20, choices=Topic.choices)
    about_service = models.ForeignKey(
        "services.ServiceDefinition",
        verbose_name=_("service concerné"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    respond_by = models.DateTimeField(_("réponse attendue avant"))
    escalated_to = models.ForeignKey(
        "cases.Case",
        verbose_name=_("transmise en"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_from",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["respond_by"], name="support_ticket_due_idx")]

    def __str__(self) -> str:
        return f"ticket {self.case_id}"


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class SatisfactionSurvey(models.Model):
    """The satisfaction survey of a closed case: asked once, answered once."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="survey")
    token = models.CharField(max_length=40, unique=True, default=_new_token, editable=False)
    # copied from the case: results are read per organisation, service, commune and month
    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    definition = models.ForeignKey(
        "services.ServiceDefinition", on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        "territory.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField()
    invited_at = models.DateTimeField(default=timezone.now)
    rating = models.PositiveSmallIntegerField(_("note"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "closed_at"],
                name="support_survey_org_idx",
                condition=Q(answered_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"survey {self.case_id}"


class TermsDocument(models.Model):
    """A published version of the terms of use or the privacy notice (the metropolis's, for the
    whole platform) or a partner commune's own terms for its services. Immutable once made."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("Conditions générales d'utilisation")
        PRIVACY = "privacy", _("Politique de confidentialité")
        SERVICE_TERMS = "service_terms", _("Conditions propres aux services d'une commune")

    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="terms_documents"
    )
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "organisation", "version"], name="support_terms_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class TermsAcceptance(models.Model):
    """Who answered which version of the terms, when, and how (accepted or refused)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_answers"
    )
    document = models.ForeignKey(TermsDocument, on_delete=models.PROTECT, related_name="answers")
    accepted = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "document"], name="support_terms_answer_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.document_id} {self.accepted}"
