"""The dates of a disability file, as the domain notes and the regulation give them."""

import datetime

import pytest

from guichet.disability import rules
from guichet.disability.filing import certificate_error

D = datetime.date


@pytest.mark.parametrize(
    ("issued", "filed", "accepted"),
    [
        (D(2025, 12, 5), D(2026, 12, 4), True),  # 364 days: less than a year
        (D(2025, 12, 5), D(2026, 12, 5), False),  # a year to the day: no longer
        (D(2026, 12, 4), D(2026, 12, 4), True),  # issued the same day
        (D(2026, 12, 6), D(2026, 12, 5), False),  # dated in the future
        (D(2024, 2, 29), D(2025, 2, 27), True),
        (D(2024, 2, 29), D(2025, 2, 28), False),
    ],
)
def test_medical_certificate_less_than_one_year_old_on_filing(issued, filed, accepted):
    message = certificate_error(issued, filed)
    assert (message == "") is accepted
    if not accepted:
        assert issued.strftime("%d/%m/%Y") in message


def test_refusal_names_the_rule_and_the_last_valid_day():
    message = certificate_error(D(2025, 1, 10), D(2026, 3, 1))
    assert "moins d'un an" in message
    assert "01/03/2026" in message and "09/01/2026" in message


@pytest.mark.parametrize(
    ("filed", "silence"),
    [
        (D(2026, 1, 15), D(2026, 5, 15)),
        (D(2026, 10, 31), D(2027, 2, 28)),
        (D(2026, 11, 30), D(2027, 3, 30)),
    ],
)
def test_silence_date_four_months_after_filing(filed, silence):
    assert rules.silence_date(filed) == silence


def test_retention_overridable_per_piece_type(settings):
    settings.DISABILITY_RETENTION_DAYS = {"medical_certificate": 10}
    days = rules.retention_days()
    assert days["medical_certificate"] == 10
    assert days["identity"] == rules.RETENTION_DAYS_DEFAULT["identity"]
