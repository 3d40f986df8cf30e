import pytest

from guichet.core.demo import DEMO_PASSWORD


@pytest.fixture
def demo(db):
    """The demo territory of ``seed_demo`` (shared by demo, browser tests and benchmarks)."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from guichet.territory.models import Organisation

    return {o.slug: o for o in Organisation.objects.all()}


@pytest.fixture
def demo_password():
    return DEMO_PASSWORD


@pytest.fixture
def admin_client(client, demo):
    from guichet.accounts.models import User

    client.force_login(User.objects.get(email="admin@example.org"))
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is the production hasher (settings.py); tests hash with a cheap one for speed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _small_demo(settings):
    """The demo files a few hundred cases; tests need only a few."""
    settings.DEMO_CASES = 12
    settings.DEMO_REPORTS = 20


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL features (row locks under concurrency)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); .ci/run runs it there")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
