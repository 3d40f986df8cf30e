"""Reads from a PostgreSQL streaming replica for public read traffic (DATABASE_REPLICA_URL).

The views marked ``@reads_from_replica`` (``core.replica``) read there for GET/HEAD; everything
else, every write, and every read by a browser that wrote in the last ``REPLICA_PIN_SECONDS``
(the ``guichet_primary`` cookie set by ``PrimaryPinMiddleware`` after any write request) goes
to the primary: a person always sees what they just wrote, whatever the replica's lag. Without
a replica configured, nothing changes.
"""

from __future__ import annotations

from django.conf import settings

from guichet.core import replica as core_replica


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if core_replica.reading_from_replica() and core_replica.replica_configured():
            return core_replica.REPLICA
        return None  # the primary

    def db_for_write(self, model, **hints):
        return None  # the primary, always

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, **hints):
        return (
            db != core_replica.REPLICA
        )  # a physical copy: migrated by replication, never directly


class PrimaryPinMiddleware:
    """After a write request, this browser reads from the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and core_replica.replica_configured():
            response.set_cookie(
                core_replica.PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
