"""What the workers record: their heartbeats and when each periodic job is next due."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per running worker, touched every few seconds; /readyz and /metrics read it."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "core_workerheartbeat"  # created by core before this app existed
        verbose_name = _("worker")

    def __str__(self) -> str:
        return self.worker_id


class PeriodicJob(models.Model):
    """When each registered periodic job is next due.

    Workers claim a due job with a conditional UPDATE, so with several workers on several
    machines each run happens once.
    """

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "core_periodicjob"  # created by core before this app existed
        verbose_name = _("tâche périodique")

    def __str__(self) -> str:
        return self.name
