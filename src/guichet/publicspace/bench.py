"""Bulk seeding of reports for the demo and the benchmarks: ``seed_reports(count)`` inserts
cases and reports with ``bulk_create`` in batches (no per-row services, no e-mails, no
thumbnails), spread over the communes and the last two years.

1,000,000 reports on PostgreSQL: ``guichet shell -c "from guichet.publicspace.bench import
seed_reports; seed_reports(1_000_000)"``.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guichet.cases.models import Case, Channel, ReferenceCounter
from guichet.publicspace.models import OPEN_STATES, Category, Report, ReportUpdate, State
from guichet.publicspace.selectors import reportable_categories
from guichet.services.models import ServiceDefinition
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


def seed_reports(
    count: int,
    *,
    definition: ServiceDefinition | None = None,
    batch: int = 5000,
    seed: int = 2026,
    log=print,
) -> int:
    """Insert ``count`` reports (and their cases) in batches; returns the number inserted."""
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
    states = [s for s, _w in STATE_WEIGHTS]
    weights = [w for _s, w in STATE_WEIGHTS]
    points = _points(communes, rng)
    now = timezone.now()
    year = timezone.localtime(now).year
    done = 0
    while done < count:
        size = min(batch, count - done)
        with transaction.atomic(), _keep_timestamps(Case):
            first = _reserve_references(definition.reference_prefix, year, size)
            cases, rows = [], []
            for i in range(size):
                category = rng.choice(categories)
                commune, lat, lon = next(points)
                route = routes[(category.pk, commune.pk)]
                if route is None:
                    continue
                state = rng.choices(states, weights)[0]
                created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
                updated = created + timedelta(hours=rng.randint(0, 24 * 30))
                updated = min(updated, now)
                text = rng.choice(TEXTS)
                cases.append(
                    Case(
                        reference=f"{definition.reference_prefix}-{year}-{first + i:06d}",
                        definition=definition,
                        version=version,
                        channel=Channel.API if rng.random() < 0.2 else Channel.WEB,
                        contact_email=f"usager{first + i}@example.org",
                        data={"category": category.code, "description": text, "details": ""},
                        latitude=lat,
                        longitude=lon,
                        commune=commune,
                        organisation_id=route[0],
                        team_id=route[1],
                        status=state,
                        is_closed=closed.get(state, False),
                        status_entered_at=updated,
                        closed_at=updated if closed.get(state) else None,
                        created_at=created,
                        updated_at=updated,
                    )
                )
                rows.append((category, commune, lat, lon, state, created, updated, text))
            Case.objects.bulk_create(cases, batch_size=1000)
            if cases[0].pk is None:  # backends that do not return primary keys
                ids = dict(
                    Case.objects.filter(reference__in=[c.reference for c in cases]).values_list(
                        "reference", "pk"
                    )
                )
                for case in cases:
                    case.pk = ids[case.reference]
            reports = [
                Report(
                    case_id=case.pk,
                    category=category,
                    latitude=lat,
                    longitude=lon,
                    commune=commune,
                    state=state,
                    is_open=state in OPEN_STATES,
                    public_description=text,
                    created_at=created,
                    updated_at=updated,
                    fixed_at=updated if state == State.FIXED else None,
                    questionnaire_sent_at=updated if state == State.FIXED else None,
                )
                for case, (category, commune, lat, lon, state, created, updated, text) in zip(
                    cases, rows, strict=True
                )
            ]
            Report.objects.bulk_create(reports, batch_size=1000)
            if reports and reports[0].pk is None:
                ids = dict(
                    Report.objects.filter(case_id__in=[c.pk for c in cases]).values_list(
                        "case_id", "pk"
                    )
                )
                for report in reports:
                    report.pk = ids[report.case_id]
            ReportUpdate.objects.bulk_create(
                [
                    ReportUpdate(report_id=r.pk, state=r.state, created_at=r.updated_at)
                    for r in reports
                    if r.state != State.HIDDEN
                ],
                batch_size=1000,
            )
        done += size
        if count > batch:
            log(f"signalements : {done}/{count}")
    return done


__all__ = ["Category", "seed_reports"]
