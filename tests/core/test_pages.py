import pytest
from django.utils import timezone

from guichet.core.models import WorkerHeartbeat


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

    from guichet.core import health

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


def test_home_page_is_french_by_default_and_accessible_in_shape(client, place):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "<main" in html and "<header" in html and "<footer" in html and "<nav" in html
    assert place.commune.name in html and place.other_commune.name in html  # each commune's page


def test_home_page_in_english(client, place):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html


def test_language_switch_sets_english(client, place):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Skip to content" in response.content.decode()


def test_unknown_page_is_a_404_page(client, db):
    response = client.get("/nope/")
    assert response.status_code == 404


def test_seed_demo_is_idempotent(demo):
    from django.core.management import call_command

    from guichet.accounts.models import User
    from guichet.partnership.models import Agreement
    from guichet.territory.models import CompetenceRule, Membership, Organisation

    def counts():
        return [
            m.objects.count() for m in (User, Organisation, Membership, CompetenceRule, Agreement)
        ]

    before = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before


def test_demo_accounts_log_in_with_the_documented_password(client, demo, demo_password):
    for email in [
        "admin@example.org",
        "camille.martin@example.org",
        "agent.oullins@example.org",
        "agent.bron@example.org",
        "agent.voirie@example.org",
    ]:
        assert client.login(username=email, password=demo_password), email
