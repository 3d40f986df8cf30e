"""Pages of reports on public space: the citizen flow (category, location, photos and text),
the public map and list, following a report, alerts, the questionnaire, and the agents' list,
report page, dashboard and exports."""

from __future__ import annotations

import csv
import json
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.cases.errors import CaseInputError
from guichet.cases.handling import case_reroute, case_transition
from guichet.cases.models import Channel, ScanState
from guichet.cases.reads import AccessDoor, record_attachment, record_case, record_list
from guichet.cases.selectors import reroute_team_get, reroute_teams
from guichet.cases.workflow import WorkflowError, available_transitions
from guichet.core.edges import rate_limit
from guichet.core.idempotency import IdempotencyKeyError, new_idempotency_key
from guichet.core.replica import reads_from_replica
from guichet.portal.pwa import idempotency_conflict
from guichet.publicspace import selectors, services
from guichet.publicspace.models import Category, Report, State
from guichet.territory.selectors import address_by_ban_id, addresses_search, communes

PAGE_SIZE = 50
MAP_LIMIT = 2000


def map_context() -> dict:
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def _float(value) -> float | None:
    try:
        number = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _category_or_404(code: str) -> Category:
    category = selectors.category_by_code(code)
    if category is None:
        raise Http404("category")
    return category


# --------------------------------------------------------------------------------------------
# Citizen flow
# --------------------------------------------------------------------------------------------


def report_start(request):
    """Step 1: choose the category (guidance-only ones show their guidance)."""
    return render(request, "publicspace/start.html", {"tree": selectors.categories_tree()})


def _nearby(category: Category, lat: float | None, lon: float | None) -> list | None:
    if lat is None or lon is None:
        return None
    return [
        {"report": r, "distance": round(d)}
        for r, d in selectors.reports_nearby(category=category, lat=lat, lon=lon)
    ]


def report_nearby(request, code):
    """The nearby open reports of a category, as an HTML fragment (map page, benchmarks)."""
    category = _category_or_404(code)
    lat, lon = _float(request.GET.get("lat")), _float(request.GET.get("lon"))
    return render(
        request,
        "publicspace/_nearby.html",
        {"category": category, "nearby": _nearby(category, lat, lon)},
    )


def report_create(request, code):
    """Steps 2 to 4 on one page: location (map, phone position, coordinates, address), the
    open reports nearby, then photos, text and the category's questions."""
    category = _category_or_404(code)
    if category.children.filter(is_active=True).exists():
        return redirect("publicspace:start")
    # A GET from the form's own buttons (nearby reports, address search) keeps what was typed.
    values = {k: v for k, v in request.GET.items() if k not in ("find_address", "idempotency_key")}
    values.setdefault("lat", "")
    values.setdefault("lon", "")
    errors: dict[str, str] = {}
    key = ""
    address_choices = None
    if request.method == "GET":
        address_choices = _address_resolve(values, search="find_address" in request.GET)
    if request.method == "POST" and not category.guidance_only:
        rate_limit(request, "report_submit")  # 429 before anything is written
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        # Without a point, the addresses the typed one may mean are listed with the error.
        address_choices = _address_resolve(values, search=True)
        # The offline-drafts script sends the key as a header too; the form carries it.
        form_key = values.pop("idempotency_key", "")
        key = request.headers.get("Idempotency-Key") or form_key
        answers = {
            q["code"]: (
                request.POST.getlist(f"q_{q['code']}")
                if q["datatype"] == "multivaluelist"
                else request.POST.get(f"q_{q['code']}", "")
            )
            for q in category.questions
        }
        photos = request.FILES.getlist("photos")
        lat, lon = _float(values.get("lat")), _float(values.get("lon"))
        if (lat is None or lon is None) and photos:
            proposed = _gps_of(photos)
            if proposed is not None:
                values["lat"], values["lon"] = str(proposed[0]), str(proposed[1])
                errors["location"] = _(
                    "Nous avons repris la position enregistrée dans votre photo : vérifiez-la, "
                    "joignez de nouveau vos photos puis envoyez."
                )
        user = request.user if request.user.is_authenticated else None
        if not errors:
            try:
                submission = services.report_submit(
                    actor=user,
                    requester=user,
                    contact=None
                    if user
                    else {"name": values.get("name", ""), "email": values.get("email", "")},
                    category_code=category.code,
                    latitude=lat,
                    longitude=lon,
                    address=values.get("address", ""),
                    address_id=values.get("address_id", ""),
                    description=values.get("description", ""),
                    answers=answers,
                    photos=photos,
                    show_name=bool(values.get("show_name")),
                    channel=Channel.WEB,
                    idempotency_key=key,
                )
            except IdempotencyKeyError as exc:
                return idempotency_conflict(request, exc)
            except CaseInputError as exc:
                errors = {
                    ("email" if k == "contact_email" else k): v for k, v in exc.errors.items()
                }
            else:
                # A retry (same key) lands on the report filed the first time.
                reference = submission.case.reference
                messages.success(
                    request,
                    _("Merci, votre signalement %(ref)s est enregistré.") % {"ref": reference},
                )
                if submission.tracking_code:
                    messages.info(
                        request,
                        _("Votre code de suivi : %(code)s (envoyé aussi par e-mail).")
                        % {"code": submission.tracking_code},
                    )
                return redirect("publicspace:detail", reference=reference)
    lat, lon = _float(values.get("lat")), _float(values.get("lon"))
    questions = [
        {
            **q,
            "value": values.get(f"q_{q['code']}", ""),
            "error": errors.get(f"q_{q['code']}", ""),
        }
        for q in category.questions
    ]
    return render(
        request,
        "publicspace/create.html",
        {
            "category": category,
            "values": values,
            "errors": errors,
            "questions": questions,
            "nearby": _nearby(category, lat, lon),
            "address_choices": address_choices,
            "max_photos": services.MAX_PHOTOS,
            "max_mb": settings.CASES_MAX_UPLOAD_MB,
            # Nothing was saved by a failed attempt, so the same key serves the next one.
            "idempotency_key": key or new_idempotency_key(),
            **map_context(),
        },
        status=400 if errors else 200,
    )


def _address_choice(match) -> str:
    """A choice of the address list shown without JavaScript: the point, the BAN id, the
    label (what the choice sets; no more trusted than the coordinates fields)."""
    return f"{match.lat:.6f}|{match.lon:.6f}|{match.address_id}|{match.label}"


def _address_resolve(values: dict, *, search: bool) -> list | None:
    """Place the report from the address part of the form, in place in ``values``: a choice of
    the list (no JavaScript), or the BAN id of the address chosen, when no point was given.
    Otherwise, with ``search`` and an address typed, the addresses it may mean (for the list
    to choose from; an empty list: none), else None. A BAN id not in the index is dropped."""
    choice = values.pop("address_choice", "")
    parts = choice.split("|", 3) if choice else []
    if len(parts) == 4 and _float(parts[0]) is not None and _float(parts[1]) is not None:
        values["lat"], values["lon"] = parts[0], parts[1]
        values["address_id"], values["address"] = parts[2][:50], parts[3][:300]
    if values.get("address_id") and address_by_ban_id(values["address_id"]) is None:
        values["address_id"] = ""
    if _float(values.get("lat")) is not None and _float(values.get("lon")) is not None:
        return None
    chosen = address_by_ban_id(values.get("address_id", ""))
    if chosen is not None:
        values["lat"], values["lon"] = f"{chosen.lat:.6f}", f"{chosen.lon:.6f}"
        values["address"] = chosen.label
        return None
    text = values.get("address", "").strip()
    if not search or not text:
        return None
    return [
        {"value": _address_choice(match), "label": match.label}
        for match in addresses_search(text=text[:200], limit=8)
    ]


def _gps_of(photos) -> tuple[float, float] | None:
    for upload in photos:
        if upload.size and upload.size <= settings.CASES_MAX_UPLOAD_MB * 1024 * 1024:
            upload.seek(0)
            found = services.photo_gps(upload.read())
            upload.seek(0)
            if found is not None:
                return found
    return None


@require_POST
def report_follow(request, reference):
    """ "This is my problem too": follow the report instead of filing a new one."""
    rate_limit(request, "report_follow")
    report = selectors.report_get_public(reference)
    try:
        services.report_subscribe(
            report=report,
            user=request.user if request.user.is_authenticated else None,
            email=request.POST.get("email", ""),
        )
    except CaseInputError as exc:
        messages.error(request, next(iter(exc.errors.values())))
    else:
        messages.success(
            request, _("C'est noté : vous serez informé(e) de l'avancement de ce signalement.")
        )
    return redirect("publicspace:detail", reference=report.case.reference)


# --------------------------------------------------------------------------------------------
# Public map and list
# --------------------------------------------------------------------------------------------


def _public_filtered(request) -> tuple[selectors.ReportFilters, object]:
    filters = selectors.ReportFilters.from_query(request.GET)
    return filters, filters.apply(selectors.public_reports())


def _filter_context(filters) -> dict:
    return {
        "filters": filters,
        "categories": selectors.categories_tree(),
        "states": [(s.value, s.label) for s in State if s != State.HIDDEN],
        "communes": list(communes()),
    }


@reads_from_replica
def report_list(request):
    filters, qs = _public_filtered(request)
    page = Paginator(qs.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publicspace/list.html",
        {
            "page": page,
            "query": query.urlencode(),
            **_filter_context(filters),
            **map_context(),
        },
    )


def _feature(report: Report, *, public: bool = True) -> dict:
    props = {
        "reference": report.reference,
        "category": report.category.name,
        "state": report.state,
        "state_label": str(report.state_label),
        "commune": report.commune.name if report.commune_id else "",
        "created": report.created_at.date().isoformat(),
        "url": reverse("publicspace:detail", args=[report.reference]),
    }
    if not public:
        props.pop("url")
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [round(report.longitude, 6), round(report.latitude, 6)],
        },
        "properties": props,
    }


@reads_from_replica
def report_geojson(request):
    """The public map's points (the filtered reports, most recent first)."""
    _filters, qs = _public_filtered(request)
    reports = qs.order_by("-created_at")[:MAP_LIMIT]
    return JsonResponse(
        {"type": "FeatureCollection", "features": [_feature(r) for r in reports]},
        content_type="application/geo+json",
    )


@reads_from_replica
def report_detail(request, reference):
    report = selectors.report_get_public(reference)
    return render(
        request,
        "publicspace/detail.html",
        {
            "report": report,
            "photos": report.photos.filter(hidden=False, attachment__scan_state=ScanState.CLEAN),
            "updates": report.updates.all(),
            "state_label": report.state_label,
            "following": request.user.is_authenticated
            and report.subscriptions.filter(user=request.user).exists(),
            "is_reporter": request.user.is_authenticated
            and report.case.requester_id == request.user.pk,
            **map_context(),
        },
    )


def photo(request, pk, size):
    """A report's photo: public unless hidden; agents in charge see hidden ones too."""
    if size not in ("thumb", "full"):
        raise Http404("size")
    item, public = selectors.photo_get_for(actor=request.user, pk=pk)
    if not public:  # a hidden photo, seen by an agent in charge
        record_attachment(request, item.attachment, case=item.report.case, obj=item)
    field = item.thumbnail if size == "thumb" else item.attachment.file
    content_type = "image/jpeg" if size == "thumb" else item.attachment.content_type
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


# --------------------------------------------------------------------------------------------
# Questionnaire and alerts
# --------------------------------------------------------------------------------------------


def questionnaire(request, token):
    report = services.questionnaire_report(token)
    if report is None:
        return render(request, "publicspace/questionnaire.html", {"expired": True}, status=404)
    if request.method == "POST":
        answer = request.POST.get("fixed")
        if answer in ("yes", "no"):
            services.questionnaire_answer(
                report=report, fixed=answer == "yes", comment=request.POST.get("comment", "")
            )
            if answer == "yes":
                messages.success(request, _("Merci pour votre réponse."))
            else:
                messages.success(request, _("Merci : le signalement est rouvert."))
            return redirect("publicspace:detail", reference=report.case.reference)
        return render(
            request,
            "publicspace/questionnaire.html",
            {"report": report, "error": _("Choisissez une réponse.")},
            status=400,
        )
    return render(request, "publicspace/questionnaire.html", {"report": report})


@login_required
def alerts(request):
    errors: dict[str, str] = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        if request.POST.get("delete"):
            alert = (
                selectors.alerts_of(actor=request.user)
                .filter(pk=_float(request.POST.get("delete")) or 0)
                .first()
            )
            if alert is None:
                raise Http404("alert")
            services.alert_delete(actor=request.user, alert=alert)
            messages.success(request, _("Alerte supprimée."))
            return redirect("publicspace:alerts")
        commune = None
        if request.POST.get("kind") == "commune":
            commune = communes().filter(slug=request.POST.get("commune", "")).first()
            if commune is None:
                errors["commune"] = _("Choisissez une commune.")
        radius = _float(request.POST.get("radius_m"))
        if not errors:
            try:
                services.alert_create(
                    actor=request.user,
                    commune=commune,
                    latitude=_float(request.POST.get("lat")),
                    longitude=_float(request.POST.get("lon")),
                    radius_m=int(radius) if radius else None,
                    category=selectors.category_by_code(request.POST.get("category", "")),
                )
            except CaseInputError as exc:
                errors = dict(exc.errors)
            else:
                messages.success(request, _("Alerte créée."))
                return redirect("publicspace:alerts")
    return render(
        request,
        "publicspace/alerts.html",
        {
            "alerts": selectors.alerts_of(actor=request.user),
            "communes": list(communes()),
            "categories": selectors.categories_tree(),
            "errors": errors,
            "values": values,
            **map_context(),
        },
        status=400 if errors else 200,
    )


# --------------------------------------------------------------------------------------------
# Agents
# --------------------------------------------------------------------------------------------


CSV_COLUMNS = [
    "reference",
    "categorie",
    "etat",
    "commune",
    "latitude",
    "longitude",
    "cree_le",
    "mis_a_jour_le",
    "description_publique",
]


def _export_csv(reports) -> HttpResponse:
    """Open-data export: no personal data (moderated text, rounded position)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="signalements.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for r in reports.iterator(chunk_size=2000):
        writer.writerow(
            [
                r.reference,
                r.category.name,
                r.state_label,
                r.commune.name if r.commune_id else "",
                round(r.latitude, 5),
                round(r.longitude, 5),
                r.created_at.isoformat(timespec="seconds"),
                r.updated_at.isoformat(timespec="seconds"),
                r.public_description if r.is_public else "",
            ]
        )
    return response


def _export_geojson(reports) -> HttpResponse:
    features = [_feature(r, public=False) for r in reports.iterator(chunk_size=2000)]
    response = HttpResponse(
        json.dumps({"type": "FeatureCollection", "features": features}),
        content_type="application/geo+json",
    )
    response["Content-Disposition"] = 'attachment; filename="signalements.geojson"'
    return response


@login_required
def agent_list(request):
    filters = selectors.ReportFilters.from_query(request.GET)
    qs = filters.apply(selectors.reports_for_agent(actor=request.user)).order_by("-created_at")
    fmt = request.GET.get("format")
    if fmt in ("csv", "geojson"):
        record_list(
            request,
            AccessDoor.EXPORT_CSV if fmt == "csv" else AccessDoor.EXPORT_GEOJSON,
            qs.count(),
        )
    if fmt == "csv":
        return _export_csv(qs)
    if fmt == "geojson":
        return _export_geojson(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    record_list(request, AccessDoor.REPORT_LIST, page.paginator.count)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publicspace/agent_list.html",
        {"page": page, "query": query.urlencode(), **_filter_context(filters)},
    )


@login_required
def agent_dashboard(request):
    filters = selectors.ReportFilters.from_query(request.GET)
    qs = filters.apply(selectors.reports_for_agent(actor=request.user))
    query = request.GET.copy()
    return render(
        request,
        "publicspace/agent_dashboard.html",
        {
            "counts": selectors.reports_dashboard(qs),
            "total": qs.count(),
            "query": query.urlencode(),
            **_filter_context(filters),
        },
    )


@login_required
def agent_report(request, reference):
    report = selectors.report_get_for_agent(actor=request.user, reference=reference)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "transition":
                case_transition(
                    actor=request.user,
                    case=report.case,
                    transition=request.POST.get("transition", ""),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("État mis à jour ; les abonnés sont prévenus."))
            elif action == "reroute":
                team = reroute_team_get(request.POST.get("team"))
                if team is None:
                    raise CaseInputError({"team": _("Choisissez une équipe.")})
                case_reroute(
                    actor=request.user,
                    case=report.case,
                    team=team,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Signalement réorienté."))
                return redirect("publicspace:agent_list")
            elif action == "duplicate":
                ref = request.POST.get("original", "").strip()
                original = selectors.duplicate_original(actor=request.user, reference=ref)
                if original is None:
                    raise CaseInputError({"original": _("Référence inconnue.")})
                services.report_mark_duplicate(
                    actor=request.user,
                    report=report,
                    original=original,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Marqué comme doublon."))
            elif action == "moderate":
                services.report_moderate(
                    actor=request.user,
                    report=report,
                    public_description=request.POST.get("public_description", ""),
                    hidden_photo_ids=[
                        int(p) for p in request.POST.getlist("hidden") if p.isdigit()
                    ],
                )
                messages.success(request, _("Modération enregistrée."))
            else:
                raise CaseInputError({"__all__": _("Action inconnue.")})
        except CaseInputError as exc:
            errors = {f"{action}_{k}": v for k, v in exc.errors.items()}
        except WorkflowError as exc:
            errors = {f"{action}_{exc.code}": exc.message}
        else:
            return redirect("publicspace:agent_report", reference=report.case.reference)
        report = selectors.report_get_for_agent(actor=request.user, reference=reference)
    record_case(request, report.case, door=AccessDoor.REPORT_VIEW, obj=report)
    return render(
        request,
        "publicspace/agent_report.html",
        {
            "report": report,
            "case": report.case,
            "photos": report.photos.all(),
            "transitions": available_transitions(report.case, request.user),
            "state_label": report.state_label,
            "teams": reroute_teams(),
            "history": report.case.events.order_by("created_at"),
            "errors": errors,
            "values": request.POST if errors else {},
        },
        status=400 if errors else 200,
    )
