"""The document types a person keeps in their wallet, and when each is valid.

Each type has a code (what a service's form names in a file field's ``document_type``), a
French label (English in the catalogue), whether it is health data (GDPR art. 9: kept only if
the person chooses to, see docs/wallet.md) and its validity rule, one of:

- ``months``: valid for ``months`` months from its issue date (an address proof: 3);
- ``until_expiry``: valid until the expiry date written on it (an identity card), required;
- ``until_end``: valid until its end date when it has one, for good otherwise (a court
  decision, a mandate);
- ``tax_year``: the notice of the current year or of the previous one;
- ``permanent``: always valid (a family record book).

``document_validity(...)`` answers for a date, with the reason in French when it is not.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MONTHS, UNTIL_EXPIRY, UNTIL_END, TAX_YEAR, PERMANENT = (
    "months",
    "until_expiry",
    "until_end",
    "tax_year",
    "permanent",
)


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: str | Promise
    rule: str
    months: int = 0
    health: bool = False

    @property
    def needs_expiry(self) -> bool:
        return self.rule == UNTIL_EXPIRY

    @property
    def takes_expiry(self) -> bool:
        """Whether the add form asks for an expiry or end date."""
        return self.rule in (UNTIL_EXPIRY, UNTIL_END)

    def rule_text(self) -> str:
        """The rule in French, as the citizen reads it next to a refusal."""
        if self.rule == MONTHS:
            return _("un document de ce type doit dater de moins de %(n)s mois") % {
                "n": self.months
            }
        if self.rule == UNTIL_EXPIRY:
            return _("un document de ce type est valable jusqu'à sa date d'expiration")
        if self.rule == UNTIL_END:
            return _("un document de ce type est valable jusqu'à sa date de fin, s'il en a une")
        if self.rule == TAX_YEAR:
            return _("seul l'avis de l'année en cours ou de l'année précédente est accepté")
        return _("un document de ce type n'expire pas")


_TYPES = [
    DocumentType("identity", gettext_lazy("Pièce d'identité"), UNTIL_EXPIRY),
    DocumentType("address_proof", gettext_lazy("Justificatif de domicile"), MONTHS, 3),
    DocumentType(
        "medical_certificate", gettext_lazy("Certificat médical"), MONTHS, 12, health=True
    ),
    DocumentType("court_decision", gettext_lazy("Décision de justice"), UNTIL_END),
    DocumentType("mandate", gettext_lazy("Mandat ou procuration"), UNTIL_END),
    DocumentType("family_record_book", gettext_lazy("Livret de famille"), PERMANENT),
    DocumentType("tax_notice", gettext_lazy("Avis d'imposition"), TAX_YEAR),
    DocumentType("certificate", gettext_lazy("Attestation"), MONTHS, 3),
    DocumentType("birth_certificate", gettext_lazy("Acte de naissance"), MONTHS, 3),
    DocumentType("residence_permit", gettext_lazy("Titre de séjour"), UNTIL_EXPIRY),
    DocumentType("driving_licence", gettext_lazy("Permis de conduire"), UNTIL_EXPIRY),
    DocumentType(
        "family_allowance_certificate",
        gettext_lazy("Attestation de la CAF (quotient familial)"),
        MONTHS,
        3,
    ),
    DocumentType("bank_details", gettext_lazy("Relevé d'identité bancaire (RIB)"), PERMANENT),
    DocumentType("id_photo", gettext_lazy("Photo d'identité"), MONTHS, 6),
    DocumentType(
        "disability_card",
        gettext_lazy("Carte mobilité inclusion"),
        UNTIL_END,
        health=True,
    ),
]

DOCUMENT_TYPES: dict[str, DocumentType] = {t.code: t for t in _TYPES}


def document_type(code: str) -> DocumentType | None:
    return DOCUMENT_TYPES.get(code)


def document_type_choices() -> list[tuple[str, str | Promise]]:
    return [(t.code, t.label) for t in _TYPES]


def health_codes() -> set[str]:
    return {t.code for t in _TYPES if t.health}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` months, on the last day of the month when it has fewer days
    (31 January + 1 month = 28 or 29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True)
class Validity:
    valid: bool
    #: the last day it is valid (None: no end)
    valid_until: datetime.date | None
    #: why it is not valid on the date asked (French), empty when valid
    reason: str = ""


def _day(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def valid_until(
    code: str, *, issued_on: datetime.date, expires_on: datetime.date | None
) -> datetime.date | None:
    """The last day a document is valid (None: no end)."""
    kind = DOCUMENT_TYPES[code]
    if kind.rule == MONTHS:
        return add_months(issued_on, kind.months) - datetime.timedelta(days=1)
    if kind.rule in (UNTIL_EXPIRY, UNTIL_END):
        return expires_on
    if kind.rule == TAX_YEAR:
        return datetime.date(issued_on.year + 1, 12, 31)
    return None


def document_validity(
    code: str,
    *,
    issued_on: datetime.date,
    expires_on: datetime.date | None = None,
    on: datetime.date,
) -> Validity:
    """Whether a document of type ``code`` issued on ``issued_on`` (expiring on
    ``expires_on``) is valid on ``on``; when it is not, the reason names its date and the rule.
    """
    kind = DOCUMENT_TYPES[code]
    label = str(kind.label)
    if issued_on > on:
        return Validity(
            False,
            None,
            _("%(label)s émis le %(issued)s : cette date est postérieure au %(on)s.")
            % {"label": label, "issued": _day(issued_on), "on": _day(on)},
        )
    if kind.rule == UNTIL_EXPIRY and expires_on is None:
        return Validity(
            False,
            None,
            _("%(label)s sans date d'expiration : %(rule)s.")
            % {"label": label, "rule": kind.rule_text()},
        )
    last = valid_until(code, issued_on=issued_on, expires_on=expires_on)
    if last is None or on <= last:
        return Validity(True, last)
    if kind.rule in (MONTHS, TAX_YEAR):
        reason = _(
            "%(label)s émis le %(issued)s : il n'est plus valable depuis le %(expired)s (%(rule)s)."
        )
    else:
        reason = _("%(label)s expiré le %(last)s : il n'est plus valable (%(rule)s).")
    return Validity(
        False,
        last,
        reason
        % {
            "label": label,
            "issued": _day(issued_on),
            "expired": _day(last + datetime.timedelta(days=1)),
            "last": _day(last),
            "rule": kind.rule_text(),
        },
    )
