"""When a signed-in session was last seen, for the "active sessions" page.

allauth's ``UserSessionsMiddleware`` writes the session's ``UserSession`` row (a transaction
with a read and an UPDATE, so a synchronous commit) on every request of a signed-in user: on a
busy portal that is one disk flush per page view for a date shown to the minute. This middleware
records the activity through the same allauth call, but at most once per
``USERSESSIONS_ACTIVITY_SECONDS`` per session (a cache entry per session key; with Redis the
interval holds across all app servers, with the per-process cache across each process).
The row itself is created at login by allauth's signal, so a new session is listed at once.
"""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache


class UserSessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and session.session_key and user and user.is_authenticated:
            interval = getattr(settings, "USERSESSIONS_ACTIVITY_SECONDS", 300)
            if cache.add(f"usersession-seen:{session.session_key}", 1, timeout=interval):
                UserSession.objects.create_from_request(request)
        return self.get_response(request)
