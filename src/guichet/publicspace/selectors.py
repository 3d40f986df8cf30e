"""Reads of the public-space service: categories, Open311 services."""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from guichet.cases.models import Case, ScanState
from guichet.cases.policies import case_policy
from guichet.publicspace.models import Alert, Category, Report, ReportPhoto, State
from guichet.publicspace.policies import alert_policy, report_policy
from guichet.territory.geometry import distance_m
from guichet.territory.models import CompetenceRule, Organisation, Team
from guichet.territory.selectors import subject_prefixes


def categories_tree() -> list[tuple[Category, list[Category]]]:
    """Active top-level categories, each with its active children, in display order."""
    categories = list(Category.objects.filter(is_active=True).order_by("order", "name"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    return [(c, children.get(c.id, [])) for c in categories if c.parent_id is None]


def reportable_categories() -> QuerySet[Category]:
    """Categories that take reports: active leaves that are not guidance-only."""
    return (
        Category.objects.filter(is_active=True, guidance_only=False, children__isnull=True)
        .select_related("parent")
        .order_by("parent__order", "order", "name")
    )


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code, is_active=True).select_related("parent").first()


def jurisdiction(slug: str) -> Organisation | None:
    """Open311 jurisdictions are organisations (the metropolis, each commune, other bodies)."""
    return Organisation.objects.filter(slug=slug, is_active=True).first()


def categories_handled_by(organisation: Organisation, categories) -> list[Category]:
    """The categories ``organisation`` is in charge of somewhere, by the competence rules."""
    subjects = set(
        CompetenceRule.objects.filter(organisation=organisation).values_list("subject", flat=True)
    )
    return [c for c in categories if subjects & set(subject_prefixes(c.subject))]


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

NEARBY_RADIUS_M = 250
NEARBY_LIMIT = 5
METRES_PER_DEGREE = 111_320.0
K_LAT = METRES_PER_DEGREE**2


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point: the indexed prefilter before the
    haversine distance (no spatial extension, ADR 0002)."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# Plain SQL on a plain cursor (same on SQLite and PostgreSQL): this runs on every move of the
# map pin, and building the ORM query and model instances cost several times the query itself.
# d2 = squared planar distance in m² (exact enough at 250 m); the order is by 10 m steps of
# distance (SQRT and FLOOR: built in on PostgreSQL, registered by Django on SQLite), then newest.
# Whether a report is open is read from its copy of its case's state (``Report.is_open``, in
# the index with the bounding box, ADR 0024).
NEARBY_SQL = """
SELECT r.id, r.reference, r.created_at, r.latitude, r.longitude,
  (SELECT p.id FROM publicspace_reportphoto p WHERE p.report_id = r.id AND p.hidden = %s
   ORDER BY p."order", p.id LIMIT 1) AS photo_id
FROM publicspace_report r
WHERE r.category_id = %s AND r.is_open = %s
  AND r.latitude BETWEEN %s AND %s AND r.longitude BETWEEN %s AND %s
  AND ((r.latitude - %s) * (r.latitude - %s) * %s + (r.longitude - %s) * (r.longitude - %s) * %s)
    <= %s
ORDER BY FLOOR(SQRT(
  (r.latitude - %s) * (r.latitude - %s) * %s + (r.longitude - %s) * (r.longitude - %s) * %s
) / %s), r.created_at DESC, r.id DESC
LIMIT %s
"""
NEARBY_STEP_M = 10


@dataclass(frozen=True, slots=True)
class NearbyReport:
    """What the duplicates list shows of an open report nearby (no model instance: the list is
    read on every move of the pin)."""

    pk: int
    reference: str
    created_at: datetime
    latitude: float
    longitude: float
    photo_id: int | None
    category: Category


def reports_nearby(
    *,
    category: Category,
    lat: float,
    lon: float,
    radius_m: float = NEARBY_RADIUS_M,
    limit: int = NEARBY_LIMIT,
) -> list[tuple[NearbyReport, float]]:
    """Open reports of ``category`` within ``radius_m`` of the point, nearest (by steps of
    10 m) then newest, with their distance in metres: the candidates shown before filing a
    duplicate, each with the id of its first visible photo (``photo_id``).

    One query: the bounding box uses the index ``(category, is_open, latitude, longitude)``;
    the planar distance filters, orders and limits in SQL."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    k_lon = (METRES_PER_DEGREE * math.cos(math.radians(lat))) ** 2
    d2_params = [lat, lat, K_LAT, lon, lon, k_lon]
    params = [
        False,
        category.pk,
        True,
        min_lat,
        max_lat,
        min_lon,
        max_lon,
        *d2_params,
        radius_m * radius_m,
        *d2_params,
        NEARBY_STEP_M,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(NEARBY_SQL, params)
        rows = cursor.fetchall()
    found = []
    for pk, reference, created_at, r_lat, r_lon, photo_id in rows:
        if created_at.tzinfo is None:  # SQLite gives naive UTC
            created_at = created_at.replace(tzinfo=UTC)
        report = NearbyReport(pk, reference, created_at, r_lat, r_lon, photo_id, category)
        found.append((report, distance_m(lat, lon, r_lat, r_lon)))
    return found


def public_reports() -> QuerySet[Report]:
    """What anyone may see: every report except hidden ones."""
    # the case gives the state; its form data and search text are never shown to the public
    return (
        Report.objects.exclude(case__status=State.HIDDEN)
        .select_related("case", "category", "commune")
        .defer("case__data", "case__search_text")
    )


@dataclass
class ReportFilters:
    category: str = ""
    state: str = ""
    commune: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_query(cls, query) -> "ReportFilters":
        def day(key: str) -> date | None:
            try:
                return date.fromisoformat(query.get(key, "").strip())
            except ValueError:
                return None

        return cls(
            category=query.get("categorie", "").strip(),
            state=query.get("etat", "").strip(),
            commune=query.get("commune", "").strip(),
            since=day("du"),
            until=day("au"),
        )

    def apply(self, qs: QuerySet[Report]) -> QuerySet[Report]:
        if self.category:
            qs = qs.filter(
                Q(category__code=self.category) | Q(category__parent__code=self.category)
            )
        if self.state == "ouverts":
            qs = qs.filter(case__is_closed=False)
        elif self.state == "clos":
            qs = qs.filter(case__is_closed=True)
        elif self.state in State.values:
            qs = qs.filter(case__status=self.state)
        if self.commune:
            qs = qs.filter(commune__slug=self.commune)
        tz = timezone.get_current_timezone()
        if self.since:
            qs = qs.filter(created_at__gte=datetime.combine(self.since, time.min, tzinfo=tz))
        if self.until:
            qs = qs.filter(created_at__lt=datetime.combine(self.until, time.max, tzinfo=tz))
        return qs


def report_get_public(reference: str) -> Report:
    report = (
        public_reports()
        .select_related("case", "duplicate_of__case")
        .filter(reference=reference)
        .first()
    )
    if report is None:
        raise Http404("report")
    return report


def reports_for_agent(*, actor) -> QuerySet[Report]:
    """Reports the agent's organisations are in charge of (tenancy); ``PolicyDenied`` for
    anybody who is not an agent now."""
    report_policy.require_back_office(actor)
    return report_policy.scope(actor, Report.objects.all()).select_related(
        "case", "category", "commune", "case__team"
    )


def reroute_teams(*, actor) -> QuerySet[Team]:
    """The teams an agent may send a report to: any team of any organisation (a misrouted
    report leaves the agent's organisation)."""
    report_policy.require_back_office(actor)
    return Team.objects.select_related("organisation").order_by("organisation__name", "name")


def duplicate_original(*, actor, reference: str) -> Report | None:
    """The report an agent names as the original of a duplicate: any report (it may be in
    another organisation's charge; only its reference is shown)."""
    report_policy.require_back_office(actor)
    reference = (reference or "").strip()
    if not reference:
        return None
    return Report.objects.select_related("case").filter(case__reference=reference).first()


def photo_get_for(*, actor, pk: int) -> tuple[ReportPhoto, bool]:
    """A report's photo to serve and whether it is public. Public unless hidden (or its report
    is); a hidden one only to the agents in charge (``report_policy``). Never before the
    antivirus passed it. The same 404 for missing and not theirs."""
    item = ReportPhoto.objects.select_related("report__case", "attachment").filter(pk=pk).first()
    if item is None or item.attachment.scan_state != ScanState.CLEAN:
        raise Http404("photo")
    public = not item.hidden and item.report.state != State.HIDDEN
    if not public and not (
        report_policy.scope(actor, Report.objects.filter(pk=item.report_id)).exists()
    ):
        raise Http404("photo")
    return item, public


def alerts_of(*, actor) -> QuerySet[Alert]:
    """The actor's own alerts on new reports."""
    return alert_policy.scope(actor, Alert.objects.all()).select_related("commune", "category")


def report_get_for_agent(*, actor, reference: str) -> Report:
    report = reports_for_agent(actor=actor).filter(reference=reference).first()
    if report is None:
        raise Http404("report")
    return report


def reports_dashboard(qs: QuerySet[Report]) -> dict[str, list]:
    """Counts by category, state, commune and month of the given reports."""
    by_month = (
        qs.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    labels = dict(State.choices)
    return {
        "category": list(
            qs.values("category__name").annotate(n=Count("pk")).order_by("-n", "category__name")
        ),
        "state": [
            {"state": labels.get(r["case__status"], r["case__status"]), "n": r["n"]}
            for r in qs.values("case__status").annotate(n=Count("pk")).order_by("-n")
        ],
        "commune": list(
            qs.values("commune__name").annotate(n=Count("pk")).order_by("-n", "commune__name")
        ),
        "month": list(by_month),
    }


def report_for_citizen(*, actor, reference: str) -> Report | None:
    mine = case_policy.scope(actor, Case.objects.all(), role="requester")
    return (
        Report.objects.filter(case__reference=reference, case__in=mine)
        .select_related("case", "category")
        .first()
    )


# --------------------------------------------------------------------------------------------
# Open311 service requests
# --------------------------------------------------------------------------------------------

# One query on a plain cursor: the report row has everything (its copies of the case's state
# and organisation included, ADR 0024) but the category's and the organisation's names (small
# tables joined on their primary key) and the first visible photo (correlated subquery, the
# ReportPhoto index on report). No model instances, no converters. A partner key's scope
# joins the case (the key that filed it).
OPEN311_REQUESTS_SQL = """
SELECT r.id, r.reference, NOT r.is_open, r.status_notes, r.public_description, {created},
  {updated}, r.address, r.latitude, r.longitude, c.name, c.code, o.name,
  (SELECT p.id FROM publicspace_reportphoto p WHERE p.report_id = r.id AND p.hidden = %s
   ORDER BY p."order", p.id LIMIT 1) AS photo_id, r.address_id
FROM publicspace_report r{case_join}
JOIN publicspace_category c ON c.id = r.category_id
JOIN territory_organisation o ON o.id = r.organisation_id
WHERE r.is_public = %s{where}
ORDER BY r.created_at DESC
LIMIT %s
"""


@dataclass(frozen=True)
class Open311Query:
    """The filters of Open311's GET requests, already parsed and checked by the view (aware
    datetimes; adapted for the database here, as the ORM would)."""

    organisation_id: int | None = None
    references: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    service_codes: tuple[str, ...] = ()
    is_open: bool | None = None
    limit: int = 1000
    # (organisation, key) of a partner key that asked: only what the organisation holds or the
    # key filed (cases.partner_keys.cases_readable_by_key)
    key_scope: tuple[int, int] | None = None


def _pg_local_iso(column: str) -> str:
    """PostgreSQL expression: ``column`` as ISO 8601 in a time zone given as parameter (4 %s),
    with its offset (``2026-01-31T08:00:00+01:00``, what ``isoformat`` writes). Formatting in
    the database spares reading, converting and formatting 2,000 datetimes in Python (half the
    time of a 1,000-request list)."""
    local = f"({column} AT TIME ZONE %s)"
    offset = f"EXTRACT(EPOCH FROM {local} - ({column} AT TIME ZONE 'UTC'))::int"
    return (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END || "
        f"lpad((abs({offset}) / 3600)::text, 2, '0') || ':' || "
        f"lpad((abs({offset}) %% 3600 / 60)::text, 2, '0')"
    )


def open311_requests(query: Open311Query) -> list[tuple]:
    """Public reports (never hidden) for Open311, newest first, as rows: (id, reference,
    is_closed, status_notes, public_description, requested, updated, address, latitude,
    longitude, category name, category code, organisation name, first visible photo id, BAN
    id of the address or "").
    ``requested`` and ``updated`` are ISO 8601 strings in the current time zone with their
    offset (formatted by PostgreSQL; in Python elsewhere)."""
    where: list[str] = []
    tz_name = timezone.get_current_timezone_name()
    in_database = connection.vendor == "postgresql"
    params: list = [tz_name] * 8 if in_database else []
    params += [False, True]

    def among(column: str, values) -> None:
        where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)

    if query.organisation_id is not None:
        where.append("r.organisation_id = %s")
        params.append(query.organisation_id)
    if query.key_scope is not None:
        where.append("(r.organisation_id = %s OR k.partner_key_id = %s)")
        params.extend(query.key_scope)
    if query.references:
        among("r.reference", query.references)
    if query.start is not None:
        where.append("r.created_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(query.start))
    if query.end is not None:
        where.append("r.created_at <= %s")
        params.append(connection.ops.adapt_datetimefield_value(query.end))
    if query.service_codes:
        # the categories' ids known before planning: the database walks their own index
        # (category, created_at) instead of every report newest first
        category_ids = list(
            Category.objects.filter(code__in=query.service_codes).values_list("pk", flat=True)
        )
        if not category_ids:
            return []
        among("r.category_id", category_ids)
    if query.is_open is not None:
        where.append("r.is_open = %s")
        params.append(query.is_open)
    params.append(query.limit)
    sql = OPEN311_REQUESTS_SQL.format(
        case_join="\nJOIN cases_case k ON k.id = r.case_id" if query.key_scope else "",
        where="".join(f" AND {w}" for w in where),
        created=_pg_local_iso("r.created_at") if in_database else "r.created_at",
        updated=_pg_local_iso("r.updated_at") if in_database else "r.updated_at",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if in_database:
        return rows
    tz = timezone.get_current_timezone()

    def local_iso(value: datetime) -> str:
        if value.tzinfo is None:  # SQLite gives naive UTC datetimes
            value = value.replace(tzinfo=UTC)
        return value.astimezone(tz).isoformat(timespec="seconds")

    return [(*r[:5], local_iso(r[5]), local_iso(r[6]), *r[7:]) for r in rows]
