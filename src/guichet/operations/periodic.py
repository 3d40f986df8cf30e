"""The workers' side of periodic jobs (the registry is ``core.periodic``).

Every worker calls ``due_jobs_run()`` between polls. A job is claimed by a conditional UPDATE
on its ``PeriodicJob`` row, which makes each run happen once whatever the number of workers.
"""

import logging
import traceback

from django.db import IntegrityError, transaction
from django.utils import timezone

from guichet.core.periodic import JobSpec, registered_jobs, round_hooks
from guichet.operations.models import PeriodicJob

logger = logging.getLogger(__name__)


def round_hooks_run() -> None:
    for name, func in round_hooks():
        try:
            func()
        except Exception:
            logger.exception("worker round hook %s failed", name)


def _claim(spec: JobSpec) -> bool:
    now = timezone.now()
    try:
        with transaction.atomic():
            PeriodicJob.objects.get_or_create(name=spec.name, defaults={"next_run_at": now})
    except IntegrityError:
        pass  # another worker created it first
    claimed = PeriodicJob.objects.filter(name=spec.name, next_run_at__lte=now).update(
        next_run_at=now + spec.every, last_started_at=now
    )
    return claimed == 1


def due_jobs_run() -> list[str]:
    """Run every registered job that is due and not claimed by another worker."""
    ran = []
    for spec in registered_jobs():
        if not _claim(spec):
            continue
        error = ""
        try:
            spec.func()
        except Exception:
            error = traceback.format_exc()
            logger.exception("periodic job %s failed", spec.name)
        PeriodicJob.objects.filter(name=spec.name).update(
            last_finished_at=timezone.now(), last_error=error
        )
        ran.append(spec.name)
    return ran
