import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EXPECTED_2019 = {
    "Lyon": 9000,
    "Vaulx-en-Velin": 7000,
    "Bron": 7000,
    "Oullins": 5400,
    "Dardilly": 2700,
    "Écully": 6500,  # partner on the restricted offer: no pilot discount
}


def run(*args) -> str:
    out = io.StringIO()
    call_command("contributions", *args, stdout=out)
    return out.getvalue()


def test_contributions_2019_csv(partners):
    rows = list(csv.DictReader(io.StringIO(run("--year", "2019", "--format", "csv"))))
    assert list(rows[0].keys()) == [
        "insee", "commune", "population", "bracket", "offer", "status",
        "base_eur", "discount_pct", "amount_eur",
    ]  # fmt: skip
    by_name = {r["commune"]: r for r in rows[:-1]}
    assert {name: int(r["amount_eur"]) for name, r in by_name.items()} == EXPECTED_2019
    lyon = by_name["Lyon"]
    assert (lyon["insee"], lyon["population"], lyon["bracket"]) == ("69123", "522000", "80000+")
    assert (lyon["offer"], lyon["status"], lyon["base_eur"], lyon["discount_pct"]) == (
        "global", "pilot", "18000", "50",
    )  # fmt: skip
    total = rows[-1]
    assert total["insee"] == "TOTAL"
    assert int(total["amount_eur"]) == sum(EXPECTED_2019.values())


def test_contributions_2019_json_is_the_same_table(partners):
    data = json.loads(run("--year", "2019", "--format", "json"))
    assert {r["commune"]: r["amount_eur"] for r in data[:-1]} == EXPECTED_2019
    assert data[-1]["insee"] == "TOTAL"
    assert data[-1]["amount_eur"] == sum(EXPECTED_2019.values())


def test_contributions_2025_follow_the_renewed_agreements_without_discount(partners):
    data = json.loads(run("--year", "2025", "--format", "json"))
    assert {r["commune"]: r["amount_eur"] for r in data[:-1]} == {
        "Lyon": 18000,
        "Vaulx-en-Velin": 14000,
        "Bron": 14000,
        "Oullins": 10800,
        "Dardilly": 5400,
        "Écully": 6500,
    }


def test_unknown_year_is_a_clear_error_with_exit_code_2(partners):
    with pytest.raises(CommandError) as excinfo:
        run("--year", "2010")
    assert excinfo.value.returncode == 2
    assert "Aucune grille tarifaire ne couvre l'année 2010" in str(excinfo.value)
