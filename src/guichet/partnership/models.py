from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel
from guichet.territory.models import Organisation


class Agreement(TimeStampedModel):
    """The partnership agreement (convention) between the metropolis and a commune.

    It takes effect on the date it is notified, for one year, renewed tacitly each year up to
    ``max_end_date``, unless terminated.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("En préparation")
        SIGNED = "signed", _("Notifiée")
        TERMINATED = "terminated", _("Résiliée")

    commune = models.ForeignKey(
        Organisation,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="agreements",
        limit_choices_to={"kind": Organisation.Kind.COMMUNE},
    )
    reference = models.CharField(_("référence"), max_length=50, blank=True)
    offer = models.CharField(_("offre"), max_length=20, choices=Organisation.Offer.choices)
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    notified_on = models.DateField(_("date de notification (prise d'effet)"), null=True, blank=True)
    max_end_date = models.DateField(_("date de fin maximale"))
    terminated_on = models.DateField(_("résiliée le"), null=True, blank=True)
    deliberation = models.CharField(_("délibération"), max_length=200, blank=True)
    budget_line = models.CharField(_("imputation budgétaire"), max_length=50, blank=True)
    technical_referent_name = models.CharField(_("référent technique"), max_length=200, blank=True)
    technical_referent_email = models.EmailField(_("e-mail du référent technique"), blank=True)
    technical_referent_phone = models.CharField(
        _("téléphone du référent technique"), max_length=30, blank=True
    )
    political_referent_name = models.CharField(
        _("référent politique (élu)"), max_length=200, blank=True
    )
    political_referent_mandate = models.CharField(
        _("mandat du référent politique"), max_length=200, blank=True
    )
    political_referent_email = models.EmailField(_("e-mail du référent politique"), blank=True)

    class Meta:
        verbose_name = _("convention de partenariat")
        verbose_name_plural = _("conventions de partenariat")
        ordering = ["commune__name", "-notified_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(notified_on__isnull=False),
                name="agreement_signed_has_notification_date",
            ),
            models.CheckConstraint(
                condition=Q(notified_on__isnull=True)
                | Q(max_end_date__gte=models.F("notified_on")),
                name="agreement_max_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune} ({self.get_offer_display()})"

    def end_date(self) -> date | None:
        """The last day it can be in force: its termination or its maximum end date."""
        if self.terminated_on:
            return min(self.terminated_on, self.max_end_date)
        return self.max_end_date

    def is_in_force_on(self, day: date) -> bool:
        if self.status == self.Status.DRAFT or self.notified_on is None:
            return False
        return self.notified_on <= day <= self.end_date()

    def is_in_force_during(self, year: int) -> bool:
        if self.status == self.Status.DRAFT or self.notified_on is None:
            return False
        return self.notified_on.year <= year <= self.end_date().year

    def current_period_end(self, day: date) -> date | None:
        """End of the yearly period containing ``day`` (tacit renewal), capped at the end."""
        if not self.is_in_force_on(day):
            return None
        start = self.notified_on
        years = day.year - start.year
        anniversary = _add_years(start, years)
        if anniversary <= day:
            years += 1
        period_end = _add_years(start, years)
        return min(period_end, self.end_date())


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class TariffGrid(TimeStampedModel):
    """A yearly contribution grid, valid from a year until the next grid (or ``valid_until``)."""

    label = models.CharField(_("intitulé"), max_length=200)
    valid_from = models.PositiveSmallIntegerField(_("applicable à partir de l'année"), unique=True)
    valid_until = models.PositiveSmallIntegerField(
        _("jusqu'à l'année (incluse)"), null=True, blank=True
    )
    deliberation = models.CharField(_("délibération"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("grille tarifaire")
        verbose_name_plural = _("grilles tarifaires")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.label


class TariffBracket(models.Model):
    """A population bracket of a grid: ``min_population <= population < max_population``.

    The lower bound is included and the upper bound excluded (docs/partnership.md): a commune
    of exactly 5,000 inhabitants is in the 5,000–10,000 bracket.
    """

    grid = models.ForeignKey(
        TariffGrid, verbose_name=_("grille"), on_delete=models.CASCADE, related_name="brackets"
    )
    offer = models.CharField(_("offre"), max_length=20, choices=Organisation.Offer.choices)
    min_population = models.PositiveIntegerField(_("population à partir de (incluse)"))
    max_population = models.PositiveIntegerField(
        _("population jusqu'à (exclue)"), null=True, blank=True
    )
    amount_eur = models.DecimalField(_("montant annuel TTC (€)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("tranche de population")
        verbose_name_plural = _("tranches de population")
        ordering = ["grid", "offer", "min_population"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "offer", "min_population"], name="bracket_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(max_population__isnull=True)
                | Q(max_population__gt=models.F("min_population")),
                name="bracket_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_offer_display()} {self.label}"

    @property
    def label(self) -> str:
        """``5000-9999``, ``80000+``: both bounds written as included."""
        if self.max_population is None:
            return f"{self.min_population}+"
        return f"{self.min_population}-{self.max_population - 1}"

    def contains(self, population: int) -> bool:
        return self.min_population <= population and (
            self.max_population is None or population < self.max_population
        )


class Discount(TimeStampedModel):
    """A discount for a year, for one commune or for every commune of a status (e.g. pilots)."""

    label = models.CharField(_("intitulé"), max_length=200)
    year = models.PositiveSmallIntegerField(_("année"))
    rate_percent = models.DecimalField(_("taux (%)"), max_digits=5, decimal_places=2)
    partner_status = models.CharField(
        _("pour les communes au statut"),
        max_length=20,
        choices=Organisation.PartnerStatus.choices,
        blank=True,
    )
    commune = models.ForeignKey(
        Organisation,
        verbose_name=_("pour la commune"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="discounts",
        limit_choices_to={"kind": Organisation.Kind.COMMUNE},
    )
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        verbose_name = _("remise")
        verbose_name_plural = _("remises")
        ordering = ["-year", "label"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(partner_status="") | Q(commune__isnull=False),
                name="discount_targets_someone",
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lte=100),
                name="discount_rate_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.year}, {self.rate_percent} %)"

    def applies_to(self, commune: Organisation) -> bool:
        if self.commune_id is not None:
            return self.commune_id == commune.id
        return self.partner_status == commune.partner_status
