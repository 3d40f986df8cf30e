"""Prometheus metrics at ``/metrics``: request counts and durations, and the platform's gauges.

The endpoint is off (404) until ``METRICS_TOKEN`` is set; the scraper then sends
``Authorization: Bearer <token>``. Request metrics are counted by ``RequestMetricsMiddleware``
per process; under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty
directory, cleared at start) so that every process's counts are summed (prometheus_client's
multiprocess mode). The platform's gauges are read from the database at each scrape, each with
one indexed query: deliveries waiting by channel, the age of the oldest ready task, the
workers' heartbeats, the cases filed per reference prefix and year.
"""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "guichet_http_requests_total",
    "HTTP requests answered, by method and status class.",
    ["method", "status"],
)
UNAVAILABLE = Counter(
    "guichet_http_unavailable_total",
    "Requests answered 503 because the database or Redis did not answer, by backend.",
    ["backend"],
)
DURATION = Histogram(
    "guichet_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def unavailable_count(sender, *, backend: str, **kwargs) -> None:
    """Receiver of ``core.edges.service_unavailable_answered``: one more 503 of an outage."""
    UNAVAILABLE.labels(backend=backend).inc()


class RequestMetricsMiddleware:
    """Counts every answer (status class, not status, to keep the series few) and times it
    under its URL name (``namespace:name``; ``other`` for unmatched paths)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "other"
        DURATION.labels(view=view[:80]).observe(time.perf_counter() - started)
        REQUESTS.labels(method=request.method, status=f"{response.status_code // 100}xx").inc()
        return response


class PlatformCollector:
    """The platform's own gauges, read when Prometheus scrapes."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        from guichet.cases.models import ReferenceCounter
        from guichet.notifications.models import Delivery
        from guichet.operations.models import WorkerHeartbeat

        now = timezone.now()
        backlog = GaugeMetricFamily(
            "guichet_outbox_backlog",
            "Notification deliveries waiting to be sent, by channel.",
            labels=["channel"],
        )
        for row in (
            Delivery.objects.filter(status=Delivery.Status.PENDING)
            .values("channel")
            .annotate(n=Count("id"))
        ):
            backlog.add_metric([row["channel"]], row["n"])
        yield backlog

        oldest = DBTaskResult.objects.ready().aggregate(first=Min("enqueued_at"))["first"]
        yield GaugeMetricFamily(
            "guichet_tasks_oldest_ready_age_seconds",
            "Age of the oldest task waiting for a worker (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )

        beats = GaugeMetricFamily(
            "guichet_worker_heartbeat_age_seconds",
            "Seconds since each worker's last heartbeat.",
            labels=["worker"],
        )
        for worker_id, seen_at in WorkerHeartbeat.objects.values_list("worker_id", "seen_at"):
            beats.add_metric([worker_id], (now - seen_at).total_seconds())
        yield beats

        filed = GaugeMetricFamily(
            "guichet_cases_filed",
            "Cases filed, by service reference prefix and year (the reference counters).",
            labels=["prefix", "year"],
        )
        for prefix, year, last in ReferenceCounter.objects.values_list("prefix", "year", "last"):
            filed.add_metric([prefix, str(year)], last)
        yield filed


def _exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    platform = CollectorRegistry()
    platform.register(PlatformCollector())
    return generate_latest(requests) + generate_latest(platform)


@require_GET
@never_cache
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are off")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not constant_time_compare(given[7:], token):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
