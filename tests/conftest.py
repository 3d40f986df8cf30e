import pytest

from guichet.core.demo import DEMO_PASSWORD
from tests.factories.accounts import (  # noqa: F401 - imported from here by tests
    CitizenFactory,
    PlatformAdminFactory,
    give_second_factor,
    login_with_second_factor,
    totp_code,
)


@pytest.fixture
def demo(db):
    """The demo territory of ``seed_demo`` (shared by demo, browser tests and benchmarks)."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from guichet.territory.models import Organisation

    return {o.slug: o for o in Organisation.objects.all()}


@pytest.fixture
def camille(demo):
    """The demo citizen of Oullins (README)."""
    from guichet.accounts.models import User

    return User.objects.get(email="camille.martin@example.org")


@pytest.fixture
def signed_in(client, camille):
    client.force_login(camille)
    return client


@pytest.fixture
def demo_password():
    return DEMO_PASSWORD


@pytest.fixture
def with_mfa():
    return give_second_factor


@pytest.fixture
def admin_client(client, demo):
    from guichet.accounts.models import User

    login_with_second_factor(client, User.objects.get(email="admin@example.org"))
    return client


@pytest.fixture
def password():
    """The password of every account the factories make."""
    from tests.factories import PASSWORD

    return PASSWORD


@pytest.fixture
def citizen(db):
    """A citizen who can sign in (verified e-mail), built by a factory: no demo needed."""
    return CitizenFactory()


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def platform_admin(db):
    return PlatformAdminFactory()


@pytest.fixture
def platform_admin_client(client, platform_admin):
    """The test client signed in as the platform's administrator, second factor passed."""
    return login_with_second_factor(client, platform_admin)


@pytest.fixture
def place(db):
    """A small territory (tests.factories.territory: a metropolis, two communes, their agents
    and two citizens) offering the catalogue's two services (``place.services``)."""
    from tests.factories.cases import catalogue
    from tests.factories.territory import territory

    built = territory()
    catalogue(built)
    return built


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    """Tasks run at once (after commit), e-mails stay in memory, files go to a temporary media
    root; a folder's autouse ``_immediate_tasks`` asks for it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


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
    from django.db import connection

    if connection.vendor == "postgresql":  # Django's backend or ours (guichet.core.postgresql)
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); .ci/run runs it there")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in French: a request in English (LocaleMiddleware) leaves its language
    active in the thread, which would leak into the next test's gettext calls."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters, used TOTP codes and OIDC
    codes live there and would otherwise leak from one test into the next."""
    from django.core.cache import caches

    from guichet.catalogue.selectors import version_cache_clear

    for cache in caches.all():
        cache.clear()
    version_cache_clear()  # per-process cache of published versions (primary keys are reused)
    yield
