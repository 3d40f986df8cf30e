"""Service definitions as data: a definition, its immutable published versions, and the mapping
of its workflow *functions* to real teams in each organisation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel


class ServiceDefinition(TimeStampedModel):
    """A service offered to citizens (``contact``, ``metropole.encombrants``...).

    What a citizen fills in and how the case moves lives in its versions; the definition holds
    the catalogue data: who publishes it and in which communes it is available.
    """

    key = models.CharField(_("clé"), max_length=150, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("organisation éditrice"),
        on_delete=models.PROTECT,
        related_name="service_definitions",
    )
    reference_prefix = models.CharField(_("préfixe des références"), max_length=6)
    communes = models.ManyToManyField(
        "territory.Organisation",
        verbose_name=_("communes où le service est proposé"),
        blank=True,
        related_name="available_services",
        limit_choices_to={"kind": "commune"},
    )
    is_active = models.BooleanField(_("au catalogue"), default=True)
    current_version = models.ForeignKey(
        "ServiceVersion",
        verbose_name=_("version en service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceVersion(TimeStampedModel):
    """One version of a definition's form and workflow. Immutable once published: a case keeps
    the version it was filed under."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")

    definition = models.ForeignKey(
        ServiceDefinition,
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("numéro"))
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    form = models.JSONField(_("formulaire"), default=dict)
    workflow = models.JSONField(_("circuit de traitement"), default=dict)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publiée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("version de service")
        verbose_name_plural = _("versions de service")
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="service_version_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="service_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class FunctionMapping(TimeStampedModel):
    """In ``organisation``, the workflow function ``function`` of a service is held by ``team``."""

    definition = models.ForeignKey(
        ServiceDefinition, on_delete=models.CASCADE, related_name="function_mappings"
    )
    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    function = models.CharField(_("fonction"), max_length=60)
    team = models.ForeignKey("territory.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("attribution de fonction")
        verbose_name_plural = _("attributions de fonctions")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "organisation", "function"], name="function_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition.key}:{self.function} @ {self.team}"
