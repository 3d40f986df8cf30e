import sys

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guichet.core.edges import backend_unavailable, service_unavailable
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


def server_error(request):
    """``handler500``: an error raised outside a view (a middleware saving the session after
    the response, reading the account) because the database or Redis does not answer is a 503
    with ``Retry-After`` like one raised inside; anything else is Django's 500 page."""
    exception = sys.exc_info()[1]
    if backend_unavailable(exception):
        return service_unavailable(request, exception)
    return defaults.server_error(request)
