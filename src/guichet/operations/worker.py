"""The background worker: django-tasks-db's task loop, periodic jobs and a heartbeat.

Run it as ``guichet worker`` (one or many processes, on one or many machines) or in-process
next to the web server with ``guichet serve`` (embedded mode).

Stopping: SIGTERM or SIGINT (what systemd and Kubernetes send) lets the running task finish,
runs no other, removes the worker's heartbeat and exits. A worker killed outright (SIGKILL,
a lost machine) leaves its task RUNNING: its heartbeat stops, and after ``ORPHAN_AFTER``
another worker's periodic ``operations.tasks_orphans_requeue`` puts the task back to READY, so it
runs again. Tasks are written to be run again safely (the outbox rows, the scans, the timers
are idempotent sweeps).
"""

import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from guichet.operations.logs import request_id_var
from guichet.operations.models import WorkerHeartbeat
from guichet.operations.periodic import due_jobs_run, round_hooks_run

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0  # seconds
TASKS_PER_ROUND = 50
# A worker whose heartbeat is older than this is dead; its running tasks are put back.
ORPHAN_AFTER = timedelta(seconds=60)


class _TaskRunner(Worker):
    """django-tasks-db's loop; each task runs under the id of the request that enqueued it."""

    def run_task(self, db_task_result) -> None:
        request_id = (db_task_result.args_kwargs or {}).get("request_id") or (
            f"task-{db_task_result.id}"
        )
        token = request_id_var.set(request_id)
        try:
            super().run_task(db_task_result)
        finally:
            request_id_var.reset(token)


class GuichetWorker:
    def __init__(self, *, worker_id: str | None = None, interval: float | None = None):
        self.worker_id = worker_id or f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}"
        self.interval = settings.WORKER_POLL_INTERVAL if interval is None else interval
        self._stop = threading.Event()
        self._last_beat = 0.0
        self._tasks: _TaskRunner | None = None

    def stop(self) -> None:
        """Finish the running task, start no other, then leave ``run``."""
        self._stop.set()
        tasks = self._tasks
        if tasks is not None:
            tasks.running = False  # django-tasks-db's loop ends after its current task

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def heartbeat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "seen_at": now,
            },
            create_defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "seen_at": now,
                "started_at": now,
            },
        )
        self._last_beat = time.monotonic()

    def _beat_while_running(self) -> None:
        """A thread of its own beats while a long task runs, so the worker is not taken for
        dead in the middle of it."""
        try:
            while not self._stop.wait(HEARTBEAT_EVERY):
                try:
                    self.heartbeat()
                except Exception:
                    logger.exception("worker heartbeat failed")
        finally:
            connection.close()

    def run_once(self) -> None:
        """One round: heartbeat if due, periodic jobs, round hooks (the outbox's poll), then
        the ready tasks (bounded)."""
        close_old_connections()
        if time.monotonic() - self._last_beat >= HEARTBEAT_EVERY:
            self.heartbeat()
        due_jobs_run()
        round_hooks_run()
        if self.stopping:
            return
        self._tasks = _TaskRunner(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=TASKS_PER_ROUND,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        try:
            self._tasks.run()
        finally:
            self._tasks = None
        close_old_connections()

    def run(self) -> None:
        logger.info("worker %s started", self.worker_id)
        self.heartbeat()
        beat = threading.Thread(target=self._beat_while_running, name="guichet-heartbeat")
        beat.daemon = True
        beat.start()
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    # A database hiccup must not kill the worker: log and retry next round.
                    logger.exception("worker round failed")
                self._stop.wait(self.interval)
        finally:
            self._stop.set()
            beat.join(timeout=HEARTBEAT_EVERY + 1)
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            close_old_connections()
            logger.info("worker %s stopped", self.worker_id)

    def stop_on_signals(self) -> None:
        """SIGTERM/SIGINT: graceful stop (the running task finishes). Main thread only."""

        def graceful(signum, frame):
            logger.warning(
                "worker %s: %s, stopping after the current task",
                self.worker_id,
                signal.strsignal(signum),
            )
            self.stop()

        signal.signal(signal.SIGTERM, graceful)
        signal.signal(signal.SIGINT, graceful)


def tasks_orphans_requeue(*, now=None) -> int:
    """Put back to READY the RUNNING tasks of workers whose heartbeat stopped (killed,
    machine lost). Each row is moved by a conditional UPDATE: once, whatever the number of
    workers sweeping."""
    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=now - ORPHAN_AFTER).values_list(
            "worker_id", flat=True
        )
    )
    requeued = 0
    running = DBTaskResult.objects.filter(
        status="RUNNING", started_at__lt=now - ORPHAN_AFTER
    ).values_list("id", "worker_ids")
    for task_id, worker_ids in running:
        if worker_ids and worker_ids[-1] in alive:
            continue
        requeued += DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
            status="READY", started_at=None
        )
        logger.warning(
            "task %s requeued: its worker %s stopped beating",
            task_id,
            worker_ids[-1] if worker_ids else "?",
        )
    return requeued


def task_results_prune(*, now=None, batch: int = 5000) -> int:
    """Delete finished task rows older than ``TASK_RESULTS_KEEP_DAYS`` (the table would grow
    by every notification batch, scan and sweep otherwise)."""
    now = now or timezone.now()
    old = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"],
        finished_at__lt=now - timedelta(days=settings.TASK_RESULTS_KEEP_DAYS),
    )
    deleted = 0
    while True:
        ids = list(old.values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += DBTaskResult.objects.filter(id__in=ids).delete()[0]
