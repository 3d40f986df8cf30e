"""In-process benchmark of the disability files (issue 17): with N files and M access records,
a house agent's queue and a file page, a file's access history (the auditor's page filtered
by the reference) and the download of an encrypted 5 MB piece; p50/p95 over the Django test
client (the whole request stack), written to ``bench/results/``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guichet_disability \
      .venv/bin/python bench/disability.py --files 1000000 --records 20000000 --label full
    .venv/bin/python bench/disability.py --files 20000 --records 400000 --label small

The database must hold the demo (``guichet migrate && guichet seed_demo``). Seeding is
``bulk_create`` in batches (cases, files, records), skipped when the volume is there.
Targets (issue 17): queue and file page p95 <= 150 ms; history p95 <= 100 ms; 5 MB piece
p95 <= 200 ms.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

TARGETS_MS = {"queue": 150, "file": 150, "history": 100, "piece_5mb": 200}
BATCH = 5000


def _seed(files: int, records: int) -> dict:
    from guichet.accounts.models import User
    from guichet.cases.models import Case, Channel
    from guichet.catalogue.models import ServiceDefinition
    from guichet.core.models import AccessRecord
    from guichet.disability.models import DisabilityFile
    from guichet.territory.models import Organisation

    house = Organisation.objects.get(slug="mdmph")
    team = house.teams.get(slug="instruction")
    definition = ServiceDefinition.objects.get(key="disability.request")
    requester = User.objects.get(email="camille.martin@example.org")
    agent = User.objects.get(email="medecin.mdmph@example.org")
    started = time.perf_counter()
    have = DisabilityFile.objects.count()
    now = timezone.now()
    statuses = ["received", "admissible", "evaluation", "plan_proposed", "commission", "decided"]
    while have < files:
        n = min(BATCH, files - have)
        cases = Case.objects.bulk_create(
            [
                Case(
                    reference=f"BDS-{have + i:09d}",
                    definition=definition,
                    version_id=definition.current_version_id,
                    channel=Channel.WEB,
                    requester=requester,
                    data={},
                    organisation=house,
                    team=team,
                    status=(status := random.choice(statuses)),
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
                    organisation=house,
                    filed_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 330),
                    person_first_name="Bench",
                    person_last_name=f"Person {have + i}",
                    person_birth_date=datetime.date(2010, 1, 1),
                    rights=["aah"],
                    daily_life="—",
                    silence_date=datetime.date(2026, 5, 1),
                )
                for i, case in enumerate(cases)
            ]
        )
        have += n
    done = AccessRecord.objects.filter(door__startswith="disability.").count()
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
                    actor=agent,
                    actor_label="bench",
                    organisation_id=house.pk,
                    door="disability.file",
                    object_type="disability.disabilityfile",
                    object_id=str(case_id),
                    case_id=case_id,
                    case_reference=reference,
                )
            )
        AccessRecord.objects.bulk_create(rows)
        done += n
    return {"seconds": round(time.perf_counter() - started, 1), "files": have, "records": done}


def _measure(client: Client, url: str, n: int) -> dict:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        body = response.content if not getattr(response, "streaming", False) else b""
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, body[:200])
    times.sort()
    return {
        "n": n,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--records", type=int, default=400000)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    from guichet.accounts.models import User
    from guichet.core.uploads import CleanFile
    from guichet.disability.models import DisabilityFile
    from guichet.disability.services import TakenPiece, _piece_store
    from tests.conftest import give_second_factor

    seeded = _seed(args.files, args.records)

    def signed_in(email):
        user = give_second_factor(User.objects.get(email=email))
        client = Client()
        client.force_login(user)
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": email},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
        return client

    doctor = signed_in("medecin.mdmph@example.org")
    auditor = signed_in("auditeur.mdmph@example.org")
    file = (
        DisabilityFile.objects.select_related("case")
        .filter(case__reference__startswith="BDS-")
        .last()
    )
    ref = file.case.reference
    content = b"%PDF-1.4\n" + os.urandom(5 * 1024 * 1024)
    clean = CleanFile(name="p.pdf", content=content, content_type="application/pdf")
    piece = _piece_store(TakenPiece(kind="medical_certificate", clean=clean), actor=None, file=file)
    results = {
        "queue": _measure(doctor, "/mdmph/instruction/", args.n),
        "file": _measure(doctor, f"/mdmph/instruction/{ref}/", args.n),
        "history": _measure(auditor, f"/backoffice/audit/?reference={ref}", args.n),
        "piece_5mb": _measure(doctor, f"/mdmph/instruction/{ref}/pieces/{piece.pk}/", args.n),
    }
    for name, result in results.items():
        result["target_ms"] = TARGETS_MS[name]
        result["pass"] = result["p95_ms"] <= TARGETS_MS[name]
    report = {
        "date": datetime.date.today().isoformat(),
        "database": connection.vendor,
        "seed": seeded,
        "results": results,
    }
    print(json.dumps(report, indent=1))
    if args.label:
        path = os.path.join(
            os.path.dirname(__file__),
            "results",
            f"disability-{args.label}-{connection.vendor}-{report['date']}.json",
        )
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
