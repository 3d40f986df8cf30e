"""Routing explained to the person: who handles their request and why, from the competence rule
that routed it (the reason is kept with the ``routed`` event, so a later change of the rule does
not rewrite the history) and updated when the case is rerouted."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from guichet.cases.models import Case, CaseEvent


@dataclass(frozen=True)
class RoutingExplained:
    handled_by: str  # "Voirie — Métropole de Lyon"
    why: str


def _last_routed(case: Case) -> CaseEvent | None:
    return (
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTED)
        .only("data", "created_at")
        .order_by("-created_at", "-pk")
        .first()
    )


def routing_subject(case: Case) -> str:
    """The competence subject the case was routed by (a category's for a report), else the
    service's key (cases filed before the subject was kept)."""
    first = (
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTED)
        .only("data")
        .order_by("created_at", "pk")
        .first()
    )
    return ((first.data or {}).get("subject") if first else "") or case.definition.key


def routing_explained(case: Case) -> RoutingExplained:
    """Who handles ``case`` now and why, in the active language (French when the rule has no
    English reason). Read for the person's own case (the door checked it)."""
    handled_by = f"{case.team.name} — {case.organisation.name}"
    event = _last_routed(case)
    explanation = ((event.data or {}).get("explanation") if event else None) or {}
    language = (get_language() or "fr").split("-")[0]
    why = explanation.get(language) or explanation.get("fr") or ""
    if not why:
        why = _("c'est l'organisation chargée de ce type de demande sur votre commune.")
    return RoutingExplained(handled_by=handled_by, why=why)
