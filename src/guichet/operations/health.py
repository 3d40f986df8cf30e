"""Liveness and readiness for load balancers and orchestrators.

``/healthz`` says the process answers (liveness: restart me if not); it touches nothing else,
so a database outage does not make every app server restart at once. ``/readyz`` says whether
this server can serve now (readiness: send me traffic): the database answers, the cache
answers, the media storage answers, and every migration of the code is applied (a server
started with new code before ``migrate`` ran is not ready). The workers' heartbeats are
reported by ``/readyz`` for operators but do not decide it: an app server serves without them.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guichet.operations.models import WorkerHeartbeat

WORKER_STALE_AFTER = timedelta(seconds=30)

# Once every migration is seen applied, this process does not ask again: migrations are not
# rolled back under a running server, and new ones come with new code (a new process).
_migrations_applied = False


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check() or {}
        result.setdefault("status", "ok")
    except Exception as exc:  # any failure of a dependency makes this server not ready
        result = {"status": "error", "error": exc.__class__.__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _cache() -> dict:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        return {"status": "error", "error": "cache did not keep a value"}
    cache.delete(key)
    return {}


def _storage() -> dict:
    # A lookup of a name that does not exist: a HEAD on object storage, a stat on disk.
    default_storage.exists("readyz-probe")
    return {"backend": default_storage.__class__.__name__}


def _migrations() -> dict:
    global _migrations_applied
    if _migrations_applied:
        return {}
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return {"status": "error", "pending": len(pending)}
    _migrations_applied = True
    return {}


def worker_status() -> dict:
    try:
        alive = WorkerHeartbeat.objects.filter(
            seen_at__gte=timezone.now() - WORKER_STALE_AFTER
        ).count()
        last = (
            WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        )
    except Exception as exc:
        return {"status": "unknown", "error": exc.__class__.__name__}
    return {
        "status": "ok" if alive else "down",
        "alive": alive,
        "last_seen": last.isoformat() if last else None,
    }


def readiness() -> tuple[bool, dict]:
    """Every dependency checked (each with its time); ready when all are ok."""
    checks = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "storage": _timed(_storage),
    }
    checks["migrations"] = (
        _timed(_migrations)
        if checks["database"]["status"] == "ok"
        else {"status": "unknown", "ms": 0.0}
    )
    ready = all(check["status"] == "ok" for check in checks.values())
    report = {"status": "ok" if ready else "error", **checks}
    report["worker"] = (
        worker_status() if checks["database"]["status"] == "ok" else {"status": "unknown"}
    )
    return ready, report
