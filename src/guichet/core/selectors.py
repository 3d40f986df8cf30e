from datetime import timedelta

from django.db import connection
from django.utils import timezone

from guichet.core.models import WorkerHeartbeat

WORKER_STALE_AFTER = timedelta(seconds=30)


def health_status() -> tuple[bool, dict]:
    """Database and worker status for /healthz. Healthy means the database answers."""
    status: dict = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        status["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # any database failure makes us unhealthy
        status["database"] = {"status": "error", "error": exc.__class__.__name__}
        status["worker"] = {"status": "unknown"}
        return False, status
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - WORKER_STALE_AFTER)
    count = alive.count()
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    status["worker"] = {
        "status": "ok" if count else "down",
        "alive": count,
        "last_seen": last.isoformat() if last else None,
    }
    return True, status
