"""What the case engine answers to bad input."""

from __future__ import annotations

from django.utils.translation import gettext as _


class CaseInputError(Exception):
    """Bad input for a case; ``errors`` maps a field key (or ``__all__``) to a French message."""

    def __init__(self, errors: dict[str, str], code: str = "invalid"):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.code = code


def already_submitted() -> CaseInputError:
    return CaseInputError(
        {"__all__": _("Cette demande a déjà été envoyée.")}, code="already_submitted"
    )
