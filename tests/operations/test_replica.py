"""Public reads from the replica; writes and a writer's next reads from the primary."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from guichet.core import replica
from guichet.operations.replica import ReplicaRouter
from guichet.publicspace.models import Report


@pytest.fixture
def with_replica(monkeypatch):
    """As if DATABASE_REPLICA_URL were set (the decision only; no second server here)."""
    monkeypatch.setattr(replica, "replica_configured", lambda: True)


def _routed(view_method="GET", cookies=None):
    seen = {}

    @replica.reads_from_replica
    def view(request):
        router = ReplicaRouter()
        seen["read"] = router.db_for_read(Report) or "default"
        seen["write"] = router.db_for_write(Report) or "default"
        return HttpResponse("ok")

    request = getattr(RequestFactory(), view_method.lower())("/signalements/")
    request.COOKIES.update(cookies or {})
    view(request)
    return seen


def test_a_public_get_reads_from_the_replica_and_still_writes_to_the_primary(with_replica):
    assert _routed() == {"read": "replica", "write": "default"}
    # outside a marked view: the primary
    assert ReplicaRouter().db_for_read(Report) is None


@pytest.mark.parametrize(
    ("method", "cookies"), [("POST", None), ("GET", {replica.PIN_COOKIE: "1"})]
)
def test_a_write_or_a_browser_that_just_wrote_reads_from_the_primary(with_replica, method, cookies):
    assert _routed(method, cookies)["read"] == "default"


def test_without_a_replica_configured_everything_reads_from_the_primary():
    assert _routed()["read"] == "default"


def test_the_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is True


@pytest.mark.django_db
def test_a_write_request_pins_the_browser_to_the_primary(client, with_replica, settings):
    settings.REPLICA_PIN_SECONDS = 45
    response = client.post("/healthz")  # refused (405) but a write attempt all the same
    cookie = response.cookies[replica.PIN_COOKIE]
    assert cookie.value == "1" and cookie["max-age"] == 45 and cookie["httponly"]
    assert replica.PIN_COOKIE not in client.get("/healthz").cookies


@pytest.mark.django_db
def test_no_pin_cookie_without_a_replica(client):
    assert replica.PIN_COOKIE not in client.post("/healthz").cookies
