import sys

from django.shortcuts import render
from django.views import defaults
from django.views.decorators.http import require_GET

from guichet.core.edges import backend_unavailable, service_unavailable


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
