"""Public pages of urbanism: the deadline simulator."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.urbanism.deadlines import (
    CONSULTATION_ANSWERED,
    EXTENSION_NOTIFIED,
    PIECES_RECEIVED,
    PIECES_REQUESTED,
)
from guichet.urbanism.procedures import catalogue, procedures
from guichet.urbanism.simulator import SimulationError, computation_as_dict, simulation_run

SIMULATOR_FLAGS = ("heritage_spr", "heritage_mh", "erp_works", "listed_monument")


def _simulation_payload(query) -> dict:
    events = []
    if query.get("pieces_requested_on"):
        events.append(
            {
                "kind": PIECES_REQUESTED,
                "date": query["pieces_requested_on"],
                "pieces": [p for p in query.get("pieces", "").replace(",", " ").split() if p],
            }
        )
    if query.get("pieces_received_on"):
        events.append({"kind": PIECES_RECEIVED, "date": query["pieces_received_on"]})
    if query.get("extension_on"):
        events.append({"kind": EXTENSION_NOTIFIED, "date": query["extension_on"]})
    if query.get("abf_on"):
        events.append(
            {
                "kind": CONSULTATION_ANSWERED,
                "date": query["abf_on"],
                "consultee": "abf",
                "opinion": query.get("abf_opinion", ""),
            }
        )
    return {
        "procedure": query.get("procedure", ""),
        "filed_on": query.get("filed_on", ""),
        "flags": [f for f in query.getlist("flags") if f in SIMULATOR_FLAGS],
        "events": events,
    }


@require_GET
def simulator(request):
    """The deadline simulator: a GET form (bookmarkable, no script), the result below it."""
    result = errors = None
    if request.GET.get("procedure"):
        try:
            result = computation_as_dict(simulation_run(_simulation_payload(request.GET)))
        except SimulationError as exc:
            errors = exc.errors
    cat = catalogue()
    return render(
        request,
        "urbanism/simulator.html",
        {
            "procedures": procedures(),
            "flags": [cat.flags[key] for key in SIMULATOR_FLAGS],
            "query": request.GET,
            "chosen_flags": request.GET.getlist("flags"),
            "result": result,
            "errors": errors,
        },
    )
