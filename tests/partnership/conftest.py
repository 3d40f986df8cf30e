import pytest

# The partner communes of the contribution tests: (INSEE, name, population, status, offer).
PARTNERS = [
    ("69123", "Lyon", 522_000, "pilot", "global"),
    ("69256", "Vaulx-en-Velin", 52_000, "pilot", "global"),
    ("69029", "Bron", 42_000, "pilot", "global"),
    ("69149", "Oullins", 26_000, "pilot", "global"),
    ("69072", "Dardilly", 8_700, "pilot", "global"),
    ("69081", "Écully", 18_500, "partner", "restricted"),
]


@pytest.fixture
def partners(db):
    """The 2019 tariff grid and the communes of ``PARTNERS`` with their agreements, by name."""
    from tests.factories.partnership import partner_commune, tariffs

    tariffs()
    return {
        name: partner_commune(
            name=name, insee=insee, population=population, status=status, offer=offer
        )
        for insee, name, population, status, offer in PARTNERS
    }
