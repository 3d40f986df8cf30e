"""The 2018 deliberation's grid, encoded as data, read back bracket by bracket."""

from datetime import date
from decimal import Decimal

import pytest

from guichet.partnership.demo import seed_tariffs
from guichet.partnership.models import Agreement, Discount
from guichet.partnership.selectors import (
    UnknownTariffYear,
    contribution_compute,
    tariff_grid_for_year,
)
from tests.factories import CommuneFactory

# population, offer, bracket label, yearly amount (€ incl. VAT). Lower bound included.
GRID = [
    (0, "global", "0-4999", 1_800),
    (4_999, "global", "0-4999", 1_800),
    (5_000, "global", "5000-9999", 5_400),
    (9_999, "global", "5000-9999", 5_400),
    (10_000, "global", "10000-19999", 8_400),
    (19_999, "global", "10000-19999", 8_400),
    (20_000, "global", "20000-39999", 10_800),
    (39_999, "global", "20000-39999", 10_800),
    (40_000, "global", "40000-79999", 14_000),
    (79_999, "global", "40000-79999", 14_000),
    (80_000, "global", "80000+", 18_000),
    (1_500_000, "global", "80000+", 18_000),
    (0, "restricted", "0-4999", 1_400),
    (4_999, "restricted", "0-4999", 1_400),
    (5_000, "restricted", "5000-9999", 4_200),
    (9_999, "restricted", "5000-9999", 4_200),
    (10_000, "restricted", "10000-19999", 6_500),
    (19_999, "restricted", "10000-19999", 6_500),
    (20_000, "restricted", "20000-39999", 8_400),
    (39_999, "restricted", "20000-39999", 8_400),
    (40_000, "restricted", "40000-79999", 10_800),
    (79_999, "restricted", "40000-79999", 10_800),
    (80_000, "restricted", "80000+", 14_000),
    (1_500_000, "restricted", "80000+", 14_000),
]


@pytest.mark.parametrize(("population", "offer", "bracket", "amount"), GRID)
@pytest.mark.parametrize("status", ["partner", "pilot"])
@pytest.mark.django_db
def test_grid_2020_without_discount(population, offer, bracket, amount, status):
    grid = seed_tariffs()
    commune = CommuneFactory.build(population=population, partner_status=status)
    found, discount, due = contribution_compute(
        commune=commune, offer=offer, brackets=list(grid.brackets.all()), discounts=[]
    )
    assert (found.label, found.amount_eur, discount, due) == (bracket, amount, None, amount)


@pytest.mark.parametrize(("population", "offer", "bracket", "amount"), GRID)
@pytest.mark.parametrize(("status", "rate"), [("pilot", 50), ("partner", 0)])
@pytest.mark.django_db
def test_2019_pilot_discount_is_half(population, offer, bracket, amount, status, rate):
    grid = seed_tariffs()
    commune = CommuneFactory.build(population=population, partner_status=status)
    _, _, due = contribution_compute(
        commune=commune,
        offer=offer,
        brackets=list(grid.brackets.all()),
        discounts=list(Discount.objects.filter(year=2019)),
    )
    assert due == Decimal(amount) * (100 - rate) / 100


@pytest.mark.django_db
def test_discounts_do_not_stack_the_highest_applies():
    grid = seed_tariffs()
    commune = CommuneFactory(population=26_000, partner_status="pilot")
    Discount.objects.create(label="geste", year=2019, rate_percent=10, commune=commune)
    discounts = list(Discount.objects.filter(year=2019))
    _, discount, due = contribution_compute(
        commune=commune, offer="global", brackets=list(grid.brackets.all()), discounts=discounts
    )
    assert discount.rate_percent == 50
    assert due == 5_400


@pytest.mark.django_db
def test_grid_applies_from_its_year_until_the_next():
    grid = seed_tariffs()
    assert tariff_grid_for_year(2019) == grid
    assert tariff_grid_for_year(2031) == grid
    with pytest.raises(UnknownTariffYear):
        tariff_grid_for_year(2018)


# notified, max end, terminated, day -> in force?
AGREEMENT_DAYS = [
    (date(2019, 1, 15), date(2023, 12, 31), None, date(2019, 1, 14), False),
    (date(2019, 1, 15), date(2023, 12, 31), None, date(2019, 1, 15), True),
    (date(2019, 1, 15), date(2023, 12, 31), None, date(2023, 12, 31), True),
    (date(2019, 1, 15), date(2023, 12, 31), None, date(2024, 1, 1), False),
    (date(2019, 1, 15), date(2023, 12, 31), date(2021, 6, 30), date(2021, 7, 1), False),
    (date(2019, 1, 15), date(2023, 12, 31), date(2021, 6, 30), date(2021, 6, 30), True),
]


@pytest.mark.parametrize(("notified", "max_end", "terminated", "day", "in_force"), AGREEMENT_DAYS)
def test_agreement_in_force(notified, max_end, terminated, day, in_force):
    agreement = Agreement(
        status=Agreement.Status.SIGNED,
        notified_on=notified,
        max_end_date=max_end,
        terminated_on=terminated,
    )
    assert agreement.is_in_force_on(day) is in_force


@pytest.mark.parametrize(
    ("day", "period_end"),
    [
        (date(2019, 1, 15), date(2020, 1, 15)),
        (date(2019, 12, 31), date(2020, 1, 15)),
        (date(2020, 1, 15), date(2021, 1, 15)),
        (date(2023, 6, 1), date(2023, 12, 31)),  # capped by the maximum end date
    ],
)
def test_agreement_renews_tacitly_each_year(day, period_end):
    agreement = Agreement(
        status=Agreement.Status.SIGNED,
        notified_on=date(2019, 1, 15),
        max_end_date=date(2023, 12, 31),
    )
    assert agreement.current_period_end(day) == period_end


def test_draft_agreement_is_never_in_force():
    agreement = Agreement(status=Agreement.Status.DRAFT, max_end_date=date(2030, 1, 1))
    assert not agreement.is_in_force_on(date(2025, 1, 1))
    assert not agreement.is_in_force_during(2025)
