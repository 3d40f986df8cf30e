from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guichet.core.selectors import health_status
from guichet.territory.selectors import communes


@require_GET
@never_cache
def healthz(request):
    healthy, status = health_status()
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=200 if healthy else 503)


@require_GET
def home(request):
    return render(request, "core/home.html", {"communes": communes()})


@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html")
