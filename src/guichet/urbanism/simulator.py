"""The deadline simulator: input from the public page or the API, parsed and checked with
French messages, then handed to the engine (``deadlines.compute``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from guichet.urbanism.deadlines import EVENT_KINDS, Computation, Event, compute, outcome_label
from guichet.urbanism.procedures import catalogue, procedure_get

MAX_EVENTS = 50
OPINIONS = ("", "favourable", "unfavourable")


class SimulationError(Exception):
    def __init__(self, errors: dict[str, str], code: str = "invalid"):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.code = code


def known_flags() -> list[str]:
    cat = catalogue()
    return sorted(set(cat.flags) | set(cat.majorations) | set(cat.tacit_refusals))


def _date(value: Any, key: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[key] = _("Date invalide : « %s » (attendu AAAA-MM-JJ).") % str(value)[:30]
        return None


def simulation_run(payload: dict[str, Any]) -> Computation:
    """``{procedure, filed_on, flags: [...], events: [{kind, date, pieces, grounds, consultee,
    opinion, sent_on}]}`` -> the engine's computation. Raises SimulationError."""
    errors: dict[str, str] = {}
    procedure = procedure_get(str(payload.get("procedure") or ""))
    if procedure is None:
        errors["procedure"] = _("Procédure inconnue : « %(code)s » (connues : %(known)s).") % {
            "code": str(payload.get("procedure") or "")[:20],
            "known": ", ".join(catalogue().procedures),
        }
    filed_on = _date(payload.get("filed_on"), "filed_on", errors)
    flags = [str(f) for f in payload.get("flags") or []]
    unknown = [f for f in flags if f not in known_flags()]
    if unknown:
        errors["flags"] = _("Indicateur inconnu : %s.") % ", ".join(unknown)[:200]
    raw_events = payload.get("events") or []
    if len(raw_events) > MAX_EVENTS:
        errors["events"] = _("%s événements au plus.") % MAX_EVENTS
        raw_events = []
    events: list[Event] = []
    for index, raw in enumerate(raw_events):
        key = f"events.{index}"
        kind = str(raw.get("kind") or "")
        if kind not in EVENT_KINDS:
            errors[f"{key}.kind"] = _("Événement inconnu : « %(kind)s » (connus : %(known)s).") % {
                "kind": kind[:40],
                "known": ", ".join(EVENT_KINDS),
            }
            continue
        on = _date(raw.get("date"), f"{key}.date", errors)
        sent_on = (
            _date(raw.get("sent_on"), f"{key}.sent_on", errors) if raw.get("sent_on") else None
        )
        opinion = str(raw.get("opinion") or "")
        if opinion not in OPINIONS:
            errors[f"{key}.opinion"] = _("Avis : favourable ou unfavourable.")
        if on and filed_on and on < filed_on:
            errors[f"{key}.date"] = _("Un événement ne peut précéder le dépôt.")
        if on is None:
            continue
        events.append(
            Event(
                kind=kind,
                on=on,
                pieces=tuple(str(p).strip().upper() for p in raw.get("pieces") or [])[:100],
                grounds=tuple(str(g) for g in raw.get("grounds") or [])[:20],
                consultee=str(raw.get("consultee") or "")[:20],
                opinion=opinion,
                sent_on=sent_on,
            )
        )
    if errors:
        raise SimulationError(
            errors, code="unknown_procedure" if "procedure" in errors else "invalid"
        )
    return compute(procedure, filed_on=filed_on, flags=set(flags), events=events)


def computation_as_dict(result: Computation) -> dict[str, Any]:
    def reasons(items):
        return [{"article": r.article, "text": r.text} for r in items]

    procedure = procedure_get(result.procedure)
    return {
        "procedure": result.procedure,
        "procedure_name": procedure.name,
        "filed_on": result.filed_on,
        "first_month_ends": result.first_month_ends,
        "starts_on": result.starts_on,
        "months": result.months,
        "ends_on": result.ends_on,
        "decision_on": result.decision_on,
        "outcome": result.outcome,
        "outcome_label": outcome_label(result.outcome),
        "articles": result.articles,
        "reasons": reasons(result.reasons),
        "start_reason": reasons([result.start_reason])[0] if result.start_reason else None,
        "outcome_reasons": reasons(result.outcome_reasons),
        "ignored": reasons(result.ignored),
        "pieces_requested": list(result.pieces_requested),
        "pieces_due_on": result.pieces_due_on,
    }
