"""The PostgreSQL backend (``guichet.core.postgresql``) reads ``timestamptz`` with psycopg's
native loader when ``DATABASE_NATIVE_TIMESTAMPS`` asks for it: the values must be exactly those
Django's own loader gives. Without the setting the engine is Django's, unchanged."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from guichet.core.audit import audit_log
from guichet.core.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db
def test_timestamps_come_back_aware_in_utc_and_unchanged():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    from guichet.core.postgresql.base import UtcTimestamptzLoader

    if connection.settings_dict["ENGINE"] != "guichet.core.postgresql":
        pytest.skip("DATABASE_NATIVE_TIMESTAMPS is off: Django's own backend")
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


def _engine_with(tmp_path, **env) -> subprocess.CompletedProcess:
    """The database ENGINE the settings choose in a fresh process with ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'])",
        ],
        env=clean
        | {"DJANGO_SETTINGS_MODULE": "guichet.settings", "GUICHET_VAR_DIR": str(tmp_path)}
        | {"PYTHONPATH": str(ROOT / "src")}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("database_url", "native", "engine"),
    [
        ("postgres://u@127.0.0.1:5432/g", None, "django.db.backends.postgresql"),
        ("postgres://u@127.0.0.1:5432/g", "false", "django.db.backends.postgresql"),
        ("postgres://u@127.0.0.1:5432/g", "true", "guichet.core.postgresql"),
        ("", None, "django.db.backends.sqlite3"),
    ],
)
def test_the_own_backend_is_chosen_only_when_asked(tmp_path, database_url, native, engine):
    env = {"DATABASE_URL": database_url}
    if native is not None:
        env["DATABASE_NATIVE_TIMESTAMPS"] = native
    result = _engine_with(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine


def test_native_timestamps_on_sqlite_is_a_configuration_error(tmp_path):
    result = _engine_with(tmp_path, DATABASE_URL="", DATABASE_NATIVE_TIMESTAMPS="true")
    assert result.returncode != 0
    assert "DATABASE_NATIVE_TIMESTAMPS is for PostgreSQL only" in result.stderr
