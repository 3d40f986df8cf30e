from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guichet.operations.health import readiness


@require_GET
@never_cache
def healthz(request):
    """Liveness: the process answers. Nothing else is asked (see operations/health.py)."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    """Readiness: database, cache, media storage and migrations; 503 when one fails."""
    ready, report = readiness()
    return JsonResponse(report, status=200 if ready else 503)
