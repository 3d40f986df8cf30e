"""Reads from a PostgreSQL streaming replica for public read traffic (DATABASE_REPLICA_URL).

Only views marked ``@reads_from_replica`` read there (the public map, the Open311 lists, local
information, public registers), and only for GET/HEAD. Everything else, every write, and every
read by a browser that wrote in the last ``REPLICA_PIN_SECONDS`` (the ``guichet_primary``
cookie set by ``PrimaryPinMiddleware`` after any write request) goes to the primary: a person
always sees what they just wrote, whatever the replica's lag. Without a replica configured,
nothing changes.
"""

from __future__ import annotations

import contextvars
from functools import wraps

from django.conf import settings

REPLICA = "replica"
PIN_COOKIE = "guichet_primary"
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_from_replica", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and replica_configured():
            return REPLICA
        return None  # the primary

    def db_for_write(self, model, **hints):
        return None  # the primary, always

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # a physical copy: migrated by replication, never directly


def reads_from_replica(view):
    """Run a public read view's queries on the replica (GET/HEAD, browser not pinned)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.COOKIES.get(PIN_COOKIE)
            or not replica_configured()
        ):
            return view(request, *args, **kwargs)
        token = _reading_from_replica.set(True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # a lazy template reads while rendering: here, not later
            return response
        finally:
            _reading_from_replica.reset(token)

    return wrapper


class PrimaryPinMiddleware:
    """After a write request, this browser reads from the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and replica_configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
