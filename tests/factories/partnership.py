"""Partnership: the tariff grid (the application's 2019 grid and its pilot discount, as the
operator records it) and partner communes with their two agreements (2019-2023 and
2024-2029), from which the contributions are computed."""

from datetime import date

from guichet.partnership.demo import DELIBERATION, seed_tariffs
from guichet.partnership.models import Agreement, TariffGrid
from guichet.territory.models import Organisation
from tests.factories import CommuneFactory


def tariffs() -> TariffGrid:
    """The 2019 grid (population brackets by offer) and the 50 % pilot discount of 2019."""
    return seed_tariffs()


def partner_commune(
    *, name: str, insee: str, population: int, status: str, offer: str, **fields
) -> Organisation:
    """A commune of ``population`` (``status``: pilot or partner, ``offer``: global or
    restricted) with a signed agreement from 2019 (15 January for pilots, 3 June for the
    others) to 2023, renewed from 2024 to 2029."""
    commune = CommuneFactory(
        name=name,
        insee_code=insee,
        population=population,
        partner_status=status,
        offer=offer,
        **fields,
    )
    first = date(2019, 1, 15) if status == Organisation.PartnerStatus.PILOT else date(2019, 6, 3)
    for notified_on, max_end in (
        (first, date(2023, 12, 31)),
        (date(2024, 1, 1), date(2029, 12, 31)),
    ):
        Agreement.objects.create(
            commune=commune,
            notified_on=notified_on,
            reference=f"CONV-{notified_on.year}-{insee}",
            offer=offer,
            status=Agreement.Status.SIGNED,
            max_end_date=max_end,
            deliberation=DELIBERATION,
        )
    return commune
