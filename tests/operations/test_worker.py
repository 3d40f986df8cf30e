from datetime import timedelta

import pytest
from django.utils import timezone

from guichet.core import periodic
from guichet.operations.models import PeriodicJob, WorkerHeartbeat
from guichet.operations.worker import GuichetWorker


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
    from guichet.operations.tasks import record_audit_ping

    record_audit_ping.enqueue(message="hello")
    GuichetWorker(worker_id="d", interval=0).run_once()
    from guichet.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="operations.ping", data__message="hello").exists()


# --- Stopping, dead workers, old rows ---------------------------------------------------------


def _task_row(**fields):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    defaults = {
        "task_path": "guichet.operations.tasks.record_audit_ping",
        "args_kwargs": {"args": [], "kwargs": {"message": "again"}},
        "backend_name": "default",
        "queue_name": "default",
        "run_after": now - timedelta(minutes=10),
        "status": "READY",
    }
    return DBTaskResult.objects.create(**(defaults | fields))


def _beat(worker_id, age):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="h", pid=1, started_at=now - age, seen_at=now - age
    )


@pytest.mark.django_db(transaction=True)
def test_the_running_task_of_a_dead_worker_is_requeued_and_runs_once():
    from guichet.core.models import AuditEntry
    from guichet.operations.worker import tasks_orphans_requeue

    now = timezone.now()
    _beat("dead", timedelta(minutes=3))
    _beat("alive", timedelta(seconds=2))
    orphan = _task_row(status="RUNNING", worker_ids=["dead"], started_at=now - timedelta(minutes=3))
    busy = _task_row(status="RUNNING", worker_ids=["alive"], started_at=now - timedelta(minutes=3))
    just_started = _task_row(
        status="RUNNING", worker_ids=["dead"], started_at=now - timedelta(seconds=5)
    )
    assert tasks_orphans_requeue() == 1
    assert tasks_orphans_requeue() == 0  # once, whoever sweeps
    orphan.refresh_from_db(), busy.refresh_from_db(), just_started.refresh_from_db()
    assert (orphan.status, orphan.started_at) == ("READY", None)
    assert busy.status == "RUNNING" and just_started.status == "RUNNING"

    GuichetWorker(worker_id="rescuer", interval=0).run_once()
    orphan.refresh_from_db()
    assert orphan.status == "SUCCESSFUL"
    assert AuditEntry.objects.filter(action="operations.ping", data__message="again").count() == 1


@pytest.mark.django_db
def test_finished_task_rows_are_pruned_after_their_keeping_period(settings):
    from django_tasks_db.models import DBTaskResult

    from guichet.operations.worker import task_results_prune

    settings.TASK_RESULTS_KEEP_DAYS = 7
    now = timezone.now()
    old_ok = _task_row(status="SUCCESSFUL", finished_at=now - timedelta(days=8))
    old_failed = _task_row(status="FAILED", finished_at=now - timedelta(days=30))
    recent = _task_row(status="SUCCESSFUL", finished_at=now - timedelta(days=6))
    waiting = _task_row(status="READY")
    assert task_results_prune(batch=1) == 2
    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert left == {recent.id, waiting.id}
    assert old_ok.id not in left and old_failed.id not in left


def test_sigterm_lets_the_running_task_finish_then_the_worker_leaves(tmp_path, process_env):
    """A real `guichet worker` process on a database file of its own."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from tests.operations.conftest import GUICHET

    env = process_env
    enqueue = (
        "import django; django.setup(); from tests.operations.worker_tasks import slow_marked; "
        f"slow_marked.enqueue(folder={str(tmp_path)!r}, seconds=3)"
    )
    subprocess.run(
        [sys.executable, "-c", enqueue],
        env=env | {"DJANGO_SETTINGS_MODULE": "guichet.settings"},
        check=True,
        timeout=120,
    )
    worker = subprocess.Popen([*GUICHET, "worker", "--worker-id", "stopping"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert time.monotonic() < deadline, "the task never started"
            assert worker.poll() is None, "the worker died"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert (tmp_path / "finished").exists()
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    statuses = db.execute("SELECT status FROM django_tasks_database_dbtaskresult").fetchall()
    beats = db.execute(
        "SELECT count(*) FROM core_workerheartbeat WHERE worker_id='stopping'"
    ).fetchone()
    assert statuses == [("SUCCESSFUL",)]
    assert beats == (0,)
