"""In-process timing of ``publicspace.selectors.reports_nearby`` with the CPU it costs.

``python bench/nearby_cpu.py N LABEL`` (``DATABASE_URL`` on PostgreSQL, same host): over N
random points of recent nid-de-poule reports (the points of ``prepare.py --nearby``), the
wall time per call, this process's CPU per call and the database backend's CPU per call (read
from ``/proc/<pid>/stat``), as one JSON line. Run it with another ``PYTHONPATH`` for the
other side of an A/B.
"""

import json
import os
import pathlib
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from guichet.publicspace.models import Category, Report  # noqa: E402
from guichet.publicspace.selectors import reports_nearby  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu_s(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    n, label = int(sys.argv[1]), sys.argv[2]
    category = Category.objects.get(code="nid-de-poule")
    rows = list(
        Report.objects.filter(category=category)
        .order_by("-id")
        .values_list("latitude", "longitude")[: n * 5]
    )
    random.Random(7).shuffle(rows)
    points = rows[:n]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    for lat, lon in points[:20]:  # warm the connection and the caches
        reports_nearby(category=category, lat=lat, lon=lon)
    timings, shown = [], 0
    cpu0, db0 = time.process_time(), backend_cpu_s(pid)
    for lat, lon in points:
        started = time.perf_counter()
        shown += len(reports_nearby(category=category, lat=lat, lon=lon))
        timings.append((time.perf_counter() - started) * 1000)
    cpu1, db1 = time.process_time(), backend_cpu_s(pid)
    timings.sort()

    def pct(p: float) -> float:
        return round(timings[min(len(timings) - 1, int(len(timings) * p))], 2)

    result = {
        "variant": label,
        "calls": n,
        "reports_shown": shown,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(sum(timings) / n, 2),
        "client_cpu_ms_per_call": round((cpu1 - cpu0) * 1000 / n, 3),
        "database_cpu_ms_per_call": round((db1 - db0) * 1000 / n, 3),
        "load_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
