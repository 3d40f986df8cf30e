"""In-process benchmark of the disability files (issue 17): with N files and M access records,
a house agent's queue and a file page, a file's access history (the auditor's page filtered
by the reference) and the download of an encrypted 5 MB piece; p50/p95 over the Django test
client (the whole request stack), written to ``bench/results/``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guichet_disability_bench \
      .venv/bin/python bench/disability.py --files 1000000 --records 20000000 --label full
    .venv/bin/python bench/disability.py --files 20000 --records 400000 --label small

The database must hold the demo (``guichet migrate && guichet seed_demo``). Seeding is bulk
SQL on PostgreSQL (``INSERT ... SELECT generate_series``), ``bulk_create`` elsewhere, skipped
when the volume is there. ``--seed-only`` seeds and stops (prepare the database ahead of a
measure on a quiet host); ``--skip-seed`` measures the database as it is (only counted). On
PostgreSQL the access table's indexes are dropped during the load and built after it, then the
tables vacuumed and analysed; a load cut short leaves the dropped indexes' definitions in the
table ``bench_dropped_indexes``: the next ``--seed-only`` builds them, ``--skip-seed`` refuses
to measure until then. The
result goes to ``bench/results/<date>-disability-<label>-<database>.json`` with the load
average before and after (the machine may be shared).
Targets (issue 17): queue and file page p95 <= 150 ms; history p95 <= 100 ms; 5 MB piece
p95 <= 200 ms.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import (  # noqa: E402
    Machine,
    Samples,
    agent_client,
    django_setup,
    percentiles,
    result_write,
    targets_check,
    timer,
)

django_setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

TARGETS_MS = {"queue": 150, "file": 150, "history": 100, "piece_5mb": 200}
BATCH = 5000


def _seed(files: int, records: int) -> dict:
    """Seed up to ``files`` disability files and ``records`` access records of the house:
    in bulk SQL on PostgreSQL (``INSERT ... SELECT generate_series``: 20M rows through
    ``bulk_create`` take hours), ``bulk_create`` elsewhere. Skipped when the volume is there."""
    from guichet.accounts.models import User
    from guichet.catalogue.models import ServiceDefinition
    from guichet.core.models import AccessRecord
    from guichet.disability.models import DisabilityFile
    from guichet.territory.models import Organisation

    house = Organisation.objects.get(slug="mdmph")
    context = {
        "house": house.pk,
        "team": house.teams.get(slug="instruction").pk,
        "definition": (definition := ServiceDefinition.objects.get(key="disability.request")).pk,
        "version": definition.current_version_id,
        "requester": User.objects.get(email="camille.martin@example.org").pk,
        "agent": User.objects.get(email="medecin.mdmph@example.org").pk,
    }
    started = time.perf_counter()
    have = DisabilityFile.objects.filter(case__reference__startswith="BDS-").count()
    seed = _seed_sql if connection.vendor == "postgresql" else _seed_orm
    if have < files:
        seed.files(have, files, context)
    done = AccessRecord.objects.filter(door="disability.file", actor_label="bench").count()
    if done < records:
        seed.records(done, records, files, context)
    if connection.vendor == "postgresql":
        _seed_sql.indexes_restore()
        with connection.cursor() as cursor:
            # what autovacuum does on a live database (this host's PostgreSQL runs without it):
            # statistics, and the visibility map that index-only scans read
            for table in ("cases_case", "disability_disabilityfile", "core_accessrecord"):
                started_vacuum = time.perf_counter()
                cursor.execute(f"VACUUM (ANALYZE) {table}")
                print(
                    f"vacuum {table}: {time.perf_counter() - started_vacuum:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return {"seconds": round(time.perf_counter() - started, 1), **_counted()}


def _counted() -> dict:
    """The seeded volume as it is in the database."""
    from guichet.core.models import AccessRecord
    from guichet.disability.models import DisabilityFile

    return {
        "files": DisabilityFile.objects.filter(case__reference__startswith="BDS-").count(),
        "records": AccessRecord.objects.filter(door="disability.file").count(),
    }


STATUSES = ["received", "admissible", "evaluation", "plan_proposed", "commission", "decided"]


class _seed_sql:
    """Bulk SQL, in chunks (each a statement and a commit)."""

    CHUNK_FILES = 200_000
    CHUNK_RECORDS = 4_000_000

    @classmethod
    def files(cls, have: int, files: int, c: dict) -> None:
        statuses = "ARRAY[" + ",".join(f"'{s}'" for s in STATUSES) + "]"
        while have < files:
            upto = min(have + cls.CHUNK_FILES, files)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO cases_case (created_at, updated_at, uuid, reference, channel,
                      contact_name, contact_email, contact_phone, tracking_hash, data, address,
                      status, is_closed, status_entered_at, closed_at, search_text,
                      definition_id, organisation_id, requester_id, team_id, version_id,
                      beneficiary_name, beneficiary_relationship, contact_unverified,
                      reply_token)
                    SELECT ts, ts, gen_random_uuid(), 'BDS-' || lpad(g::text, 9, '0'), 'web',
                      '', '', '', '', '{{}}'::jsonb, '', st, st = 'decided', ts,
                      CASE WHEN st = 'decided' THEN ts END, '',
                      %(definition)s, %(house)s, %(requester)s, %(team)s, %(version)s,
                      '', '', false, ''
                    FROM (
                      SELECT g, now() - (g %% 330) * interval '1 day' - g * interval '1 second'
                        AS ts, ({statuses})[1 + g %% 6] AS st
                      FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
                    ) AS s
                    """,
                    {**c, "lo": have, "hi": upto - 1},
                )
                cursor.execute(
                    """
                    INSERT INTO disability_disabilityfile (kind, created_at, filed_on,
                      person_first_name, person_last_name, person_birth_date, represented,
                      relationship, protected_adult, daily_life, schooling_or_work, caregiver,
                      rights, appeal_reason, silence_date, plan_comment, case_id,
                      organisation_id)
                    SELECT 'request', c.created_at, c.created_at::date, 'Bench',
                      'Person ' || substr(c.reference, 5), date '2010-01-01', false, '', false,
                      '-', '', '', '["aah"]'::jsonb, '',
                      (c.created_at + interval '4 months')::date, '', c.id, c.organisation_id
                    FROM cases_case c
                    WHERE c.reference >= %(lo_ref)s AND c.reference <= %(hi_ref)s
                    """,
                    {"lo_ref": f"BDS-{have:09d}", "hi_ref": f"BDS-{upto - 1:09d}"},
                )
            have = upto
            print(f"files: {have}", file=sys.stderr, flush=True)

    @classmethod
    def records(cls, done: int, records: int, files: int, c: dict) -> None:
        """Each record reads one seeded file picked at random. The access table's secondary
        indexes are dropped during the load and built again after it (inserting 20M random
        keys into them costs hours on a shared host; building them, minutes); their definitions
        wait in the table ``bench_dropped_indexes`` until they are built, so that a load cut
        short leaves them for the next run (``indexes_restore``)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE TEMP TABLE bench_files AS
                SELECT (row_number() OVER (ORDER BY c.id) - 1)::int AS k, f.id AS file_id,
                  c.id AS case_id, c.reference
                FROM cases_case c JOIN disability_disabilityfile f ON f.case_id = c.id
                WHERE c.reference LIKE 'BDS-%%'
                """
            )
            cursor.execute("ALTER TABLE bench_files ADD PRIMARY KEY (k)")
            cursor.execute("SELECT count(*) FROM bench_files")
            seeded = cursor.fetchone()[0]
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_dropped_indexes "
                "(name text PRIMARY KEY, definition text NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO bench_dropped_indexes SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'core_accessrecord' AND indexname <> 'core_accessrecord_pkey' "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute("SELECT name FROM bench_dropped_indexes")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        try:
            while done < records:
                n = min(cls.CHUNK_RECORDS, records - done)
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit = off")
                    cursor.execute(
                        """
                        INSERT INTO core_accessrecord (at, actor_id, actor_label,
                          organisation_id, door, object_type, object_id, case_id,
                          case_reference, query, method, path)
                        SELECT now() - random() * interval '365 days', %(agent)s, 'bench',
                          %(house)s, 'disability.file', 'disability.disabilityfile',
                          b.file_id::text, b.case_id, b.reference, '', 'GET', ''
                        FROM (
                          SELECT floor(random() * %(seeded)s::bigint)::int AS k
                          FROM generate_series(1, %(n)s::bigint)
                        ) AS picked
                        JOIN bench_files b ON b.k = picked.k
                        """,
                        {**c, "n": n, "seeded": seeded},
                    )
                done += n
                print(f"records: {done}", file=sys.stderr, flush=True)
        finally:
            cls.indexes_restore()
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_files")

    @staticmethod
    def indexes_dropped() -> list[str]:
        """The access table's indexes a load dropped and nothing has built again yet."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_dropped_indexes') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return []
            cursor.execute("SELECT name FROM bench_dropped_indexes ORDER BY name")
            return [name for (name,) in cursor.fetchall()]

    @classmethod
    def indexes_restore(cls) -> None:
        """Build the indexes a load dropped (this run's or an interrupted one's), one by one."""
        if not cls.indexes_dropped():
            return
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SELECT name, definition FROM bench_dropped_indexes ORDER BY name")
            for name, definition in cursor.fetchall():
                started = time.perf_counter()
                cursor.execute(
                    definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                )
                cursor.execute("DELETE FROM bench_dropped_indexes WHERE name = %s", [name])
                print(
                    f"index {name}: {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            cursor.execute("DROP TABLE bench_dropped_indexes")


class _seed_orm:
    """``bulk_create`` in batches (SQLite, small runs)."""

    @staticmethod
    def files(have: int, files: int, c: dict) -> None:
        from guichet.cases.models import Case, Channel
        from guichet.disability.models import DisabilityFile

        now = timezone.now()
        while have < files:
            n = min(BATCH, files - have)
            cases = Case.objects.bulk_create(
                [
                    Case(
                        reference=f"BDS-{have + i:09d}",
                        definition_id=c["definition"],
                        version_id=c["version"],
                        channel=Channel.WEB,
                        requester_id=c["requester"],
                        data={},
                        organisation_id=c["house"],
                        team_id=c["team"],
                        status=(status := STATUSES[(have + i) % 6]),
                        is_closed=status == "decided",
                        status_entered_at=now,
                    )
                    for i in range(n)
                ]
            )
            DisabilityFile.objects.bulk_create(
                [
                    DisabilityFile(
                        case=case,
                        organisation_id=c["house"],
                        filed_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 330),
                        person_first_name="Bench",
                        person_last_name=f"Person {have + i}",
                        person_birth_date=datetime.date(2010, 1, 1),
                        rights=["aah"],
                        daily_life="-",
                        silence_date=datetime.date(2026, 5, 1),
                    )
                    for i, case in enumerate(cases)
                ]
            )
            have += n

    @staticmethod
    def records(done: int, records: int, files: int, c: dict) -> None:
        from guichet.cases.models import Case
        from guichet.core.models import AccessRecord

        references = list(
            Case.objects.filter(reference__startswith="BDS-").values_list("reference", "pk")[:10000]
        )
        while done < records:
            n = min(BATCH * 4, records - done)
            rows = []
            for _ in range(n):
                reference, case_id = random.choice(references)
                rows.append(
                    AccessRecord(
                        actor_id=c["agent"],
                        actor_label="bench",
                        organisation_id=c["house"],
                        door="disability.file",
                        object_type="disability.disabilityfile",
                        object_id=str(case_id),
                        case_id=case_id,
                        case_reference=reference,
                    )
                )
            AccessRecord.objects.bulk_create(rows)
            done += n


def _measure(client: Client, url: str, n: int) -> dict:
    """Wall time per request, and this process's CPU time per request (the whole Django stack
    and the client: what the code costs, whatever the host's load) and the SQL round trips'
    wall time (Django's timing of each query: on a loaded host mostly waiting for a core)."""
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    samples, sql, queries = Samples(), [], 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured, timer() as timing:
            response = client.get(url)
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content)
            else:
                body = response.content
        samples.add(timing)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries = len(captured.captured_queries)
        assert response.status_code == 200, (url, response.status_code, body[:200])
    return {
        "n": n,
        **percentiles(samples.wall),
        **percentiles(samples.cpu, prefix="cpu_"),
        **percentiles(sql, keys=("p50",), prefix="sql_wall_"),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--records", type=int, default=400000)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--label", default="")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--seed-only", action="store_true", help="seed up to the volume, then stop (no measure)"
    )
    mode.add_argument(
        "--skip-seed",
        action="store_true",
        help="measure without seeding (the database already holds the volume; counted only)",
    )
    args = parser.parse_args()
    if args.seed_only:
        print(json.dumps({"seed": _seed(args.files, args.records)}))
        return

    from guichet.core.uploads import CleanFile
    from guichet.disability.models import DisabilityFile
    from guichet.disability.pieces import TakenPiece, piece_store

    if args.skip_seed and connection.vendor == "postgresql" and _seed_sql.indexes_dropped():
        sys.exit(
            "The access table's indexes are missing (a load was cut short): run --seed-only "
            f"first to build them ({', '.join(_seed_sql.indexes_dropped())})."
        )
    seeded = {"skipped": True, **_counted()} if args.skip_seed else _seed(args.files, args.records)
    machine = Machine.now()
    doctor = agent_client("medecin.mdmph@example.org")
    auditor = agent_client("auditeur.mdmph@example.org")
    file = (
        DisabilityFile.objects.select_related("case")
        .filter(case__reference__startswith="BDS-")
        .last()
    )
    ref = file.case.reference
    content = b"%PDF-1.4\n" + os.urandom(5 * 1024 * 1024)
    clean = CleanFile(name="p.pdf", content=content, content_type="application/pdf")
    piece = piece_store(TakenPiece(kind="medical_certificate", clean=clean), actor=None, file=file)
    results = {
        "queue": _measure(doctor, "/mdmph/instruction/", args.n),
        "file": _measure(doctor, f"/mdmph/instruction/{ref}/", args.n),
        "history": _measure(auditor, f"/backoffice/audit/?reference={ref}", args.n),
        "piece_5mb": _measure(doctor, f"/mdmph/instruction/{ref}/pieces/{piece.pk}/", args.n),
    }
    targets_check(results, TARGETS_MS)
    machine.done()
    report = {
        "date": datetime.date.today().isoformat(),
        "database": connection.vendor,
        "load_average_before": machine.load_before,
        "load_average_after": machine.load_after,
        "cpus": machine.cpus,
        "seed": seeded,
        "results": results,
    }
    print(json.dumps(report, indent=1))
    if args.label:
        path = result_write(report, f"{report['date']}-disability-{args.label}-{connection.vendor}")
        print(f"written {path}")


if __name__ == "__main__":
    main()
