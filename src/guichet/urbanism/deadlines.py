"""The instruction deadline of a planning application, from the Code de l'urbanisme.

Pure functions: a procedure, a filing date, the project's flags and the dated events of the
file in; the end of the instruction, the outcome of silence and the reasons (articles) out.
The numbers (months, articles, which majoration applies to which procedure) are data
(``procedures.py``); the rules that combine them are here:

- base deadline per procedure (R423-23; R410-9 and R410-10 for certificates, R462-6 for the
  completion declaration);
- majorations (R423-24 to R423-28) apply only when notified within the first month after the
  filing (R423-42, R423-43); those of one group do not add up (R423-24 and R423-25: the
  largest applies); a "set" majoration (R423-28: five months) replaces a shorter total;
- within the first month the authority may ask, once, for all the missing pieces (R423-38);
  a request after the first month, a second request, or one for pieces the code does not list
  changes nothing (R423-41); without a valid request the file is complete on filing (R423-22);
- after a valid request the applicant has three months to supply the pieces, else tacit
  refusal or opposition (R423-39); the deadline then runs from the complete file (R423-19);
- silence at the end of the deadline: tacit permit or non-opposition (R424-1), except the
  listed cases of tacit refusal (R424-2, R424-3);
- months are calendar months from the day after the start: the deadline ends on the same day
  number of the last month, or that month's last day when it has no such day (a month from 31
  January ends on 28 or 29 February); the tacit decision arises the next day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guichet.urbanism.procedures import Majoration, Procedure, catalogue

PIECES_REQUESTED = "pieces_requested"
PIECES_RECEIVED = "pieces_received"
EXTENSION_NOTIFIED = "extension_notified"
CONSULTATION_ANSWERED = "consultation_answered"
EVENT_KINDS = (PIECES_REQUESTED, PIECES_RECEIVED, EXTENSION_NOTIFIED, CONSULTATION_ANSWERED)

# outcomes of silence
TACIT_APPROVAL = "tacit_approval"
TACIT_NON_OPPOSITION = "tacit_non_opposition"
TACIT_REFUSAL = "tacit_refusal"
TACIT_OPPOSITION = "tacit_opposition"
TACIT_CERTIFICATE = "tacit_certificate"
TACIT_CONFORMITY = "tacit_conformity"
NO_DEADLINE = "none"

PIECES_MONTHS = 3  # R423-39


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months, on the same day number or the last day of the month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Reason:
    article: str
    text: str


@dataclass(frozen=True)
class Event:
    kind: str
    on: date
    pieces: tuple[str, ...] = ()  # pieces_requested: the codes asked for
    grounds: tuple[str, ...] = ()  # extension_notified: majoration or flag keys
    consultee: str = ""  # consultation_answered
    opinion: str = ""  # "favourable" or "unfavourable"
    sent_on: date | None = None  # consultation_answered: when the consultation was sent


@dataclass(frozen=True)
class Computation:
    procedure: str
    filed_on: date
    first_month_ends: date
    starts_on: date | None
    start_reason: Reason | None
    months: int
    ends_on: date | None
    outcome: str
    decision_on: date | None
    reasons: tuple[Reason, ...]
    outcome_reasons: tuple[Reason, ...]
    ignored: tuple[Reason, ...]
    pieces_requested: tuple[str, ...] = ()
    pieces_due_on: date | None = None
    awaiting_pieces: bool = False
    majorations: tuple[str, ...] = field(default=())

    @property
    def articles(self) -> str:
        """``R423-23 a + R423-24 c``: the articles that built the end of the deadline."""
        return " + ".join(r.article for r in self.reasons)


def _d(day: date) -> str:
    return date_format(day, "j F Y")


def _majorations_claimed(procedure: Procedure, flags: set[str], grounds: tuple[str, ...]):
    """Majoration keys named by ``grounds`` (majoration or flag keys), or by the flags."""
    cat = catalogue()
    keys: list[str] = []
    for ground in grounds or tuple(sorted(flags)):
        if ground in cat.majorations:
            keys.append(ground)
        elif ground in cat.flags:
            keys += [
                k
                for k in cat.flags[ground].majorations
                if procedure.code in cat.majorations[k].applies_to
            ]
    return list(dict.fromkeys(keys))


def _combine(base: int, applied: list[Majoration]) -> tuple[int, list[Majoration], list[Reason]]:
    """Months after the majorations; the ones used; the ones that do not add up."""
    ignored: list[Reason] = []
    used: list[Majoration] = []
    by_group: dict[str, Majoration] = {}
    adds = [m for m in applied if m.kind == "add"]
    for m in adds:
        if not m.group:
            used.append(m)
            continue
        best = by_group.get(m.group)
        if best is None or m.months > best.months:
            by_group[m.group] = m
    for m in adds:
        if m.group and by_group[m.group] is not m and m not in used:
            kept = by_group[m.group]
            ignored.append(
                Reason(
                    m.article,
                    _("Cette majoration ne se cumule pas avec celle de l'article %s.")
                    % kept.article,
                )
            )
    used += list(by_group.values())
    used.sort(key=lambda m: applied.index(m))
    months = base + sum(m.months for m in used)
    for m in (m for m in applied if m.kind == "set"):
        if m.months > months:
            months = m.months
            used = [m]
        else:
            ignored.append(Reason(m.article, _("Le délai est déjà d'au moins %s mois.") % m.months))
    return months, used, ignored


def compute(
    procedure: Procedure,
    *,
    filed_on: date,
    flags: set[str] | frozenset[str] = frozenset(),
    events: list[Event] | tuple[Event, ...] = (),
) -> Computation:
    """The deadline of a file of ``procedure`` filed on ``filed_on``, with the project's
    ``flags`` (heritage_spr, erp_works, ..., abf_unfavourable) and its dated ``events``."""
    cat = catalogue()
    flags = set(flags)
    events = sorted(events, key=lambda e: (e.on, EVENT_KINDS.index(e.kind)))
    first_month_ends = add_months(filed_on, 1)
    ignored: list[Reason] = []
    reasons: list[Reason] = []
    start_reason: Reason | None = None

    def within_month(event: Event) -> bool:
        return filed_on <= event.on <= first_month_ends

    # Completeness (R423-38, R423-39, R423-41, R423-22, R423-19)
    request: Event | None = None
    asked: tuple[str, ...] = ()
    for event in (e for e in events if e.kind == PIECES_REQUESTED):
        if not procedure.completeness:
            ignored.append(
                Reason(
                    "R423-38",
                    _("La demande de pièces ne s'applique pas à la procédure %s.") % procedure.code,
                )
            )
        elif request is not None:
            ignored.append(
                Reason(
                    "R423-38",
                    _(
                        "Demande de pièces du %s : une seule demande, portant sur toutes les "
                        "pièces manquantes, est possible ; celle-ci ne change rien."
                    )
                    % _d(event.on),
                )
            )
        elif not within_month(event):
            ignored.append(
                Reason(
                    "R423-41",
                    _(
                        "Demande de pièces du %(on)s, après le premier mois (fini le %(end)s) : "
                        "elle ne modifie pas le délai d'instruction."
                    )
                    % {"on": _d(event.on), "end": _d(first_month_ends)},
                )
            )
        else:
            listed = tuple(code for code in event.pieces if procedure.piece(code))
            unlisted = [code for code in event.pieces if not procedure.piece(code)]
            if unlisted:
                ignored.append(
                    Reason(
                        "R423-41",
                        _("Pièces non prévues par le code pour cette procédure : %s.")
                        % ", ".join(unlisted),
                    )
                )
            if event.pieces and not listed:
                continue
            request, asked = event, listed
    pieces_due_on = add_months(request.on, PIECES_MONTHS) if request else None
    starts_on: date | None = filed_on
    if request is not None:
        received = next(
            (e for e in events if e.kind == PIECES_RECEIVED and e.on >= request.on), None
        )
        if received is not None and received.on > pieces_due_on:
            ignored.append(
                Reason(
                    "R423-39",
                    _("Pièces reçues le %(on)s, après le délai de trois mois (fini le %(due)s).")
                    % {"on": _d(received.on), "due": _d(pieces_due_on)},
                )
            )
            received = None
        starts_on = received.on if received else None
        if received:
            start_reason = Reason(
                "R423-19",
                _("Le délai court à compter de la réception du dossier complet, le %s.")
                % _d(received.on),
            )
    elif procedure.completeness:
        start_reason = Reason(
            "R423-22",
            _("Sans demande de pièces dans le premier mois, le dossier est complet le %s.")
            % _d(filed_on),
        )

    # Base deadline and majorations (R423-23 to R423-28, R423-42, R423-43)
    if procedure.base_months:
        reasons.append(
            Reason(
                procedure.base_article,
                _("Délai de base : %(months)s mois (%(name)s).")
                % {"months": procedure.base_months, "name": procedure.name},
            )
        )
    claimed: dict[str, bool] = {}  # majoration key -> notified in time
    for event in (e for e in events if e.kind == EXTENSION_NOTIFIED):
        for key in _majorations_claimed(procedure, flags, event.grounds):
            if within_month(event):
                claimed[key] = True
            elif key not in claimed:
                claimed[key] = False
                ignored.append(
                    Reason(
                        cat.majorations[key].article,
                        _(
                            "Majoration notifiée le %(on)s, après le premier mois (fini le "
                            "%(end)s) : elle ne s'applique pas (R423-43)."
                        )
                        % {"on": _d(event.on), "end": _d(first_month_ends)},
                    )
                )
    for key in _majorations_claimed(procedure, flags, ()):
        m = cat.majorations[key]
        if not m.notice:
            claimed[key] = True  # applies by itself (R462-7)
        elif key not in claimed:
            claimed[key] = False
            ignored.append(
                Reason(
                    m.article,
                    _(
                        "%(label)s : majoration non notifiée dans le premier mois, elle ne "
                        "s'applique pas (R423-43)."
                    )
                    % {"label": m.label},
                )
            )
    applicable: list[Majoration] = []
    for key, notified in claimed.items():
        if not notified:
            continue
        m = cat.majorations[key]
        if procedure.code not in m.applies_to:
            ignored.append(
                Reason(
                    m.article,
                    _("Cette majoration ne s'applique pas à la procédure %s.") % procedure.code,
                )
            )
            continue
        applicable.append(m)
    months, used, not_cumulated = _combine(procedure.base_months, applicable)
    ignored += not_cumulated
    for m in used:
        if m.kind == "set":
            reasons.append(
                Reason(
                    m.article,
                    _("Délai porté à %(months)s mois : %(label)s.")
                    % {"months": m.months, "label": m.label},
                )
            )
        else:
            reasons.append(
                Reason(
                    m.article,
                    _("+%(months)s mois : %(label)s.") % {"months": m.months, "label": m.label},
                )
            )

    # Consultations with their own deadlines; the cases of tacit refusal (R424-2, R424-3)
    refusal_keys = {k for k in flags if k in cat.tacit_refusals}
    for event in (e for e in events if e.kind == CONSULTATION_ANSWERED):
        consultee = cat.consultees.get(event.consultee)
        if consultee is None:
            continue
        if event.sent_on and event.on > add_months(event.sent_on, consultee.months):
            ignored.append(
                Reason(
                    consultee.article,
                    _(
                        "Avis de %(who)s rendu le %(on)s, après son délai de %(months)s mois : "
                        "son silence valait avis favorable."
                    )
                    % {"who": consultee.label, "on": _d(event.on), "months": consultee.months},
                )
            )
            continue
        if event.consultee == "abf" and event.opinion == "unfavourable":
            refusal_keys.add("abf_unfavourable")
    refusals = [
        cat.tacit_refusals[k]
        for k in sorted(refusal_keys)
        if procedure.code in cat.tacit_refusals[k].applies_to
    ]

    outcome_reasons: list[Reason] = []
    if not procedure.base_months:
        outcome, ends_on, decision_on = NO_DEADLINE, None, None
        starts_on = None
    elif request is not None and starts_on is None:
        # waiting for the pieces: silence until the end of the three months is a refusal
        ends_on = None
        decision_on = pieces_due_on + timedelta(days=1)
        outcome = TACIT_OPPOSITION if procedure.tacit == "non_opposition" else TACIT_REFUSAL
        outcome_reasons.append(
            Reason(
                "R423-39",
                _(
                    "Pièces demandées le %(on)s : sans toutes les pièces au plus tard le "
                    "%(due)s, la demande est tacitement rejetée le %(decision)s."
                )
                % {
                    "on": _d(request.on),
                    "due": _d(pieces_due_on),
                    "decision": _d(decision_on),
                },
            )
        )
    else:
        ends_on = add_months(starts_on, months)
        decision_on = ends_on + timedelta(days=1)
        if refusals:
            outcome = TACIT_OPPOSITION if procedure.tacit == "non_opposition" else TACIT_REFUSAL
            outcome_reasons += [Reason(r.article, r.label) for r in refusals]
        else:
            outcome = {
                "approval": TACIT_APPROVAL,
                "non_opposition": TACIT_NON_OPPOSITION,
                "certificate": TACIT_CERTIFICATE,
                "conformity": TACIT_CONFORMITY,
            }[procedure.tacit]
            outcome_reasons.append(
                Reason(
                    procedure.tacit_article, _("Le silence gardé à la fin du délai vaut décision.")
                )
            )
    return Computation(
        procedure=procedure.code,
        filed_on=filed_on,
        first_month_ends=first_month_ends,
        starts_on=starts_on,
        start_reason=start_reason,
        months=months if procedure.base_months else 0,
        ends_on=ends_on,
        outcome=outcome,
        decision_on=decision_on,
        reasons=tuple(reasons),
        outcome_reasons=tuple(outcome_reasons),
        ignored=tuple(ignored),
        pieces_requested=asked,
        pieces_due_on=pieces_due_on,
        awaiting_pieces=request is not None and starts_on is None,
        majorations=tuple(m.key for m in used),
    )


def outcome_label(outcome: str) -> str:
    return {
        TACIT_APPROVAL: _("Permis tacite"),
        TACIT_NON_OPPOSITION: _("Non-opposition tacite"),
        TACIT_REFUSAL: _("Refus tacite"),
        TACIT_OPPOSITION: _("Opposition tacite"),
        TACIT_CERTIFICATE: _("Certificat d'urbanisme tacite"),
        TACIT_CONFORMITY: _("Conformité tacite (ne peut plus être contestée)"),
        NO_DEADLINE: _("Pas de délai d'instruction (simple déclaration)"),
    }[outcome]
