"""/metrics: off without its token, refused with a wrong one, and the platform's gauges."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.cases.models import ReferenceCounter
from guichet.notifications.services import notification_create
from guichet.operations.models import WorkerHeartbeat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "m" * 40


def _scrape(client, token=TOKEN):
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"})


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert _scrape(client).status_code == 404


@pytest.mark.parametrize("given", ["", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_missing_or_wrong_token(client, settings, given):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", headers={"Authorization": given} if given else {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_give_requests_and_the_platforms_gauges(client, settings):
    settings.METRICS_TOKEN = TOKEN
    now = timezone.now()
    notification_create(
        recipient=UserFactory(),
        topic="cases.update",
        template="generic",
        context={"title": "T", "body": "B"},
        channels=["email"],
    )
    ReferenceCounter.objects.create(prefix="VOI", year=2026, last=42)
    WorkerHeartbeat.objects.create(
        worker_id="w-metrics", hostname="h", pid=1, started_at=now, seen_at=now
    )
    DBTaskResult.objects.create(
        task_path="guichet.operations.tasks.noop",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=now - timedelta(minutes=5),
        status="READY",
    )
    DBTaskResult.objects.filter(task_path="guichet.operations.tasks.noop").update(
        enqueued_at=now - timedelta(minutes=5)
    )
    client.get("/healthz")
    body = _scrape(client).content.decode()
    assert 'guichet_outbox_backlog{channel="email"} 1.0' in body
    assert 'guichet_cases_filed{prefix="VOI",year="2026"} 42.0' in body
    assert 'guichet_worker_heartbeat_age_seconds{worker="w-metrics"}' in body
    age = next(
        float(line.split()[-1])
        for line in body.splitlines()
        if line.startswith("guichet_tasks_oldest_ready_age_seconds ")
    )
    assert 290 < age < 900
    assert 'guichet_http_requests_total{method="GET",status="2xx"}' in body
    assert 'guichet_http_request_duration_seconds_count{view="operations:healthz"}' in body
