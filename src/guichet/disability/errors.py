"""What the disability services raise on bad input, and how their messages show a date."""

from __future__ import annotations

from datetime import date


class FilingError(Exception):
    """Bad input: ``errors`` maps a field (or ``__all__``) to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def date_text(day: date) -> str:
    """``day`` as the messages show it (JJ/MM/AAAA)."""
    return day.strftime("%d/%m/%Y")
