"""The 2018 deliberation's tariff grid, the 2019 pilot discount and one agreement per demo
commune (the 2018 agreement, then its 2024 renewal). Idempotent."""

from datetime import date
from decimal import Decimal

from guichet.partnership.models import Agreement, Discount, TariffBracket, TariffGrid
from guichet.territory.models import Organisation

DELIBERATION = "Délibération du conseil municipal approuvant la convention de partenariat (2018)"

# (min included, max excluded, global €, restricted €) — domain/partnership.md
GRID_2019 = [
    (0, 5_000, 1_800, 1_400),
    (5_000, 10_000, 5_400, 4_200),
    (10_000, 20_000, 8_400, 6_500),
    (20_000, 40_000, 10_800, 8_400),
    (40_000, 80_000, 14_000, 10_800),
    (80_000, None, 18_000, 14_000),
]


def seed_tariffs() -> TariffGrid:
    grid, _ = TariffGrid.objects.update_or_create(
        valid_from=2019,
        defaults={"label": "Grille de la convention 2018", "deliberation": DELIBERATION},
    )
    for low, high, global_eur, restricted_eur in GRID_2019:
        for offer, amount in (("global", global_eur), ("restricted", restricted_eur)):
            TariffBracket.objects.update_or_create(
                grid=grid,
                offer=offer,
                min_population=low,
                defaults={"max_population": high, "amount_eur": Decimal(amount)},
            )
    Discount.objects.update_or_create(
        year=2019,
        partner_status=Organisation.PartnerStatus.PILOT,
        commune=None,
        defaults={
            "label": "Remise communes pilotes 2019",
            "rate_percent": Decimal(50),
            "reason": "Investissement des communes pilotes pendant la construction du guichet.",
        },
    )
    return grid


def seed(log) -> list[str]:
    seed_tariffs()
    communes = Organisation.objects.filter(kind=Organisation.Kind.COMMUNE)
    for commune in communes:
        first_notified = (
            date(2019, 1, 15) if commune.partner_status == "pilot" else date(2019, 6, 3)
        )
        for notified_on, max_end in (
            (first_notified, date(2023, 12, 31)),
            (date(2024, 1, 1), date(2029, 12, 31)),
        ):
            Agreement.objects.update_or_create(
                commune=commune,
                notified_on=notified_on,
                defaults={
                    "reference": f"CONV-{notified_on.year}-{commune.insee_code}",
                    "offer": commune.offer,
                    "status": Agreement.Status.SIGNED,
                    "max_end_date": max_end,
                    "deliberation": DELIBERATION,
                    "budget_line": "65 020 651",
                    "technical_referent_name": f"Référent numérique de {commune.name}",
                    "technical_referent_email": f"numerique@{commune.slug}.example.org",
                    "political_referent_name": f"Adjoint·e au numérique de {commune.name}",
                    "political_referent_mandate": "Adjoint·e au maire délégué·e au numérique",
                },
            )
    log(f"partenariat : grille 2019, remise pilotes, {Agreement.objects.count()} conventions")
    return []
