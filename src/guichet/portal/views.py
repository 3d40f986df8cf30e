"""The citizen's personal space (``/mon-espace/``): server-rendered, works without JavaScript."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.portal.selectors import LOCAL_CACHE_SECONDS, dashboard_for
from guichet.territory.selectors import communes


@require_GET
def home(request):
    """The site's home page: what a visitor without an account can do at once, and the
    communes of the territory."""
    return render(
        request,
        "portal/home.html",
        {"communes": communes(), "platform_phone": settings.PLATFORM_PHONE},
    )


@require_GET
@login_required
def dashboard(request):
    dashboard = dashboard_for(actor=request.user, page=request.GET.get("page") or 1)
    return render(
        request,
        "portal/dashboard.html",
        # the header's badge reuses the dashboard's count
        {
            "dashboard": dashboard,
            "unread_notifications_known": dashboard.unread_count,
            "local_cache_seconds": LOCAL_CACHE_SECONDS,
        },
    )
