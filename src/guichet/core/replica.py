"""``@reads_from_replica``: a public read view says its queries may go to a streaming replica.

Only views so marked read there (the public map, the Open311 lists, local information, public
registers), and only for GET/HEAD from a browser not pinned to the primary (the
``guichet_primary`` cookie set after a write: a person always sees what they just wrote). The
routing itself (``DATABASE_REPLICA_URL``, the router, the pin) is ``operations.replica``;
without a replica configured, nothing changes.
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


def reading_from_replica() -> bool:
    """True inside a view marked ``@reads_from_replica`` that reads from the replica."""
    return _reading_from_replica.get()


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
