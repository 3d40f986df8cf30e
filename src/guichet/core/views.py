from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guichet.core.health import readiness
from guichet.territory.selectors import communes


@require_GET
@never_cache
def healthz(request):
    """Liveness: the process answers. Nothing else is asked (see core/health.py)."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    """Readiness: database, cache, media storage and migrations; 503 when one fails."""
    ready, report = readiness()
    return JsonResponse(report, status=200 if ready else 503)


@require_GET
def home(request):
    return render(
        request,
        "core/home.html",
        {"communes": communes(), "platform_phone": settings.PLATFORM_PHONE},
    )


@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html")
