"""Open311 GeoReport v2 server at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), with
FixMyStreet's ``servicerequestupdates`` extension.

Every answer, errors included, is in the format asked by the suffix (``.xml`` or ``.json``):
errors are the spec's list of ``{code, description}`` with the HTTP status in ``code``
(400 bad or missing parameter, 403 api_key, 404 unknown resource or jurisdiction, 405 method),
never an HTML page: a NUL character in any parameter, an unreadable body or an unexpected
failure also answer in the list.

A partner key (``api_key``, the one of ``cases.partner_keys``, as the cases API reads it)
files only what its organisation is in charge of (``case_submit`` checks it); on a GET it
narrows the answer to what its organisation holds or it filed, and grants nothing more than a
public read. A POST may carry an ``Idempotency-Key`` header (a UUID chosen by the partner): a
retry with the same key and request files nothing and answers the same service_request_id
(409 when the key served another request).
"""

import dataclasses
import functools
import logging
import math
import re
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, Channel, PartnerApiKey
from guichet.cases.partner_keys import partner_key_authenticate
from guichet.core.edges import (
    GuichetRateLimited,
    backend_unavailable,
    rate_limit,
    service_unavailable,
)
from guichet.core.idempotency import IdempotencyKeyError
from guichet.core.replica import reads_from_replica
from guichet.publicspace import open311_format as fmt311
from guichet.publicspace.models import Category, ReportUpdate, State
from guichet.publicspace.selectors import (
    Open311Query,
    categories_handled_by,
    category_by_code,
    jurisdiction,
    open311_requests,
    reportable_categories,
)
from guichet.publicspace.services import report_submit
from guichet.territory.selectors import AddressMatch, address_by_ban_id, addresses_search

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
logger = logging.getLogger(__name__)


def open311_endpoint(*methods: str, jurisdiction: bool = True):
    """Answer any other method with the spec's error list (405 and ``Allow``), not Django's
    empty HTML 405; CSRF does not apply (no cookies: POSTs carry an api_key). With
    ``jurisdiction``, a read's ``jurisdiction_id`` is checked first (404 when unknown) and the
    view gets its organisation (``organisation``, None for all of them); a POST's is checked
    with its body, after its key."""

    allowed = (*methods, "HEAD") if "GET" in methods else methods  # HEAD: GET without body

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt, **kwargs):
            if request.method not in allowed:
                return fmt311.error(
                    fmt,
                    405,
                    _("Méthode %(m)s non permise ici (permises : %(a)s).")
                    % {"m": request.method, "a": ", ".join(allowed)},
                    allow=", ".join(allowed),
                )
            # A NUL byte or an unreadable body never gets here: core.edges refuses them for
            # every door, in the spec's error list for Open311.
            try:
                if jurisdiction and request.method != "POST":
                    kwargs["organisation"], error = _jurisdiction_or_error(request, fmt)
                    if error:
                        return error
                return view(request, *args, fmt=fmt, **kwargs)
            except GuichetRateLimited:
                raise  # 429 with Retry-After, in the spec's shape (core.edges middleware)
            except Exception as exc:  # an answer in the spec's shape, never Django's HTML page
                if backend_unavailable(exc):  # the database or Redis restarting: 503
                    return service_unavailable(request, exc)
                logger.exception("Open311: unexpected failure on %s", request.path)
                return fmt311.error(fmt, 500, _("Erreur interne du serveur."))

        return wrapper

    return decorate


def _reading_key(request, fmt) -> tuple[PartnerApiKey | None, object | None]:
    """(key or None, error or None) for the ``api_key`` of a GET: absent, a public read; given,
    it must be valid, and the answer is narrowed to what the key may read."""
    raw = request.GET.get("api_key", "")
    if not raw.strip():
        return None, None
    key = partner_key_authenticate(raw)
    if key is None:
        return None, fmt311.error(fmt, 403, _("api_key invalide."))
    return key, None


def _scoped(query: Open311Query, key: PartnerApiKey | None) -> Open311Query:
    if key is None:
        return query
    return dataclasses.replace(query, key_scope=(key.organisation_id, key.pk))


def _jurisdiction_or_error(request, fmt, data=None):
    """(organisation or None, error response or None) for the optional ``jurisdiction_id``
    (one per organisation: the metropolis, each commune...; absent = all of them)."""
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


@open311_endpoint("GET", jurisdiction=False)
@reads_from_replica
def discovery(request, fmt):
    changed = Category.objects.aggregate(last=Max("updated_at"))["last"] or timezone.now()
    # without the trailing slash, as in the spec's example: clients append "/services.xml"
    base = request.build_absolute_uri("/open311/v2")
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


@open311_endpoint("GET")
@reads_from_replica
def services(request, fmt, organisation):
    categories = list(reportable_categories())
    if organisation is not None:
        categories = categories_handled_by(organisation, categories)
    return fmt311.respond(fmt, "services", [service_document(c) for c in categories])


@open311_endpoint("GET")
@reads_from_replica
def service_definition(request, code, fmt, organisation):
    category = category_by_code(code)
    if category is None or not category.is_reportable or category.children.exists():
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
        for q in sorted(category.questions, key=lambda q: q["order"])
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
MAX_DAYS = 90
MAX_RESULTS = 1000
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
# a "+" of an offset sent unencoded in a query string arrives as a space
_OFFSET_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) (\d{2}(?::?\d{2})?)$")


class BadParameter(ValueError):
    """A GET parameter the spec's client got wrong: a 400 with this French message."""


def parse_w3c_datetime(name: str, value: str) -> datetime | None:
    """A date parameter in the W3C profile of ISO 8601 (``2026-01-31T08:00:00+01:00``, ``Z``,
    fractions, or just ``2026-01-31`` / ``2026-01`` / ``2026``); without an offset it is read in
    the platform's time zone. Empty: None. Else BadParameter."""
    value = (value or "").strip()
    if not value:
        return None
    text = _OFFSET_AS_SPACE.sub(r"\1+\2", value)
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        if not re.match(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            _(
                "%(name)s : date invalide « %(value)s » (format W3C attendu, "
                "ex. 2026-01-31T08:00:00+01:00 ou 2026-01-31T07:00:00Z)."
            )
            % {"name": name, "value": value}
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if not (datetime.min.year < parsed.year < datetime.max.year):
        # year 1 or 9999: the 90-day window around it cannot be computed
        raise BadParameter(
            _("%(name)s : date hors limites « %(value)s ».") % {"name": name, "value": value}
        )
    return parsed


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _comma_list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _request_documents(request, rows: list[tuple]) -> list[dict]:
    """Open311 ``request`` documents from the rows of ``selectors.open311_requests`` (dates
    already formatted): plain dicts, the photo URL from one reversed template."""
    marker = 999999999
    photo_url = request.build_absolute_uri(reverse("publicspace:photo", args=[marker, "full"]))
    before, after = photo_url.split(str(marker), 1)
    return [
        {
            "service_request_id": reference,
            "status": "closed" if is_closed else "open",
            "status_notes": status_notes,
            "service_name": category_name,
            "service_code": category_code,
            "description": description,
            "agency_responsible": agency,
            "service_notice": "",
            "requested_datetime": requested,
            "updated_datetime": updated,
            "expected_datetime": None,
            "address": address,
            "address_id": address_id or "",
            "zipcode": None,
            "lat": lat,
            "long": lon,
            "media_url": f"{before}{photo_id}{after}" if photo_id else None,
        }
        for (
            _pk,
            reference,
            is_closed,
            status_notes,
            description,
            requested,
            updated,
            address,
            lat,
            lon,
            category_name,
            category_code,
            agency,
            photo_id,
            address_id,
        ) in rows
    ]


def _requests_query(params, organisation) -> Open311Query:
    """The checked filters of GET requests (BadParameter otherwise), per the spec: with
    ``service_request_id`` the other filters are ignored; dates select ``requested_datetime``
    over at most 90 days (default: the last 90 days); ``status`` open and/or closed; at most
    1,000 requests, newest first."""
    org_id = organisation.pk if organisation is not None else None
    references = _comma_list(params.get("service_request_id", ""))
    if references:
        return Open311Query(organisation_id=org_id, references=tuple(references[:MAX_RESULTS]))
    start = parse_w3c_datetime("start_date", params.get("start_date", ""))
    end = parse_w3c_datetime("end_date", params.get("end_date", ""))
    window = timedelta(days=MAX_DAYS)
    if start is None and end is None:  # the last 90 days, up to now
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - window
    elif end is None:
        end = start + window
    if end is not None and end < start:
        raise BadParameter(_("end_date est antérieure à start_date."))
    if end is not None and end - start > window:
        raise BadParameter(
            _("start_date et end_date ne peuvent couvrir plus de %(n)d jours.") % {"n": MAX_DAYS}
        )
    statuses = {s.lower() for s in _comma_list(params.get("status", ""))}
    if statuses - {"open", "closed"}:
        raise BadParameter(_("status vaut open ou closed (ou les deux : open,closed)."))
    return Open311Query(
        organisation_id=org_id,
        start=start,
        end=end,
        service_codes=tuple(_comma_list(params.get("service_code", ""))),
        is_open=(statuses == {"open"}) if len(statuses) == 1 else None,
        limit=MAX_RESULTS,
    )


@open311_endpoint("GET", "POST")
@reads_from_replica
def requests(request, fmt, organisation=None):
    if request.method == "POST":
        return _post_request(request, fmt)
    key, error = _reading_key(request, fmt)
    if error:
        return error
    try:
        query = _requests_query(request.GET, organisation)
    except BadParameter as exc:
        return fmt311.error(fmt, 400, str(exc))
    rows = open311_requests(_scoped(query, key))
    return fmt311.respond(fmt, "service_requests", _request_documents(request, rows))


@open311_endpoint("GET")
@reads_from_replica
def request_detail(request, rid, fmt, organisation):
    key, error = _reading_key(request, fmt)
    if error:
        return error
    query = Open311Query(
        organisation_id=organisation.pk if organisation else None, references=(rid,), limit=1
    )
    rows = open311_requests(_scoped(query, key))
    if not rows:
        return fmt311.error(fmt, 404, _("service_request_id inconnu : %(r)s") % {"r": rid})
    return fmt311.respond(fmt, "service_requests", _request_documents(request, rows))


@open311_endpoint("GET")
def token(request, token, fmt, organisation):
    case = Case.objects.filter(uuid=token).only("reference").first() if _is_uuid(token) else None
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


@open311_endpoint("GET")
@reads_from_replica
def service_request_updates(request, fmt, organisation):
    """FixMyStreet's extension: the public updates (state changes with their public comment)
    between start_date and end_date (default: the last 24 hours), oldest first, at most 1,000.
    Statuses are FixMyStreet's (open, investigating, in_progress, action_scheduled, fixed,
    not_councils_responsibility, duplicate, no_further_action)."""
    try:
        start = parse_w3c_datetime("start_date", request.GET.get("start_date", ""))
        end = parse_w3c_datetime("end_date", request.GET.get("end_date", ""))
        if start and end and end < start:
            raise BadParameter(_("end_date est antérieure à start_date."))
    except BadParameter as exc:
        return fmt311.error(fmt, 400, str(exc))
    if start is None:
        start = (end or timezone.now()) - timedelta(days=1)
    qs = (
        ReportUpdate.objects.filter(created_at__gte=start)
        .exclude(report__case__status=State.HIDDEN)
        .values_list("pk", "report__reference", "state", "created_at", "description")
    )
    if end:
        qs = qs.filter(created_at__lte=end)
    if organisation is not None:
        qs = qs.filter(report__case__organisation=organisation)
    payload = [
        {
            "update_id": str(pk),
            "service_request_id": reference,
            "status": OPEN311_UPDATE_STATUS.get(state, "open"),
            "updated_datetime": fmt311.iso(created_at),
            "description": description,
            "media_url": "",
        }
        for pk, reference, state, created_at, description in qs.order_by("created_at", "pk")[
            :MAX_RESULTS
        ]
    ]
    return fmt311.respond(fmt, "service_request_updates", payload)


def _post_request(request, fmt):
    raw_key = request.POST.get("api_key", "")
    # Per key (a partner's volume) and per address (guessing keys): 429 in the spec's shape.
    rate_limit(request, "open311_post", key=raw_key.strip() or "-")
    key = partner_key_authenticate(raw_key)
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
    raw_lat, raw_lon = request.POST.get("lat", "").strip(), request.POST.get("long", "").strip()
    lat, lon = _float(raw_lat), _float(raw_lon)
    address = request.POST.get("address_string", "").strip()[:300]
    if (raw_lat or raw_lon) and (lat is None or lon is None):
        return fmt311.error(
            fmt, 400, _("lat et long doivent être deux nombres (degrés décimaux WGS84).")
        )
    address_id = request.POST.get("address_id", "").strip()
    if lat is None or lon is None:
        # GeoReport v2: a location is lat/long, or address_string, or address_id (BAN's id)
        if not address and not address_id:
            return fmt311.error(fmt, 400, _("lat et long, address_string ou address_id requis."))
        found = _geocoded(address=address, address_id=address_id)
        if isinstance(found, str):
            return fmt311.error(fmt, 400, found)
        lat, lon = found.lat, found.lon
        address, address_id = found.label, found.address_id
    elif address_id and address_by_ban_id(address_id) is None:
        address_id = ""  # a point was given: an unknown BAN id is not kept
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
    try:
        submission = report_submit(
            actor=None,
            category_code=category.code,
            latitude=lat,
            longitude=lon,
            description=description,
            answers=answers,
            address=address,
            address_id=address_id,
            channel=Channel.API,
            contact=contact,
            partner_key=key,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
    except IdempotencyKeyError as exc:
        return fmt311.error(fmt, 400 if exc.code == "invalid_idempotency_key" else 409, exc.message)
    except CaseInputError as exc:
        messages = []
        for field, message in exc.errors.items():
            label = (
                f"attribute[{field[2:]}]"
                if field.startswith("q_")
                else OPEN311_FIELDS.get(field, field)
            )
            messages.append(f"{label} : {message}" if field != "__all__" else message)
        status = {"unknown_category": 404, "out_of_scope": 403}.get(exc.code, 400)
        return fmt311.error(fmt, status, *messages)
    case = submission.case
    return fmt311.respond(
        fmt,
        "service_requests",
        [
            # realtime: the id at once, so no token (the spec: one or the other)
            {"service_request_id": case.reference, "service_notice": "", "account_id": None}
        ],
    )


def _geocoded(*, address: str, address_id: str) -> AddressMatch | str:
    """The indexed address that ``address_id`` (BAN's id) or else ``address_string`` names (the
    best match of the address search), or the French reason none does."""
    if address_id:
        found = address_by_ban_id(address_id)
        if found is None:
            return _(
                "address_id inconnu : %(id)s (identifiant de la Base Adresse Nationale attendu, "
                "ou envoyez lat et long)."
            ) % {"id": address_id[:50]}
        return found
    matches = addresses_search(text=address, limit=1)
    if not matches:
        return _(
            "address_string introuvable dans la Base Adresse Nationale : « %(a)s ». Précisez "
            "le numéro, la voie et la commune, ou envoyez lat et long."
        ) % {"a": address[:100]}
    return matches[0]


OPEN311_FIELDS = {
    "location": "lat/long",
    "contact_email": "email",
    "description": "description",
    "category": "service_code",
    "commune": "jurisdiction_id",
    "photos": "media",
}
