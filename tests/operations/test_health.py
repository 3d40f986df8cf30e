"""/healthz (liveness) and /readyz (readiness)."""

import pytest
from django.utils import timezone

from guichet.operations.models import WorkerHeartbeat


@pytest.mark.django_db
def test_healthz_is_liveness_and_asks_nothing_else(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_storage_migrations_and_reports_the_worker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    for check in ("database", "cache", "storage", "migrations"):
        assert data[check]["status"] == "ok", check
    assert data["worker"]["status"] == "down"  # reported, does not decide readiness


@pytest.mark.django_db
def test_readyz_sees_a_live_worker(client):
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, started_at=now, seen_at=now)
    assert client.get("/readyz").json()["worker"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_of_the_code_is_not_applied(client, monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    from guichet.operations import health

    monkeypatch.setattr(health, "_migrations_applied", False)
    latest = MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first()
    latest.delete()  # as if the code were deployed before `migrate` ran (rolled back after)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == {
        "status": "error",
        "pending": 1,
        "ms": response.json()["migrations"]["ms"],
    }


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    data = response.json()
    assert data["cache"]["status"] == "error" and data["database"]["status"] == "ok"
