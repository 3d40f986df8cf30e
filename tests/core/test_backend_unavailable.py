"""The database or Redis not answering (a restart, a failover) is a 503 with Retry-After in each
door's shape, never a 500 (what ``make reliability``, scripts/reliability.py, checks under load: a
PostgreSQL or Redis restart while citizens and partners file requests).

The outage is made at the edge: the database driver's cursor raising what psycopg raises when
the server is gone (Django's ``execute_wrapper``), and a Redis cache on a port where nothing
listens (a real client, a real refusal)."""

import socket
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory, override_settings

from guichet.core.edges import UNAVAILABLE_RETRY_AFTER
from guichet.core.views import server_error
from tests.factories import UserFactory

MESSAGE = "momentanément indisponible"


@pytest.fixture
def client(client):
    # As a server answers: an error raised by a middleware (the session read before the view)
    # goes to handler500, instead of being raised into the test.
    client.raise_request_exception = False
    return client


@contextmanager
def database_gone():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we leave: nothing listens there


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(UNAVAILABLE_RETRY_AFTER)


def unavailable_count(backend: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value("guichet_http_unavailable_total", {"backend": backend})
    return value or 0.0


@pytest.mark.django_db
def test_a_page_answers_503_in_french_when_the_database_is_gone(client):
    before = unavailable_count("database")
    with database_gone():
        response = client.get("/")
    assert_unavailable(response)
    assert unavailable_count("database") == before + 1  # /metrics tells outages from bugs
    page = response.content.decode()
    assert MESSAGE in page and "<h1>" in page and 'lang="fr"' in page


@pytest.mark.django_db
def test_the_api_answers_503_in_its_shape_when_the_database_is_gone(client):
    client.force_login(UserFactory())
    with database_gone():
        response = client.get("/api/v1/cases/mine")
    assert_unavailable(response)
    assert response.json()["code"] == "unavailable"
    assert MESSAGE in response.json()["message"]


@pytest.mark.django_db
def test_a_submission_to_the_api_answers_503_when_the_database_is_gone(client):
    client.force_login(UserFactory())
    with database_gone():
        response = client.post(
            "/api/v1/cases/mine",
            {"service": "contact", "commune": "oullins", "data": {}},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="0b5e1f4e-4b8a-4a8e-9a51-6f3f2b9d1c11",
        )
    assert_unavailable(response)
    assert response.json()["code"] == "unavailable"


@pytest.mark.django_db
def test_open311_answers_503_in_its_shape_when_the_database_is_gone(client):
    with database_gone():
        response = client.get("/open311/v2/requests.json")
    assert_unavailable(response)
    assert MESSAGE in response.json()[0]["description"]


@pytest.mark.django_db
def test_a_page_answers_503_when_redis_is_gone(client):
    user = UserFactory()
    client.force_login(user)  # the session is written while Redis still answers (locmem)
    redis_gone = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    with override_settings(
        CACHES=redis_gone, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        from django.core.cache import caches

        caches._settings = caches.settings = caches.configure_settings(None)
        try:
            response = client.get("/notifications/")
        finally:
            caches._settings = caches.settings = caches.configure_settings(None)
    assert_unavailable(response)
    assert unavailable_count("redis") >= 1
    assert MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_an_outage_raised_outside_a_view_is_a_503_and_a_bug_still_a_500():
    request = RequestFactory().get("/demarches/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = server_error(request)
    assert_unavailable(response)
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
