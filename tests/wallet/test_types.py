"""The validity rules of the wallet's document types, as a table that reads like the rules."""

import datetime

import pytest
from django.utils.translation import override

from guichet.wallet.types import DOCUMENT_TYPES, add_months, document_validity

D = datetime.date


@pytest.mark.parametrize(
    ("code", "issued", "expires", "on", "valid", "until"),
    [
        # A proof of address: less than 3 months old.
        ("address_proof", D(2026, 1, 10), None, D(2026, 4, 9), True, D(2026, 4, 9)),
        ("address_proof", D(2026, 1, 10), None, D(2026, 4, 10), False, D(2026, 4, 9)),
        ("address_proof", D(2025, 11, 30), None, D(2026, 2, 27), True, D(2026, 2, 27)),
        ("address_proof", D(2025, 11, 30), None, D(2026, 2, 28), False, D(2026, 2, 27)),
        # A medical certificate: less than one year old.
        ("medical_certificate", D(2025, 3, 1), None, D(2026, 2, 28), True, D(2026, 2, 28)),
        ("medical_certificate", D(2025, 3, 1), None, D(2026, 3, 1), False, D(2026, 2, 28)),
        # An identity document: until its expiry date, which it must have.
        ("identity", D(2020, 5, 1), D(2030, 4, 30), D(2030, 4, 30), True, D(2030, 4, 30)),
        ("identity", D(2020, 5, 1), D(2030, 4, 30), D(2030, 5, 1), False, D(2030, 4, 30)),
        ("identity", D(2020, 5, 1), None, D(2026, 1, 1), False, None),
        ("residence_permit", D(2024, 1, 1), D(2026, 12, 31), D(2027, 1, 1), False, D(2026, 12, 31)),
        # A tax notice: of the current year or of the previous one.
        ("tax_notice", D(2025, 8, 1), None, D(2026, 12, 31), True, D(2026, 12, 31)),
        ("tax_notice", D(2025, 8, 1), None, D(2027, 1, 1), False, D(2026, 12, 31)),
        ("tax_notice", D(2026, 1, 5), None, D(2026, 6, 1), True, D(2027, 12, 31)),
        # A court decision, a mandate: until their end date when they have one, else for good.
        ("court_decision", D(2019, 1, 1), None, D(2040, 1, 1), True, None),
        ("court_decision", D(2019, 1, 1), D(2029, 1, 1), D(2029, 1, 2), False, D(2029, 1, 1)),
        ("mandate", D(2026, 1, 1), D(2026, 6, 30), D(2026, 6, 30), True, D(2026, 6, 30)),
        # A family record book never expires; a generic certificate lasts 3 months.
        ("family_record_book", D(1990, 1, 1), None, D(2026, 1, 1), True, None),
        ("certificate", D(2026, 1, 1), None, D(2026, 4, 1), False, D(2026, 3, 31)),
        ("id_photo", D(2026, 1, 1), None, D(2026, 6, 30), True, D(2026, 6, 30)),
        # A document issued after the date asked is never valid on that date.
        ("family_record_book", D(2026, 2, 1), None, D(2026, 1, 1), False, None),
    ],
)
def test_validity_rules(code, issued, expires, on, valid, until):
    validity = document_validity(code, issued_on=issued, expires_on=expires, on=on)
    assert validity.valid is valid
    assert validity.valid_until == until
    assert bool(validity.reason) is (not valid)


def test_a_refusal_names_the_date_and_the_rule_in_french():
    with override("fr"):
        validity = document_validity(
            "medical_certificate", issued_on=D(2025, 1, 15), on=D(2026, 2, 1)
        )
    assert "15/01/2025" in validity.reason  # its date
    assert "15/01/2026" in validity.reason  # when it stopped being valid
    assert "moins de 12 mois" in validity.reason  # the rule
    with override("fr"):
        expired = document_validity(
            "identity", issued_on=D(2015, 1, 1), expires_on=D(2025, 1, 1), on=D(2026, 1, 1)
        )
    assert "expiré le 01/01/2025" in expired.reason
    assert "date d'expiration" in expired.reason


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 11, 15), 3, D(2026, 2, 15)),
        (D(2025, 3, 1), 12, D(2026, 3, 1)),
    ],
)
def test_add_months_keeps_to_the_end_of_shorter_months(day, months, expected):
    assert add_months(day, months) == expected


def test_the_codes_other_apps_name_exist_and_health_is_marked():
    for code in ("identity", "address_proof", "medical_certificate", "court_decision", "mandate"):
        assert code in DOCUMENT_TYPES
    for code in ("family_record_book", "tax_notice", "certificate"):
        assert code in DOCUMENT_TYPES
    assert {c for c, t in DOCUMENT_TYPES.items() if t.health} == {
        "medical_certificate",
        "disability_card",
    }
