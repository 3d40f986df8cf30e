from datetime import timedelta

import pytest
from django.utils import timezone

from guichet.core import periodic
from guichet.core.models import PeriodicJob, WorkerHeartbeat
from guichet.core.worker import GuichetWorker


@pytest.fixture
def counter_job():
    calls = []
    name = "test.counter"
    periodic.register_periodic(name, every=timedelta(minutes=5))(lambda: calls.append(1))
    yield name, calls
    periodic._REGISTRY.pop(name)


@pytest.mark.django_db(transaction=True)
def test_a_worker_round_beats_and_runs_due_jobs_once(counter_job):
    name, calls = counter_job
    worker = GuichetWorker(worker_id="test-worker", interval=0)
    worker.run_once()
    worker.run_once()  # not due again for five minutes
    assert calls == [1]
    assert WorkerHeartbeat.objects.filter(worker_id="test-worker").exists()
    job = PeriodicJob.objects.get(name=name)
    assert job.next_run_at > timezone.now() + timedelta(minutes=4)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_due_job_twice(counter_job):
    name, calls = counter_job
    GuichetWorker(worker_id="a", interval=0).run_once()
    GuichetWorker(worker_id="b", interval=0).run_once()
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_recorded_and_does_not_stop_the_worker():
    def boom():
        raise RuntimeError("boom")

    periodic.register_periodic("test.boom", every=timedelta(minutes=5))(boom)
    try:
        GuichetWorker(worker_id="c", interval=0).run_once()
        assert "RuntimeError: boom" in PeriodicJob.objects.get(name="test.boom").last_error
    finally:
        periodic._REGISTRY.pop("test.boom")


@pytest.mark.django_db(transaction=True)
def test_worker_runs_enqueued_tasks():
    from guichet.core.tasks import record_audit_ping

    record_audit_ping.enqueue(message="hello")
    GuichetWorker(worker_id="d", interval=0).run_once()
    from guichet.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="core.ping", data__message="hello").exists()
