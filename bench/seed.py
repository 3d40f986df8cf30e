"""Seed a benchmark volume into the configured database (idempotent, bulk inserts).

Used by bench/run.py; also `python bench/seed.py --citizens 200000`.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402

from guichet.accounts.models import User  # noqa: E402
from guichet.core.demo import DEMO_PASSWORD  # noqa: E402

BATCH = 5_000


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
                    email=f"bench.citizen.{n}@example.org",
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


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--citizens", type=int, default=int(os.environ.get("BENCH_CITIZENS", 10_000))
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    created = seed_citizens(args.citizens)
    return {
        "citizens": args.citizens,
        "citizens_created": created,
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
