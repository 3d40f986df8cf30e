"""Reads of the partnership: which grid applies, yearly contribution of each commune."""

import unicodedata
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from guichet.partnership.models import Agreement, Discount, TariffBracket, TariffGrid
from guichet.territory.models import Organisation

CENT = Decimal("0.01")


class UnknownTariffYear(LookupError):
    def __init__(self, year: int):
        super().__init__(_("Aucune grille tarifaire ne couvre l'année %(year)s.") % {"year": year})
        self.year = year


class NoBracket(LookupError):
    pass


@dataclass(frozen=True)
class ContributionRow:
    insee: str
    commune: str
    population: int
    bracket: str
    offer: str
    status: str
    base_eur: Decimal
    discount_pct: Decimal
    amount_eur: Decimal
    commune_id: int
    discount_label: str
    agreement_id: int

    def as_export(self) -> dict:
        data = asdict(self)
        for key in ("commune_id", "discount_label", "agreement_id"):
            data.pop(key)
        return data


@dataclass(frozen=True)
class ContributionTable:
    year: int
    grid: TariffGrid
    rows: list[ContributionRow]

    @property
    def total_base_eur(self) -> Decimal:
        return sum((r.base_eur for r in self.rows), Decimal(0))

    @property
    def total_eur(self) -> Decimal:
        return sum((r.amount_eur for r in self.rows), Decimal(0))


def tariff_grid_for_year(year: int) -> TariffGrid:
    grid = (
        TariffGrid.objects.filter(valid_from__lte=year)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=year))
        .order_by("-valid_from")
        .first()
    )
    if grid is None:
        raise UnknownTariffYear(year)
    return grid


def bracket_for(brackets: list[TariffBracket], *, offer: str, population: int) -> TariffBracket:
    for bracket in brackets:
        if bracket.offer == offer and bracket.contains(population):
            return bracket
    raise NoBracket(
        _("La grille n'a pas de tranche pour l'offre %(offer)s et %(population)s habitants.")
        % {"offer": offer, "population": population}
    )


def best_discount(discounts: list[Discount], commune: Organisation) -> Discount | None:
    """Discounts do not add up: the highest one that applies to the commune is granted."""
    applicable = [d for d in discounts if d.applies_to(commune)]
    return max(applicable, key=lambda d: d.rate_percent, default=None)


def agreements_in_force_during(year: int) -> dict[int, Agreement]:
    """The agreement of each commune in force during ``year`` (the latest notified one)."""
    agreements = (
        Agreement.objects.filter(status__in=[Agreement.Status.SIGNED, Agreement.Status.TERMINATED])
        .filter(notified_on__year__lte=year, max_end_date__year__gte=year)
        .select_related("commune")
        .order_by("commune_id", "notified_on")
    )
    by_commune: dict[int, Agreement] = {}
    for agreement in agreements:
        if agreement.is_in_force_during(year):
            by_commune[agreement.commune_id] = agreement
    return by_commune


def contribution_compute(
    *, commune: Organisation, offer: str, brackets: list[TariffBracket], discounts: list[Discount]
) -> tuple[TariffBracket, Discount | None, Decimal]:
    bracket = bracket_for(brackets, offer=offer, population=commune.population or 0)
    discount = best_discount(discounts, commune)
    rate = discount.rate_percent if discount else Decimal(0)
    amount = (bracket.amount_eur * (Decimal(100) - rate) / Decimal(100)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return bracket, discount, amount


def _sort_key(name: str) -> str:
    """Alphabetical order as a French reader expects it (Écully between Dardilly and Lyon)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def contributions_for_year(year: int) -> ContributionTable:
    """One row per commune with an agreement in force during ``year``, sorted by name.

    The contribution is flat for the year (no proration), by the commune's population bracket
    and the agreement's offer, less the highest discount granted for that year.
    """
    grid = tariff_grid_for_year(year)
    brackets = list(grid.brackets.all())
    discounts = list(Discount.objects.filter(year=year))
    rows = []
    for agreement in agreements_in_force_during(year).values():
        commune = agreement.commune
        bracket, discount, amount = contribution_compute(
            commune=commune, offer=agreement.offer, brackets=brackets, discounts=discounts
        )
        rows.append(
            ContributionRow(
                insee=commune.insee_code or "",
                commune=commune.name,
                population=commune.population or 0,
                bracket=bracket.label,
                offer=agreement.offer,
                status=commune.partner_status,
                base_eur=bracket.amount_eur,
                discount_pct=discount.rate_percent if discount else Decimal(0),
                amount_eur=amount,
                commune_id=commune.id,
                discount_label=discount.label if discount else "",
                agreement_id=agreement.id,
            )
        )
    rows.sort(key=lambda r: _sort_key(r.commune))
    return ContributionTable(year=year, grid=grid, rows=rows)


def contribution_for_commune(*, year: int, insee: str) -> ContributionRow | None:
    table = contributions_for_year(year)
    return next((r for r in table.rows if r.insee == insee), None)
