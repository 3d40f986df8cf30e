"""Seed a benchmark volume into the configured database (idempotent, bulk inserts).

Used by bench/run.py; also `python bench/seed.py --citizens 200000 --cases 2000000`.
Prints one JSON line: what was asked, what was added and the time each part took.

- citizens: ``bench.citizen.<n>@example.org`` (bulk_create, one password hash for all);
- cases: ``contact`` cases of those citizens, written with PostgreSQL's COPY (ids from the
  sequences, the same helpers as ``guichet.publicspace.bench``), bulk_create elsewhere; each
  citizen gets a realistic handful (``cases / citizens`` on average, random spread); the cases
  are spread over the communes and routed like the service's competence rules (so the Lyon
  team queue gets Lyon's share); no events rows (the pages measured do not read them);
- reports: ``guichet.publicspace.bench.seed_reports`` up to the requested total;
- access records (``core.AccessRecord``, the read audit): the agents' past reads, written with
  COPY, most of them by the agents of the agent-queue agent's organisation (Lyon) on its cases,
  the rest over the other organisations with agents, doors mixed (case pages, lists,
  searches, API reads, downloads, exports, 360° views), in time order over two years (the
  table is append-only: its rows lie in the order they were written).

Each part only adds what is missing, so a second run on the same database is fast.
"""

import argparse
import json
import os
import random
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from guichet.accounts.models import User  # noqa: E402
from guichet.cases.models import Case, Channel  # noqa: E402
from guichet.catalogue.models import ServiceDefinition  # noqa: E402
from guichet.core.demo import DEMO_PASSWORD  # noqa: E402
from guichet.core.models import AccessRecord  # noqa: E402
from guichet.publicspace.bench import (  # noqa: E402
    _defaults,
    _insert,
    _reserve_references,
    seed_reports,
)
from guichet.territory.models import Membership, Organisation  # noqa: E402
from guichet.territory.selectors import competence_resolve  # noqa: E402

BATCH = 5_000
CASE_BATCH = 20_000
BENCH_EMAIL = "bench.citizen.{n}@example.org"
ACCESS_BATCH = 100_000
QUEUE_AGENT = "agent.lyon@example.org"  # the agent of the agent-queue and case-page scenarios


def seed_citizens(count: int) -> int:
    """Bench citizens are bench.citizen.<n>@example.org, all with the demo password."""
    existing = User.objects.filter(email__startswith="bench.citizen.").count()
    if existing >= count:
        return 0
    password = make_password(DEMO_PASSWORD)  # hashed once: Argon2 per row would take hours
    created = 0
    for start in range(existing, count, BATCH):
        stop = min(start + BATCH, count)
        User.objects.bulk_create(
            [
                User(
                    email=BENCH_EMAIL.format(n=n),
                    first_name="Usager",
                    last_name=f"Bench {n}",
                    password=password,
                )
                for n in range(start, stop)
            ],
            ignore_conflicts=True,
        )
        created += stop - start
    return created


def seed_cases(count: int, citizens: int, log=print) -> int:
    """Add ``contact`` cases of the bench citizens until there are ``count`` of them."""
    existing = Case.objects.filter(contact_email__startswith="bench.citizen.").count()
    missing = count - existing
    if missing <= 0 or citizens <= 0:
        return 0
    definition = ServiceDefinition.objects.get(key="contact")
    version = definition.current_version
    statuses = version.workflow["statuses"]
    closed = {s["key"]: bool(s.get("closed")) for s in statuses}
    keys = [s["key"] for s in statuses]
    # most cases of a mature platform are closed: 75 % closed, the rest over the open statuses
    open_keys = [k for k in keys if not closed[k]] or keys
    closed_keys = [k for k in keys if closed[k]] or keys
    routes = []
    for commune in Organisation.objects.filter(kind="commune", is_active=True):
        rule = competence_resolve(subject=definition.key, commune=commune)
        if rule:
            routes.append((commune.pk, rule.organisation_id, rule.team_id))
    if not routes:
        raise RuntimeError("no competence rule routes the contact service")
    bench_users = dict(
        User.objects.filter(email__startswith="bench.citizen.").values_list("email", "pk")
    )
    requesters = [
        (pk, BENCH_EMAIL.format(n=n))
        for n in range(citizens)
        if (pk := bench_users.get(BENCH_EMAIL.format(n=n)))
    ]
    rng = random.Random(2026 + existing)
    texts = ["Acte de naissance", "Horaires de la mairie", "Question sur ma facture", "Rendez-vous"]
    with _bulk_load(Case, drop_indexes=missing >= 200_000, log=log):
        done = _write_cases(
            missing, rng, requesters, routes, definition, version, open_keys, closed_keys,
            texts, log,
        )  # fmt: skip
    if connection.vendor == "postgresql":
        # What PostgreSQL's manual advises after a bulk load, and what autovacuum would do on
        # a live database: statistics, and the visibility map, without which every index-only
        # scan (the queue counts) still visits the heap. Part of the seeding time.
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {Case._meta.db_table}")
        log(f"cases vacuumed and analysed in {time.monotonic() - started:.0f} s")
    return done


@contextmanager
def _bulk_load(*models, drop_indexes: bool, log=print):
    """PostgreSQL bulk load: no synchronous commit, no foreign-key triggers (the rows are
    consistent by construction; needs the superuser the benchmarks run as), and for a big load
    the model's secondary indexes dropped and rebuilt at the end (much faster than maintaining
    them row by row). Elsewhere: nothing special."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        cursor.execute("SET session_replication_role = replica")
    indexes = [(m, i) for m in models for i in m._meta.indexes] if drop_indexes else []
    with connection.schema_editor() as editor:
        for _model, index in indexes:
            editor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        started = time.monotonic()
        with connection.schema_editor() as editor:
            for model, index in indexes:
                editor.add_index(model, index)
        if indexes:
            log(f"{len(indexes)} indexes rebuilt in {time.monotonic() - started:.0f} s")


def _write_cases(
    missing, rng, requesters, routes, definition, version, open_keys, closed_keys, texts, log
) -> int:
    now = timezone.now()
    year = timezone.localtime(now).year
    prefix = definition.reference_prefix
    done = 0
    while done < missing:
        size = min(CASE_BATCH, missing - done)
        with transaction.atomic():
            first = _reserve_references(prefix, year, size)
            rows = []
            for i in range(size):
                requester_id, email = rng.choice(requesters)
                commune_id, organisation_id, team_id = rng.choice(routes)
                is_closed = rng.random() < 0.75
                status = rng.choice(closed_keys if is_closed else open_keys)
                created = now - timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
                updated = min(created + timedelta(hours=rng.randint(0, 24 * 20)), now)
                reference = f"{prefix}-{year}-{first + i:06d}"
                objet = rng.choice(texts)
                rows.append(
                    {
                        "uuid": uuid.uuid4(),
                        "reference": reference,
                        "definition_id": definition.pk,
                        "version_id": version.pk,
                        "channel": Channel.WEB,
                        "requester_id": requester_id,
                        "contact_name": "Usager Bench",
                        "contact_email": email,
                        "data": {
                            "theme": "etat_civil",
                            "objet": objet,
                            "message": "Bonjour, merci de me répondre.",
                            "email": email,
                        },
                        "commune_id": commune_id,
                        "organisation_id": organisation_id,
                        "team_id": team_id,
                        "status": status,
                        "is_closed": is_closed,
                        "status_entered_at": updated,
                        "closed_at": updated if is_closed else None,
                        "search_text": f"{reference} usager bench {email} {objet}".lower(),
                        "created_at": created,
                        "updated_at": updated,
                    }
                )
            _insert(Case, rows)
        done += size
        if missing > CASE_BATCH and done % 100_000 < CASE_BATCH:
            log(f"cases: {done}/{missing}")
    return done


# (door, weight, reads one case?): what agents mostly do is open case pages and lists
ACCESS_DOORS = [
    (AccessRecord.Door.CASE_VIEW, 55, True),
    (AccessRecord.Door.CASE_LIST, 15, False),
    (AccessRecord.Door.SEARCH, 8, False),
    (AccessRecord.Door.CASE_API_VIEW, 8, True),
    (AccessRecord.Door.ATTACHMENT_DOWNLOAD, 6, True),
    (AccessRecord.Door.CASE_API_LIST, 4, False),
    (AccessRecord.Door.PERSON_VIEW, 3, False),
    (AccessRecord.Door.EXPORT_CSV, 1, False),
]
ACCESS_QUEUE_ORG_SHARE = 0.7  # of the records are on the queue agent's organisation
ACCESS_CASES_PER_ORG = 300_000  # the cases read, per organisation (its first ones by id)


def seed_access_records(count: int, log=print) -> int:
    """Add access records until there are ``count`` (what years of agents' reads leave)."""
    existing = AccessRecord.objects.count()
    missing = count - existing
    if missing <= 0:
        return 0
    agents: dict[int, list[tuple[int, str]]] = {}
    memberships = (
        Membership.objects.exclude(role=Membership.Role.AUDITOR)
        .values_list("team__organisation_id", "user_id", "user__first_name",
                     "user__last_name", "user__email")
        .distinct()
    )  # fmt: skip
    for org_id, user_id, first, last, email in memberships:
        agents.setdefault(org_id, []).append((user_id, f"{first} {last} <{email}>"[:300]))
    queue_org = (
        Membership.objects.filter(user__email=QUEUE_AGENT)
        .values_list("team__organisation_id", flat=True)
        .first()
    )
    cases: dict[int, list[tuple[int, str]]] = {}
    for org_id in agents:
        cases[org_id] = list(
            Case.objects.filter(organisation_id=org_id)
            .order_by("id")
            .values_list("id", "reference")[:ACCESS_CASES_PER_ORG]
        )
    others = [o for o in agents if o != queue_org and cases[o]]
    if queue_org is None or not cases.get(queue_org):
        raise RuntimeError(f"{QUEUE_AGENT} has no organisation with cases: seed the cases first")
    rng = random.Random(2026 + existing)
    doors = [d for d, _w, _c in ACCESS_DOORS]
    weights = [w for _d, w, _c in ACCESS_DOORS]
    one_case = {d for d, _w, c in ACCESS_DOORS if c}
    queries = ["queue=team", "queue=mine", "queue=all&status=nouveau", "queue=overdue",
               "q=dupont", "q=acte+de+naissance", "queue=closed&commune=lyon"]  # fmt: skip
    addresses = [f"10.20.{n // 250}.{n % 250 + 1}" for n in range(500)]  # the agents' desks
    now = timezone.now()
    span = 2 * 365 * 86400
    with _bulk_load(AccessRecord, drop_indexes=missing >= 200_000, log=log):
        done = 0
        while done < missing:
            size = min(ACCESS_BATCH, missing - done)
            rows = []
            for i in range(done, done + size):
                org_id = queue_org if rng.random() < ACCESS_QUEUE_ORG_SHARE else rng.choice(others)
                actor_id, label = rng.choice(agents[org_id])
                door = rng.choices(doors, weights)[0]
                # in time order, as an append-only table is written
                at = now - timedelta(seconds=span * (1 - i / missing) + rng.random() * 60)
                row = {
                    "at": at,
                    "actor_id": actor_id,
                    "actor_label": label,
                    "organisation_id": org_id,
                    "door": door,
                    "method": "GET",
                    "ip_address": rng.choice(addresses),
                }
                if door in one_case:
                    case_id, reference = rng.choice(cases[org_id])
                    row |= {"case_id": case_id, "case_reference": reference,
                            "object_type": "cases.case", "object_id": str(case_id),
                            "path": f"/backoffice/demandes/{reference}/"}  # fmt: skip
                    if door == AccessRecord.Door.ATTACHMENT_DOWNLOAD:
                        attachment_id = rng.randint(1, 5_000_000)
                        row |= {"attachment_id": attachment_id, "object_id": str(attachment_id),
                                "object_type": "cases.caseattachment"}  # fmt: skip
                else:
                    row |= {"query": rng.choice(queries), "count": rng.randint(0, 5000),
                            "path": "/backoffice/"}  # fmt: skip
                rows.append(row)
            with transaction.atomic():
                _insert_access(rows)
            done += size
            if missing > ACCESS_BATCH and done % 1_000_000 < ACCESS_BATCH:
                log(f"access records: {done}/{missing}")
    if connection.vendor == "postgresql":
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {AccessRecord._meta.db_table}")
        log(f"access records vacuumed and analysed in {time.monotonic() - started:.0f} s")
    return done


def _insert_access(rows: list[dict]) -> None:
    """COPY on PostgreSQL with the ids left to the identity column (10M ``nextval`` round
    trips would cost more than the rows), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        AccessRecord.objects.bulk_create([AccessRecord(**row) for row in rows], batch_size=1000)
        return
    columns = [(c, d) for c, d in _defaults(AccessRecord)]
    names = ", ".join(connection.ops.quote_name(c) for c, _d in columns)
    sql = f"COPY {AccessRecord._meta.db_table} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row.get(c, d) for c, d in columns])


def restore_indexes(log=print) -> list[str]:
    """Add back any ``Meta.indexes`` of the bulk-loaded tables that an interrupted load left
    dropped (a load rebuilds them only when it ends)."""
    from guichet.publicspace.models import Report, ReportUpdate

    added = []
    with connection.cursor() as cursor:
        for model in (Case, Report, ReportUpdate, AccessRecord):
            existing = connection.introspection.get_constraints(cursor, model._meta.db_table)
            missing = [i for i in model._meta.indexes if i.name not in existing]
            with connection.schema_editor() as editor:
                for index in missing:
                    editor.add_index(model, index)
                    added.append(index.name)
    if added:
        log(f"indexes restored: {', '.join(added)}")
    return added


def seed_report_volume(count: int, log=print) -> int:
    from guichet.publicspace.models import Report, ReportUpdate

    missing = count - Report.objects.count()
    if missing <= 0:
        return 0
    with _bulk_load(Report, ReportUpdate, drop_indexes=missing >= 200_000, log=log):
        done = seed_reports(missing, log=log)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return done


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--citizens", type=int, default=int(os.environ.get("BENCH_CITIZENS", 10_000))
    )
    parser.add_argument("--cases", type=int, default=0)
    parser.add_argument("--reports", type=int, default=0)
    parser.add_argument("--access-records", type=int, default=0)
    args = parser.parse_args(argv)

    def log(line):
        print(line, file=sys.stderr, flush=True)

    timings = {}
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    restored = restore_indexes(log=log)
    timings["migrate_and_demo_s"] = round(time.monotonic() - started, 1)
    t = time.monotonic()
    created = seed_citizens(args.citizens)
    timings["citizens_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    cases_created = seed_cases(args.cases, args.citizens, log=log) if args.cases else 0
    timings["cases_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    reports_created = seed_report_volume(args.reports, log=log) if args.reports else 0
    timings["reports_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    access_created = seed_access_records(args.access_records, log=log) if args.access_records else 0
    timings["access_records_s"] = round(time.monotonic() - t, 1)
    log(f"access records: {access_created} added in {timings['access_records_s']} s")
    return {
        "database": connection.vendor,
        "citizens": args.citizens,
        "citizens_created": created,
        "cases": args.cases,
        "cases_created": cases_created,
        "cases_total": Case.objects.count(),
        "reports": args.reports,
        "reports_created": reports_created,
        "access_records": args.access_records,
        "access_records_created": access_created,
        "access_records_total": AccessRecord.objects.count(),
        "indexes_restored": restored,
        **timings,
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
