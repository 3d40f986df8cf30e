"""Bulk seeding of reports for the demo and the benchmarks: ``seed_reports(count)`` inserts
cases and reports with ``bulk_create`` in batches (no per-row services, no e-mails, no
thumbnails), spread over the communes and the last two years.

1,000,000 reports on PostgreSQL: ``guichet shell -c "from guichet.publicspace.bench import
seed_reports; seed_reports(1_000_000)"``.
"""

from __future__ import annotations

import json
import random
import uuid
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from guichet.cases.models import Case, Channel, ReferenceCounter
from guichet.catalogue.models import ServiceDefinition
from guichet.publicspace.models import Category, Report, ReportUpdate, State
from guichet.publicspace.selectors import reportable_categories
from guichet.territory.geometry import contains
from guichet.territory.models import Organisation
from guichet.territory.selectors import competence_resolve

STATE_WEIGHTS = [
    (State.OPEN, 20),
    (State.ACKNOWLEDGED, 10),
    (State.IN_PROGRESS, 8),
    (State.PLANNED, 5),
    (State.FIXED, 45),
    (State.NOT_COMPETENT, 4),
    (State.NO_ACTION, 5),
    (State.HIDDEN, 1),
]
TEXTS = [
    "Le problème est visible depuis plusieurs jours.",
    "Dangereux pour les piétons et les vélos.",
    "Devant le numéro 12, côté pair.",
    "À l'angle de la rue, près de l'arrêt de bus.",
    "",
]


@contextmanager
def _keep_timestamps(*models):
    """Let bulk_create keep the given created_at/updated_at instead of now()."""
    saved = []
    for model in models:
        for name in ("created_at", "updated_at"):
            field = model._meta.get_field(name)
            saved.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _reserve_references(prefix: str, year: int, count: int) -> int:
    """Reserve ``count`` numbers; returns the first one."""
    ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return counter.last + 1


def _points(communes: list[Organisation], rng: random.Random):
    """An endless supply of (commune, lat, lon) inside the communes' boundaries."""
    while True:
        commune = rng.choice(communes)
        for _attempt in range(20):
            lat = rng.uniform(commune.min_lat, commune.max_lat)
            lon = rng.uniform(commune.min_lon, commune.max_lon)
            if contains(commune.boundary, lat, lon):
                yield commune, lat, lon
                break


def _defaults(model) -> list[tuple[str, object]]:
    """(column, default) of every concrete column but the primary key."""
    columns = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.has_default():
            default = field.get_default()
        elif field.null:
            default = None
        else:
            default = ""
        columns.append((field.column, default))
    return columns


def _copy(model, rows: list[dict]) -> None:
    """Insert ``rows`` (column -> value, with ``id``) with PostgreSQL's COPY."""
    columns = [("id", None), *_defaults(model)]
    names = ", ".join(connection.ops.quote_name(c) for c, _d in columns)
    json_columns = {
        f.column for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"
    }
    sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row.get(c, d)) if c in json_columns else row.get(c, d)
                    for c, d in columns
                ]
            )


def _next_ids(model, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [r[0] for r in cursor.fetchall()]


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert rows (column -> value) and return their ids: COPY on PostgreSQL, bulk_create
    elsewhere (the demo on SQLite)."""
    if connection.vendor == "postgresql":
        ids = _next_ids(model, len(rows))
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
        _copy(model, rows)
        return ids
    fields = {f.column: f.attname for f in model._meta.concrete_fields}
    objs = [model(**{fields[c]: v for c, v in row.items()}) for row in rows]
    with _keep_timestamps(model) if hasattr(model, "updated_at") else nullcontext():
        model.objects.bulk_create(objs, batch_size=1000)
    if objs and objs[0].pk is None:
        raise RuntimeError("bulk_create did not return primary keys")
    return [o.pk for o in objs]


def seed_reports(
    count: int,
    *,
    definition: ServiceDefinition | None = None,
    batch: int = 10000,
    seed: int = 2026,
    log=print,
) -> int:
    """Insert ``count`` reports (and their cases and one public update each) in batches of
    ``batch`` rows, each batch in one transaction; returns the number inserted."""
    definition = definition or ServiceDefinition.objects.get(key="publicspace")
    version = definition.current_version
    closed = {s["key"]: bool(s.get("closed")) for s in version.workflow["statuses"]}
    categories = list(reportable_categories())
    communes = [
        c
        for c in Organisation.objects.filter(kind="commune", is_active=True)
        if c.boundary and c.min_lat is not None
    ]
    if not categories or not communes:
        return 0
    routes: dict[tuple[int, int], tuple[int, int] | None] = {}
    for category in categories:
        for commune in communes:
            rule = competence_resolve(subject=category.subject, commune=commune)
            routes[(category.pk, commune.pk)] = (
                (rule.organisation_id, rule.team_id) if rule else None
            )
    rng = random.Random(seed + Report.objects.count())
    points = _points(communes, rng)
    pool = [next(points) for _i in range(min(count, 20000))]
    states = [s for s, _w in STATE_WEIGHTS]
    weights = [w for _s, w in STATE_WEIGHTS]
    now = timezone.now()
    year = timezone.localtime(now).year
    prefix = definition.reference_prefix
    done = 0
    while done < count:
        size = min(batch, count - done)
        with transaction.atomic():
            first = _reserve_references(prefix, year, size)
            cases, reports = [], []
            for i in range(size):
                category = rng.choice(categories)
                commune, lat, lon = rng.choice(pool)
                lat += rng.uniform(-0.0003, 0.0003)
                lon += rng.uniform(-0.0003, 0.0003)
                route = routes[(category.pk, commune.pk)]
                if route is None:
                    continue
                state = rng.choices(states, weights)[0]
                created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
                updated = min(created + timedelta(hours=rng.randint(0, 24 * 30)), now)
                text = rng.choice(TEXTS)
                is_closed = closed.get(state, False)
                cases.append(
                    {
                        "uuid": uuid.uuid4(),
                        "reference": f"{prefix}-{year}-{first + i:06d}",
                        "definition_id": definition.pk,
                        "version_id": version.pk,
                        "channel": Channel.API if rng.random() < 0.2 else Channel.WEB,
                        "contact_email": f"usager{first + i}@example.org",
                        "data": {"category": category.code, "description": text, "details": ""},
                        "latitude": lat,
                        "longitude": lon,
                        "commune_id": commune.pk,
                        "organisation_id": route[0],
                        "team_id": route[1],
                        "status": state,
                        "is_closed": is_closed,
                        "status_entered_at": updated,
                        "closed_at": updated if is_closed else None,
                        "created_at": created,
                        "updated_at": updated,
                    }
                )
                reports.append(
                    {
                        "reference": cases[-1]["reference"],
                        "category_id": category.pk,
                        "latitude": lat,
                        "longitude": lon,
                        "commune_id": commune.pk,
                        "organisation_id": route[0],
                        "is_open": not is_closed,
                        "is_public": state != State.HIDDEN,
                        "public_description": text,
                        "answers": {},
                        "created_at": created,
                        "updated_at": updated,
                        "fixed_at": updated if state == State.FIXED else None,
                        "questionnaire_sent_at": updated if state == State.FIXED else None,
                    }
                )
            case_ids = _insert(Case, cases)
            for report, case_id in zip(reports, case_ids, strict=True):
                report["case_id"] = case_id
            report_ids = _insert(Report, reports)
            _insert(
                ReportUpdate,
                [
                    {"report_id": pk, "state": c["status"], "description": "",
                     "created_at": r["updated_at"]}
                    for pk, r, c in zip(report_ids, reports, cases, strict=True)
                    if c["status"] != State.HIDDEN
                ],
            )  # fmt: skip
        done += size
        if count > batch:
            log(f"signalements : {done}/{count}")
    return done


__all__ = ["Category", "seed_reports"]
