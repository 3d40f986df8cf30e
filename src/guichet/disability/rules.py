"""The rules of a disability file, as data: rights, pieces, deadlines, retention.

Deadlines (R241-33 CASF: silence for four months after filing means rejection; the proposed
plan is open to comment for 15 days; the RAPO within two months of the notification) and the
validity of the medical certificate (Cerfa 15695, less than one year old on the filing date).
Retention durations are per piece type, overridable by ``settings.DISABILITY_RETENTION_DAYS``.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.utils.translation import gettext_lazy as _

#: Rights a file may request (several per file), Cerfa 15692 section "vos demandes".
RIGHTS = {
    "aah": _("Allocation aux adultes handicapés (AAH)"),
    "pch": _("Prestation de compensation du handicap (PCH)"),
    "cmi_invalidite": _("Carte mobilité inclusion (CMI) mention invalidité"),
    "cmi_priorite": _("Carte mobilité inclusion (CMI) mention priorité"),
    "cmi_stationnement": _("Carte mobilité inclusion (CMI) mention stationnement"),
    "rqth": _("Reconnaissance de la qualité de travailleur handicapé (RQTH)"),
    "aeeh": _("Allocation d'éducation de l'enfant handicapé (AEEH)"),
    "aeeh_complement": _("Complément d'AEEH"),
    "orientation_esms": _("Orientation vers un établissement ou service médico-social"),
    "orientation_pro": _("Orientation professionnelle"),
    "scolarisation": _("Aide à la scolarisation (AESH, matériel, orientation scolaire)"),
}

# Piece types: the document type codes of the wallet (guichet.wallet), so that its picker can
# offer a kept document instead of an upload.
IDENTITY = "identity"
ADDRESS_PROOF = "address_proof"
MEDICAL_CERTIFICATE = "medical_certificate"
COURT_DECISION = "court_decision"
MANDATE = "mandate"
APPEAL_LETTER = "appeal_letter"

PIECE_KINDS = {
    IDENTITY: _("Justificatif d'identité"),
    ADDRESS_PROOF: _("Justificatif de domicile"),
    MEDICAL_CERTIFICATE: _("Certificat médical (Cerfa 15695)"),
    COURT_DECISION: _("Jugement de protection juridique"),
    MANDATE: _("Mandat ou justificatif de représentation"),
    APPEAL_LETTER: _("Pièce jointe au recours"),
}

#: Pieces about the person concerned: from the wallet, only a document about that person (the
#: child's identity for a child's file), not the filer's own; the others (address, mandate)
#: may be the filer's.
PERSON_KINDS = frozenset({IDENTITY, MEDICAL_CERTIFICATE, COURT_DECISION})

#: Pieces only the roles that need them may open (evaluation team, doctor).
MEDICAL_KINDS = frozenset({MEDICAL_CERTIFICATE})

CERTIFICATE_VALIDITY_MONTHS = 12
SILENCE_MONTHS = 4
PLAN_COMMENT_DAYS = 15
APPEAL_MONTHS = 2

#: Days before the silence date when the house's named agents are alerted.
SILENCE_ALERT_DAYS_DEFAULT = 30

#: Retention, in days, counted from the file's closure (pieces, the file itself) or the
#: draft's last change. No single legal figure exists (domain notes): the house sets its own.
RETENTION_DAYS_DEFAULT = {
    MEDICAL_CERTIFICATE: 2 * 365,
    IDENTITY: 2 * 365,
    ADDRESS_PROOF: 2 * 365,
    COURT_DECISION: 2 * 365,
    MANDATE: 2 * 365,
    APPEAL_LETTER: 2 * 365,
    "file": 5 * 365,
    "draft": 90,
}


def retention_days() -> dict[str, int]:
    return {**RETENTION_DAYS_DEFAULT, **getattr(settings, "DISABILITY_RETENTION_DAYS", {})}


def silence_alert_days() -> int:
    return int(getattr(settings, "DISABILITY_SILENCE_ALERT_DAYS", SILENCE_ALERT_DAYS_DEFAULT))


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def certificate_valid_until(issued_on: date) -> date:
    """The last filing date on which a certificate issued on ``issued_on`` is accepted."""
    return add_months(issued_on, CERTIFICATE_VALIDITY_MONTHS)


def silence_date(filed_on: date) -> date:
    """The date on which the house's silence means rejection (R241-33 CASF)."""
    return add_months(filed_on, SILENCE_MONTHS)


def appeal_deadline(notified_on: date) -> date:
    """The last day to file a RAPO against a decision notified on ``notified_on``."""
    return add_months(notified_on, APPEAL_MONTHS)
