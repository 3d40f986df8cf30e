"""The background worker: django-tasks-db's task loop, periodic jobs and a heartbeat.

Run it as ``guichet worker`` (one or many processes, on one or many machines) or in-process
next to the web server with ``guichet serve`` (embedded mode).
"""

import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from guichet.core.models import WorkerHeartbeat
from guichet.core.periodic import run_due_jobs, run_round_hooks

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0  # seconds
TASKS_PER_ROUND = 50


class GuichetWorker:
    def __init__(self, *, worker_id: str | None = None, interval: float | None = None):
        self.worker_id = worker_id or f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}"
        self.interval = settings.WORKER_POLL_INTERVAL if interval is None else interval
        self._stop = threading.Event()
        self._last_beat = 0.0

    def stop(self) -> None:
        self._stop.set()

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

    def run_once(self) -> None:
        """One round: heartbeat if due, periodic jobs, round hooks (the outbox's poll), then
        the ready tasks (bounded)."""
        close_old_connections()
        if time.monotonic() - self._last_beat >= HEARTBEAT_EVERY:
            self.heartbeat()
        run_due_jobs()
        run_round_hooks()
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=TASKS_PER_ROUND,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        ).run()
        close_old_connections()

    def run(self) -> None:
        logger.info("worker %s started", self.worker_id)
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    # A database hiccup must not kill the worker: log and retry next round.
                    logger.exception("worker round failed")
                self._stop.wait(self.interval)
        finally:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            close_old_connections()
            logger.info("worker %s stopped", self.worker_id)
