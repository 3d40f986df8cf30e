"""Urbanism API, mounted at ``/api/v1/urbanism/``: the deadline simulator (public)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from guichet.urbanism.simulator import SimulationError, computation_as_dict, simulation_run

router = Router(tags=["urbanism"])


class EventIn(Schema):
    kind: Literal[
        "pieces_requested", "pieces_received", "extension_notified", "consultation_answered"
    ] = Field(description="Ce qui s'est passé dans le dossier.")
    date: str = Field(description="Date de l'événement, AAAA-MM-JJ.", examples=["2026-03-25"])
    pieces: list[str] = Field(
        default=[], description="pieces_requested : codes des pièces demandées (PCMI3, DP4...)."
    )
    grounds: list[str] = Field(
        default=[],
        description="extension_notified : motifs (heritage, commission, erp_works...) ; "
        "vide : ceux des indicateurs du projet.",
    )
    consultee: str = Field(default="", description="consultation_answered : abf, service, sdis.")
    opinion: Literal["", "favourable", "unfavourable"] = ""
    sent_on: str | None = Field(
        default=None, description="consultation_answered : date d'envoi de la consultation."
    )


class SimulationIn(Schema):
    procedure: str = Field(description="DP, PCMI, PC, PA, PD, CUA, CUB, DOC ou DAACT.")
    filed_on: str = Field(description="Date de dépôt, AAAA-MM-JJ.", examples=["2026-03-10"])
    flags: list[str] = Field(
        default=[],
        description="Indicateurs du projet : heritage_spr, heritage_mh, erp_works, "
        "listed_monument...",
    )
    events: list[EventIn] = Field(default=[], max_length=50)


class ReasonOut(Schema):
    article: str
    text: str


class SimulationOut(Schema):
    procedure: str
    procedure_name: str
    filed_on: date
    first_month_ends: date
    starts_on: date | None
    months: int
    ends_on: date | None = Field(description="Dernier jour du délai d'instruction.")
    decision_on: date | None = Field(description="Jour où naît la décision tacite.")
    outcome: str
    outcome_label: str
    articles: str = Field(examples=["R423-23 a + R423-24 c"])
    reasons: list[ReasonOut]
    start_reason: ReasonOut | None
    outcome_reasons: list[ReasonOut]
    ignored: list[ReasonOut] = Field(description="Ce qui n'a pas changé le délai, et pourquoi.")
    pieces_requested: list[str]
    pieces_due_on: date | None


class SimulationError422(Schema):
    code: str
    message: str
    errors: dict[str, str]


@router.post(
    "/deadlines",
    auth=None,
    response={200: SimulationOut, 422: SimulationError422},
    summary="Simuler le délai d'instruction d'une demande d'urbanisme",
    description=(
        "Calcule, selon le Code de l'urbanisme, la date à laquelle naît une décision tacite, "
        "son sens et les articles appliqués, à partir de la procédure, de la date de dépôt, "
        "des indicateurs du projet et des événements datés du dossier. Public."
    ),
)
def deadlines_simulate(request, payload: SimulationIn):
    try:
        result = simulation_run(payload.model_dump())
    except SimulationError as exc:
        return Status(
            422,
            {
                "code": exc.code,
                "message": _("Paramètres invalides : %s") % " ".join(exc.errors.values()),
                "errors": exc.errors,
            },
        )
    return Status(200, computation_as_dict(result))
