"""Open311 GeoReport v2 server at /open311/v2/ (http://wiki.open311.org/GeoReport_v2)."""

import hmac
import math
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from guichet.cases.models import Case, Channel, PartnerApiKey
from guichet.cases.services import CaseInputError, api_key_hash
from guichet.publicspace import open311_format as fmt311
from guichet.publicspace.models import Category, Report, ReportPhoto, ReportUpdate, State
from guichet.publicspace.selectors import (
    categories_handled_by,
    category_by_code,
    jurisdiction,
    reportable_categories,
)
from guichet.publicspace.services import report_submit
from guichet.territory.models import Organisation
from guichet.territory.selectors import commune_at

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"


def _jurisdiction_or_error(request, fmt, data=None):
    """(organisation or None, error response or None) for the optional ``jurisdiction_id``."""
    slug = (data if data is not None else request.GET).get("jurisdiction_id", "").strip()
    if not slug:
        return None, None
    organisation = jurisdiction(slug)
    if organisation is None:
        return None, fmt311.error(fmt, 404, _("jurisdiction_id inconnu : %(j)s") % {"j": slug})
    return organisation, None


def service_document(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent_id else "",
    }


@require_GET
def discovery(request, fmt):
    changed = Category.objects.aggregate(last=Max("updated_at"))["last"] or timezone.now()
    base = request.build_absolute_uri("/open311/v2/")
    payload = {
        "changeset": fmt311.iso(changed),
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": fmt311.iso(changed),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return fmt311.respond(fmt, "discovery", payload)


@require_GET
def services(request, fmt):
    organisation, error = _jurisdiction_or_error(request, fmt)
    if error:
        return error
    categories = list(reportable_categories())
    if organisation is not None:
        categories = categories_handled_by(organisation, categories)
    return fmt311.respond(fmt, "services", [service_document(c) for c in categories])


@require_GET
def service_definition(request, code, fmt):
    _organisation, error = _jurisdiction_or_error(request, fmt)
    if error:
        return error
    category = category_by_code(code)
    if category is None or not category.is_reportable:
        return fmt311.error(fmt, 404, _("service_code inconnu : %(c)s") % {"c": code})
    attributes = [
        {
            "variable": q.get("variable", True),
            "code": q["code"],
            "datatype": q["datatype"],
            "required": q["required"],
            "datatype_description": q.get("datatype_description", ""),
            "order": q["order"],
            "description": q["description"],
            "values": q.get("values", []),
        }
        for q in category.questions
    ]
    return fmt311.respond(
        fmt, "service_definition", {"service_code": category.code, "attributes": attributes}
    )


@csrf_exempt
def not_found(request, rest=""):
    """Anything else under /open311/v2/ answers with the spec's error list, not an HTML page."""
    fmt = "json" if request.path.endswith(".json") else "xml"
    return fmt311.error(fmt, 404, _("Ressource Open311 inconnue : %(p)s") % {"p": request.path})


# --------------------------------------------------------------------------------------------
# Service requests
# --------------------------------------------------------------------------------------------

OPEN311_UPDATE_STATUS = {
    State.OPEN: "open",
    State.ACKNOWLEDGED: "investigating",
    State.IN_PROGRESS: "in_progress",
    State.PLANNED: "action_scheduled",
    State.FIXED: "fixed",
    State.NOT_COMPETENT: "not_councils_responsibility",
    State.DUPLICATE: "duplicate",
    State.NO_ACTION: "no_further_action",
}
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def partner_key_for(raw: str) -> PartnerApiKey | None:
    """The active partner key matching ``raw`` (``prefix.secret``; a key without a dot is read
    as 12 characters of prefix then the secret). Only hashes are stored."""
    raw = (raw or "").strip()
    if not raw:
        return None
    prefix, secret = raw.split(".", 1) if "." in raw else (raw[:12], raw[12:])
    key = (
        PartnerApiKey.objects.filter(prefix=prefix, is_active=True)
        .select_related("organisation")
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, api_key_hash(secret)):
        return None
    PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _parse_datetime(value: str):
    value = value.strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _media_url(request, photo_id: int | None) -> str | None:
    if not photo_id:
        return None
    return request.build_absolute_uri(reverse("publicspace:photo", args=[photo_id, "full"]))


REQUEST_COLUMNS = (
    "pk",
    "reference",
    "is_open",
    "status_notes",
    "public_description",
    "created_at",
    "updated_at",
    "address",
    "latitude",
    "longitude",
    "category_id",
    "organisation_id",
)


def _request_documents(request, rows: list[dict]) -> list[dict]:
    """Open311 ``request`` documents from report rows (``REQUEST_COLUMNS``): categories and
    organisations are few and read once, so the report query joins nothing."""
    categories = {c.pk: c for c in Category.objects.only("pk", "name", "code")}
    organisations = dict(Organisation.objects.values_list("pk", "name"))
    photos: dict[int, int] = {}
    ids = [r["pk"] for r in rows]
    if ids:
        for report_id, photo_id in (
            ReportPhoto.objects.filter(report_id__in=ids, hidden=False)
            .order_by("-order", "-pk")
            .values_list("report_id", "pk")
        ):
            photos[report_id] = photo_id
    tz = timezone.get_current_timezone()
    documents = []
    for r in rows:
        category = categories[r["category_id"]]
        documents.append(
            {
                "service_request_id": r["reference"],
                "status": "open" if r["is_open"] else "closed",
                "status_notes": r["status_notes"],
                "service_name": category.name,
                "service_code": category.code,
                "description": r["public_description"],
                "agency_responsible": organisations.get(r["organisation_id"], ""),
                "service_notice": "",
                "requested_datetime": r["created_at"].astimezone(tz).isoformat("T", "seconds"),
                "updated_datetime": r["updated_at"].astimezone(tz).isoformat("T", "seconds"),
                "expected_datetime": None,
                "address": r["address"],
                "address_id": "",
                "zipcode": None,
                "lat": r["latitude"],
                "long": r["longitude"],
                "media_url": _media_url(request, photos.get(r["pk"])),
            }
        )
    return documents


def _public_requests():
    return Report.objects.exclude(state=State.HIDDEN).values(*REQUEST_COLUMNS)


@csrf_exempt
def requests(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        return fmt311.error(fmt, 405, _("Méthode non permise."))
    organisation, error = _jurisdiction_or_error(request, fmt)
    if error:
        return error
    qs = _public_requests()
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        # the spec: with service_request_id, the other parameters are ignored
        reports = list(qs.filter(reference__in=ids[:MAX_RESULTS]).order_by("-created_at"))
        return fmt311.respond(fmt, "service_requests", _request_documents(request, reports))
    try:
        start = _parse_datetime(request.GET.get("start_date", ""))
        end = _parse_datetime(request.GET.get("end_date", ""))
    except ValueError as exc:
        return fmt311.error(
            fmt,
            400,
            _("Date invalide (ISO 8601 attendu, ex. 2026-01-31T08:00:00+01:00) : %s") % exc,
        )
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        return fmt311.error(fmt, 400, _("status vaut open ou closed."))
    if statuses == {"open"}:
        qs = qs.filter(is_open=True)
    elif statuses == {"closed"}:
        qs = qs.filter(is_open=False)
    reports = list(qs.order_by("-created_at")[:MAX_RESULTS])
    return fmt311.respond(fmt, "service_requests", _request_documents(request, reports))


@require_GET
def request_detail(request, rid, fmt):
    report = _public_requests().filter(reference=rid).first()
    if report is None:
        return fmt311.error(fmt, 404, _("service_request_id inconnu : %(r)s") % {"r": rid})
    return fmt311.respond(fmt, "service_requests", _request_documents(request, [report]))


@require_GET
def token(request, token, fmt):
    case = Case.objects.filter(uuid=token).first() if _is_uuid(token) else None
    if case is None or not hasattr(case, "report"):
        return fmt311.error(fmt, 404, _("token inconnu : %(t)s") % {"t": token})
    return fmt311.respond(
        fmt, "service_requests", [{"service_request_id": case.reference, "token": token}]
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@require_GET
def service_request_updates(request, fmt):
    """FixMyStreet's extension: status changes between start_date and end_date."""
    try:
        start = _parse_datetime(request.GET.get("start_date", ""))
        end = _parse_datetime(request.GET.get("end_date", ""))
    except ValueError as exc:
        return fmt311.error(fmt, 400, _("Date invalide (ISO 8601 attendu) : %s") % exc)
    organisation, error = _jurisdiction_or_error(request, fmt)
    if error:
        return error
    if start is None:
        start = (end or timezone.now()) - timedelta(days=1)
    qs = (
        ReportUpdate.objects.filter(created_at__gte=start)
        .exclude(report__state=State.HIDDEN)
        .select_related("report")
        .only("pk", "state", "description", "created_at", "report__reference")
    )
    if end:
        qs = qs.filter(created_at__lte=end)
    if organisation is not None:
        qs = qs.filter(report__organisation=organisation)
    updates = list(qs.order_by("created_at", "pk")[:MAX_RESULTS])
    payload = [
        {
            "update_id": str(u.pk),
            "service_request_id": u.report.reference,
            "status": OPEN311_UPDATE_STATUS.get(u.state, "open"),
            "updated_datetime": fmt311.iso(u.created_at),
            "description": u.description,
            "media_url": "",
        }
        for u in updates
    ]
    return fmt311.respond(fmt, "service_request_updates", payload)


def _post_request(request, fmt):
    key = partner_key_for(request.POST.get("api_key", ""))
    if key is None:
        return fmt311.error(fmt, 403, _("api_key manquante ou invalide."))
    _organisation, error = _jurisdiction_or_error(request, fmt, data=request.POST)
    if error:
        return error
    code = request.POST.get("service_code", "").strip()
    if not code:
        return fmt311.error(fmt, 400, _("service_code est obligatoire."))
    category = category_by_code(code)
    if category is None or not category.is_reportable:
        return fmt311.error(fmt, 404, _("service_code inconnu : %(c)s") % {"c": code})
    lat, lon = _float(request.POST.get("lat", "")), _float(request.POST.get("long", ""))
    address = request.POST.get("address_string", "").strip()[:300]
    if lat is None or lon is None:
        if address or request.POST.get("address_id", "").strip():
            return fmt311.error(
                fmt,
                400,
                _(
                    "Ce serveur ne géocode pas les adresses : envoyez lat et long "
                    "(address_string est conservé comme adresse)."
                ),
            )
        return fmt311.error(fmt, 400, _("lat et long, address_string ou address_id requis."))
    description = request.POST.get("description", "")
    if len(description) > 4000:
        return fmt311.error(fmt, 400, _("description : 4 000 caractères au plus."))
    answers: dict = {}
    for name in request.POST:
        match = ATTRIBUTE_RE.match(name)
        if match:
            values = request.POST.getlist(name)
            answers[match.group(1)] = values if len(values) > 1 or match.group(2) else values[0]
    name = " ".join(
        p for p in (request.POST.get("first_name", ""), request.POST.get("last_name", "")) if p
    ).strip()
    contact = {
        "name": name,
        "email": request.POST.get("email", ""),
        "phone": request.POST.get("phone", ""),
    }
    if key.organisation.kind == Organisation.Kind.COMMUNE:
        located = commune_at(lat=lat, lon=lon)
        if located is not None and located.pk != key.organisation_id:
            return fmt311.error(
                fmt, 403, _("Cette clé ne permet de signaler que dans %s.") % key.organisation.name
            )
    try:
        submission = report_submit(
            actor=None,
            category_code=category.code,
            latitude=lat,
            longitude=lon,
            description=description,
            answers=answers,
            address=address,
            channel=Channel.API,
            contact=contact,
            partner_key=key,
        )
    except CaseInputError as exc:
        messages = []
        for field, message in exc.errors.items():
            label = (
                f"attribute[{field[2:]}]"
                if field.startswith("q_")
                else OPEN311_FIELDS.get(field, field)
            )
            messages.append(f"{label} : {message}" if field != "__all__" else message)
        status = 404 if exc.code == "unknown_category" else 400
        return fmt311.error(fmt, status, *messages)
    case = submission.case
    return fmt311.respond(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": case.reference,
                "token": str(case.uuid),
                "service_notice": "",
                "account_id": None,
            }
        ],
        status=201,
    )


OPEN311_FIELDS = {
    "location": "lat/long",
    "contact_email": "email",
    "description": "description",
    "category": "service_code",
    "commune": "jurisdiction_id",
    "photos": "media",
}
