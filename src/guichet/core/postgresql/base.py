"""The PostgreSQL backend: Django's own, with psycopg's C parser for ``timestamptz`` values.

Django registers its own loader for ``timestamptz`` (a Python subclass of psycopg's Python
loader, to force the time zone), which parses every value in Python: about 6 µs each. A
dashboard or a back-office list reads hundreds of dates, that is milliseconds of CPU per
page. When Django wants aware datetimes in UTC (``USE_TZ``, no ``TIME_ZONE`` of the
database) and sets the session's time zone to UTC, psycopg's own loader, in C when
``psycopg[binary]`` is installed, returns exactly those (``tzinfo=datetime.timezone.utc``)
at 0.8 µs. See docs/adr/0011-postgresql-backend-native-timestamptz-loader.md.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.adapt import AdaptersMap, Loader
from psycopg.pq import Format

_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
#: psycopg's default loader: its C implementation when psycopg-binary (or -c) is installed
_NATIVE_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's native ``timestamptz`` loader, with the ``timezone`` attribute Django's
    ``create_cursor`` compares with its own (the native C class can be neither subclassed nor
    given attributes)."""

    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        # The native loader reads the session's time zone (UTC: Django sets it so on connect).
        self.load = _NATIVE_LOADER(oid, context).load

    def load(self, data):  # replaced on each instance by the native loader's
        raise NotImplementedError


@lru_cache
def _adapters_with_native_timestamptz(template: AdaptersMap) -> AdaptersMap:
    adapters = AdaptersMap(template)
    adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if (
            settings.USE_TZ
            and self.timezone is datetime.UTC
            and self.timezone_name == "UTC"
            and "context" in params
        ):
            params["context"] = _adapters_with_native_timestamptz(params["context"])
        return params
