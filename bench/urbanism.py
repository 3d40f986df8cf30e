"""In-process benchmark of urbanism (issue 16): with N open planning applications spread over
the communes, procedures, instruction states and filing dates,

- (a) the planning queue of an Oullins instructor (``GET /urbanisme/instruction/``, sorted by
  the day a tacit decision arises) through the whole request stack (Django's test client,
  DEBUG false, session with the second factor): p95 <= 150 ms;
- (b) the daily deadline sweep (``timers.alerts_sweep``: agents warned ``ALERT_DAYS`` before a
  tacit decision) over all of them, first run (nobody alerted yet: the worst day) and the next
  day (steady state): <= 10 s; with ``--tacit-sweep``, the hourly tacit-decision sweep over
  the files whose date has passed (the seed leaves two days of them), for the record;
- (c) filing a DP with 8 PDF pieces of 1 MB each through the citizen's filing door (start,
  Cerfa page, pieces page with the 8 uploads checked by content, submission): p95 <= 1 s;

written to ``bench/results/``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guichet_urbanism_bench \
      .venv/bin/python bench/urbanism.py --files 100000 --label full

The database must hold the demo (``guichet migrate && guichet seed_demo``). Seeding is
``bulk_create`` in batches (cases, then their applications), skipped when the volume is there;
each commune of the demo gets a planning team (Oullins keeps its own) so the files spread
over six communes, Oullins holding a sixth of them.
"""

import argparse
import datetime
import io
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import (  # noqa: E402
    Machine,
    agent_client,
    django_setup,
    percentiles,
    result_write,
    targets_check,
    timed_calls,
    timer,
)

django_setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

TARGETS_MS = {"queue": 150, "alerts_sweep": 10_000, "file_dp_8x1mb": 1000}
BATCH = 5000
# the instruction states of an open file and their share
STATES = [("filed", 0.35), ("instruction", 0.45), ("incomplete", 0.20)]
PROCEDURES = [("DP", 0.45), ("PCMI", 0.25), ("PC", 0.12), ("PA", 0.03), ("PD", 0.05)]
PROCEDURES += [("CUA", 0.06), ("CUB", 0.04)]


def _pick(table):
    r = random.random()
    for value, share in table:
        r -= share
        if r <= 0:
            return value
    return table[-1][0]


def _teams():
    """A planning team in each commune of the demo (Oullins has its own), routed by the
    ``urbanism`` competence rule."""
    from guichet.territory.models import CompetenceRule, Organisation, Team

    teams = []
    for commune in Organisation.objects.filter(kind="commune").exclude(insee_code=""):
        team, _created = Team.objects.get_or_create(
            organisation=commune, slug="urbanisme", defaults={"name": "Urbanisme"}
        )
        CompetenceRule.objects.get_or_create(
            subject="urbanism", commune=commune, defaults={"organisation": commune, "team": team}
        )
        teams.append((commune, team))
    return teams


def _seed(files: int) -> dict:
    from guichet.accounts.models import User
    from guichet.cases.models import Case, Channel
    from guichet.catalogue.models import ServiceDefinition
    from guichet.urbanism.filing import registration_number
    from guichet.urbanism.models import PlanningApplication

    started = time.perf_counter()
    teams = _teams()
    definitions = {d.key: d for d in ServiceDefinition.objects.filter(key__startswith="urbanism.")}
    requester = User.objects.get(email="camille.martin@example.org")
    have = PlanningApplication.objects.filter(case__reference__startswith="BUR-").count()
    today = timezone.localdate()
    now = timezone.now()
    random.seed(16)
    while have < files:
        n = min(BATCH, files - have)
        rows = []
        for i in range(n):
            commune, team = teams[(have + i) % len(teams)]
            procedure = _pick(PROCEDURES)
            # filed in the last five months; due from a few days ago (the hourly job has not
            # run yet) to five months ahead
            filed_on = today - datetime.timedelta(days=random.randint(0, 150))
            due = today + datetime.timedelta(days=random.randint(-2, 150))
            rows.append((commune, team, procedure, filed_on, due, _pick(STATES)))
        cases = Case.objects.bulk_create(
            [
                Case(
                    reference=f"BUR-{have + i:09d}",
                    definition=definitions[f"urbanism.{procedure.lower()}"],
                    version_id=definitions[f"urbanism.{procedure.lower()}"].current_version_id,
                    channel=Channel.WEB,
                    requester=requester,
                    data={},
                    commune=commune,
                    organisation=commune,
                    team=team,
                    status=state,
                    is_closed=False,
                    status_entered_at=now,
                )
                for i, (commune, team, procedure, _f, _d, state) in enumerate(rows)
            ]
        )
        PlanningApplication.objects.bulk_create(
            [
                PlanningApplication(
                    case=case,
                    procedure=procedure,
                    commune=commune,
                    team=team,
                    number=registration_number(
                        "CU" if procedure.startswith("CU") else procedure[:2],
                        commune.insee_code,
                        filed_on.year,
                        # 5 digits per (commune, year): the bench's own range from 50,000
                        50_000 + (have + i) // len(teams),
                    ),
                    year=filed_on.year,
                    sequence=50_000 + (have + i) // len(teams),
                    filed_at=now,
                    filed_on=filed_on,
                    applicant_name=f"Demandeur {have + i}",
                    land_address="1 rue du Banc d'essai",
                    parcels=[{"prefix": "000", "section": "AB", "number": "0001"}],
                    works_nature="Banc d'essai",
                    flags=[],
                    ends_on=due - datetime.timedelta(days=1),
                    decision_due_on=due,
                    tacit_outcome="tacit_approval",
                    articles="R423-23 a",
                    is_open=True,
                )
                for i, (case, (commune, team, procedure, filed_on, due, _s)) in enumerate(
                    zip(cases, rows, strict=True)
                )
            ]
        )
        have += n
    _vacuum()
    return {"seconds": round(time.perf_counter() - started, 1), "files": have}


def _vacuum() -> None:
    """What autovacuum does on a live database (this machine's PostgreSQL runs without it):
    statistics, and the dead rows of the sweeps rolled back by earlier runs cleared."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("urbanism_planningapplication", "cases_case", "cases_caseevent"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def _measure(client: Client, url: str, n: int) -> dict:
    return _summary(timed_calls(lambda _i: _get(client, url), range(n)).wall)


def _summary(times: list[float]) -> dict:
    return {"n": len(times), **percentiles(times, keys=("p50", "p95", "max"))}


def _pdf_1mb() -> bytes:
    """A valid one-page PDF of about 1 MB (a page and an incompressible image stream, like
    a scanned plan)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject, NumberObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    image = DecodedStreamObject()
    image.set_data(os.urandom(1024 * 1024 - 2000))
    image[NameObject("/Type")] = NameObject("/XObject")
    image[NameObject("/Subtype")] = NameObject("/Image")
    image[NameObject("/Width")] = NumberObject(1024)
    image[NameObject("/Height")] = NumberObject(1022)
    image[NameObject("/ColorSpace")] = NameObject("/DeviceGray")
    image[NameObject("/BitsPerComponent")] = NumberObject(8)
    writer.root_object[NameObject("/BenchImage")] = writer._add_object(image)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _file_dp(client: Client, pieces: dict[str, bytes]) -> None:
    """One DP filed through the citizen's door, as the browser does it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/demarches/urbanism.dp/", {"commune": "oullins"})
    assert response.status_code == 302, response.status_code
    draft_url = response["Location"]
    response = client.post(
        draft_url,
        {
            "f_applicant_kind": "person",
            "f_applicant_name": "Camille Martin",
            "f_land_address": "12 rue de la République, Oullins",
            "f_parcels": "AB 123",
            "f_works_nature": "Extension d'une maison",
            "f_floor_area_created": "18",
        },
    )
    assert response.status_code == 302, (response.status_code, response.content[:3000])
    pieces_url = response["Location"]
    files = {
        f"f_{code.lower()}": SimpleUploadedFile(f"{code}.pdf", content, "application/pdf")
        for code, content in pieces.items()
    }
    response = client.post(pieces_url, files)
    assert response.status_code == 302, (response.status_code, response.content[:3000])
    response = client.post(response["Location"], {})
    assert response.status_code == 302 and "/recu/" in response["Location"], response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--filings", type=int, default=20)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--tacit-sweep", action="store_true", help="also time the hourly tacit-decision sweep"
    )
    args = parser.parse_args()

    from django.db import transaction

    from guichet.urbanism import timers
    from guichet.urbanism.models import PlanningApplication

    machine = Machine.now()
    seeded = _seed(args.files)
    results: dict[str, dict] = {}

    instructor = agent_client("urbanisme.oullins@example.org")
    results["queue"] = _measure(instructor, "/urbanisme/instruction/", args.n)

    # (b) the sweeps, in a transaction rolled back so that a run leaves the volume as it was
    today = timezone.localdate()
    sweeps: dict[str, dict] = {}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            PlanningApplication.objects.filter(is_open=True).update(alerted_on=None)
            for label, day in (("first_day", today), ("next_day", today + datetime.timedelta(1))):
                with timer() as timing:
                    sent = timers.alerts_sweep(today=day)
                sweeps[label] = {"alerted": sent, "ms": round(timing.wall_ms, 1)}
            if args.tacit_sweep:
                with timer() as timing:
                    tacit = timers.tacit_sweep(today=today)
                sweeps["tacit_sweep"] = {"decided": tacit, "ms": round(timing.wall_ms, 1)}
            raise Rollback
    except Rollback:
        pass
    _vacuum()
    results["alerts_sweep"] = {
        "open_files": PlanningApplication.objects.filter(is_open=True).count(),
        "p95_ms": sweeps["first_day"]["ms"],
        **sweeps,
    }

    camille = Client()
    from guichet.accounts.models import User

    camille.force_login(User.objects.get(email="camille.martin@example.org"))
    pdf = _pdf_1mb()
    pieces = {f"DP{i}": pdf for i in range(1, 9)}
    _file_dp(camille, pieces)  # warm-up
    filings = timed_calls(lambda _i: _file_dp(camille, pieces), range(args.filings))
    results["file_dp_8x1mb"] = _summary(filings.wall)
    results["file_dp_8x1mb"]["piece_bytes"] = len(pdf)

    targets_check(results, TARGETS_MS)
    machine.done()
    report = {
        "date": datetime.date.today().isoformat(),
        "database": connection.vendor,
        "seed": seeded,
        "results": results,
        "machine": {
            "cores": machine.cpus,
            "load_before": machine.load_before,
            "load_after": machine.load_after,
            "note": "shared machine (other test runs): numbers are pessimistic",
        },
    }
    print(json.dumps(report, indent=1))
    if args.label:
        path = result_write(report, f"{report['date']}-urbanism-{args.label}-{connection.vendor}")
        print(f"written {path}")


if __name__ == "__main__":
    main()
