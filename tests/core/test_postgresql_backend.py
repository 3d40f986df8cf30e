"""The PostgreSQL backend (``guichet.core.postgresql``) reads ``timestamptz`` with psycopg's
native loader: the values must be exactly those Django's own loader gives."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from guichet.core.audit import audit_log
from guichet.core.models import AuditEntry


@pytest.mark.postgres
@pytest.mark.django_db
def test_timestamps_come_back_aware_in_utc_and_unchanged():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    from guichet.core.postgresql.base import UtcTimestamptzLoader

    assert connection.settings_dict["ENGINE"] == "guichet.core.postgresql"
    written = datetime.datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=datetime.UTC)
    entry = audit_log(actor=None, action="test.timestamp")
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=written)
    read = AuditEntry.objects.values_list("created_at", flat=True).get(pk=entry.pk)
    assert read == written
    assert read.tzinfo is datetime.UTC
    # Paris switched to summer time that night: local time is computed from the UTC value
    assert timezone.localtime(read).isoformat() == "2026-03-29T03:59:59.123456+02:00"
    with connection.cursor() as cursor:
        loader = cursor.connection.adapters.get_loader(1184, 0)  # timestamptz, text
        assert loader is UtcTimestamptzLoader
        # the same text through Django's own loader gives the same value
        cursor.execute("SELECT %s::timestamptz::text", [written])
        text = cursor.fetchone()[0]
        cursor.execute("SELECT %s::timestamptz, now()", [written])
        native, now = cursor.fetchone()

        class DjangoLoader(BaseTzLoader):
            timezone = datetime.UTC

        assert native == DjangoLoader(1184, cursor.connection).load(text.encode()) == written
        assert abs(now - timezone.now()) < datetime.timedelta(minutes=5)
        assert now.tzinfo is datetime.UTC
