"""Pages of urbanism: the deadline simulator, the applicant's documents, the public register
(page, RSS, CSV, GeoJSON)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.core.exports import csv_cell
from guichet.core.policies import PolicyDenied
from guichet.territory.models import Organisation
from guichet.urbanism import after_permit, instruction, progress
from guichet.urbanism.deadlines import (
    CONSULTATION_ANSWERED,
    EXTENSION_NOTIFIED,
    PIECES_RECEIVED,
    PIECES_REQUESTED,
)
from guichet.urbanism.procedures import catalogue, procedure_get, procedures
from guichet.urbanism.selectors import own_application, register_entries, transfer_consent_for
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


# --------------------------------------------------------------------------------------------
# The applicant's documents and the display declaration
# --------------------------------------------------------------------------------------------

DOCUMENTS = {
    "aee": ("aee_pdf", "accuse-enregistrement"),
    "recepisse": ("recepisse_pdf", "recepisse"),
    "decision": ("decision_pdf", "arrete"),
    "certificat": ("tacit_certificate_pdf", "certificat-decision-tacite"),
}


def _pdf_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def document(request, reference: str, kind: str):
    """The applicant's AEE, récépissé, decision or tacit-decision certificate (PDF)."""
    from guichet.urbanism import documents

    application = own_application(user=request.user, reference=reference)
    if kind not in DOCUMENTS:
        raise Http404("document")
    if kind == "decision" and application.decision in ("", "tacit"):
        raise Http404("document")
    if kind == "certificat" and application.decision != "tacit":
        raise Http404("document")
    function, name = DOCUMENTS[kind]
    content = getattr(documents, function)(application)
    return _pdf_response(content, f"{name}-{slugify(application.number or reference)}")


@login_required
@require_POST
def display_declare_view(request, reference: str):
    application = own_application(user=request.user, reference=reference)
    try:
        on = date.fromisoformat(request.POST.get("display_started_on", ""))
        instruction.display_declare(actor=request.user, application=application, on=on)
    except (ValueError, progress.InstructionRefused):
        messages.error(request, _("Date d'affichage invalide."))
    else:
        messages.success(request, _("Premier jour d'affichage enregistré."))
    return redirect("cases:case", reference=reference)


def _draft_redirect(request, draft):
    # the case engine's draft door: kept in the session like one started from the catalogue
    from guichet.cases.views.citizen import SESSION_DRAFTS

    request.session.setdefault(SESSION_DRAFTS, []).append(str(draft.token))
    request.session.modified = True
    return redirect("cases:draft", token=draft.token)


@login_required
@require_POST
def modification_start_view(request, reference: str):
    """The holder of a granted permit starts a permis modificatif from the permit's page."""
    application = own_application(user=request.user, reference=reference)
    try:
        draft = after_permit.modification_start(actor=request.user, permit=application)
    except progress.InstructionRefused as exc:
        messages.error(request, exc.message)
        return redirect("cases:case", reference=reference)
    except PolicyDenied:
        raise Http404("application") from None
    return _draft_redirect(request, draft)


@login_required
@require_POST
def transfer_consent_view(request, reference: str):
    """The holder of a granted permit agrees to transfer it to the address they give."""
    application = own_application(user=request.user, reference=reference)
    try:
        after_permit.transfer_consent_give(
            actor=request.user,
            permit=application,
            new_holder_email=request.POST.get("new_holder_email", ""),
        )
    except progress.InstructionRefused as exc:
        messages.error(request, exc.message)
    except PolicyDenied:
        raise Http404("application") from None
    else:
        messages.success(
            request, _("Accord de transfert enregistré : le nouveau titulaire est prévenu.")
        )
    return redirect("cases:case", reference=reference)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_accept_view(request, token):
    """The new holder accepts the transfer and files it (a draft of the transfer form)."""
    if request.method == "GET":
        try:
            consent = transfer_consent_for(actor=request.user, token=str(token))
        except PolicyDenied:
            raise Http404("transfer") from None
        return render(
            request, "urbanism/transfer_accept.html", {"token": token, "consent": consent}
        )
    try:
        draft = after_permit.transfer_accept(actor=request.user, token=str(token))
    except PolicyDenied:
        raise Http404("transfer") from None
    except progress.InstructionRefused as exc:
        messages.error(request, exc.message)
        return redirect("urbanism:transfer_accept", token=token)
    return _draft_redirect(request, draft)


# --------------------------------------------------------------------------------------------
# Public register of a commune: page, RSS, CSV, GeoJSON
# --------------------------------------------------------------------------------------------


def _commune(slug: str) -> Organisation:
    commune = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.COMMUNE).first()
    if commune is None:
        raise Http404("commune")
    return commune


def _entry(application) -> dict:
    return {
        "number": application.number,
        "procedure": application.procedure,
        "procedure_name": procedure_get(application.procedure).name,
        "filed_on": application.filed_on,
        "applicant": application.applicant_name,
        "address": application.land_address,
        "parcels": ", ".join(f"{p['section']} {p['number']}" for p in application.parcels),
        "works": application.works_nature,
        "floor_area_created": application.floor_area_created,
        "decision": application.get_decision_display() if application.decision else "",
        "decided_on": application.decided_on,
        "display_started_on": application.display_started_on,
        "appeal_ends_on": instruction.appeal_ends_on(application),
        "lat": application.case.latitude,
        "lon": application.case.longitude,
    }


@require_GET
def register(request, slug: str):
    commune = _commune(slug)
    entries = [_entry(a) for a in register_entries(commune=commune)[:500]]
    return render(request, "urbanism/register.html", {"commune": commune, "entries": entries})


@require_GET
def register_rss(request, slug: str):
    commune = _commune(slug)
    entries = [_entry(a) for a in register_entries(commune=commune)[:100]]
    link = request.build_absolute_uri(reverse("urbanism:register", args=[slug]))
    channel = Element("rss", version="2.0")
    head = SubElement(channel, "channel")
    SubElement(head, "title").text = _("Demandes d'urbanisme — %s") % commune.name
    SubElement(head, "link").text = link
    SubElement(head, "description").text = _("Demandes déposées et décisions prises")
    for entry in entries:
        item = SubElement(head, "item")
        SubElement(item, "title").text = f"{entry['number']} — {entry['procedure_name']}"
        SubElement(item, "guid", isPermaLink="false").text = entry["number"]
        SubElement(item, "link").text = link
        text = f"{entry['address']} ({entry['parcels']}) : {entry['works']}"
        if entry["decision"]:
            text += f" — {entry['decision']}"
        SubElement(item, "description").text = text
        SubElement(item, "pubDate").text = format_datetime(
            datetime.combine(entry["decided_on"] or entry["filed_on"], datetime.min.time(), UTC)
        )
    return HttpResponse(
        b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(channel, encoding="utf-8"),
        content_type="application/rss+xml; charset=utf-8",
    )


CSV_COLUMNS = [
    "number",
    "procedure",
    "filed_on",
    "applicant",
    "address",
    "parcels",
    "works",
    "floor_area_created",
    "decision",
    "decided_on",
    "display_started_on",
    "appeal_ends_on",
]


@require_GET
def register_csv(request, slug: str):
    commune = _commune(slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for application in register_entries(commune=commune).iterator(chunk_size=500):
        entry = _entry(application)
        writer.writerow([csv_cell(entry[c]) for c in CSV_COLUMNS])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="urbanisme-{slug}.csv"'
    return response


@require_GET
def register_geojson(request, slug: str):
    commune = _commune(slug)
    features = []
    for application in register_entries(commune=commune).iterator(chunk_size=500):
        entry = _entry(application)
        geometry = (
            {"type": "Point", "coordinates": [entry["lon"], entry["lat"]]}
            if entry["lat"] is not None and entry["lon"] is not None
            else None
        )
        properties = {c: (str(entry[c]) if entry[c] is not None else None) for c in CSV_COLUMNS}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
    )
