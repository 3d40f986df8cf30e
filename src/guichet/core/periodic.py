"""Periodic jobs: a registry filled by apps in ``AppConfig.ready()`` and run by the workers.

django-tasks has no schedule, so every worker calls ``due_jobs_run()`` between polls. A job is
claimed by a conditional UPDATE on its ``PeriodicJob`` row, which makes each run happen once
whatever the number of workers. Jobs must be idempotent sweeps (the outbox rows are the truth).
"""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from guichet.core.models import PeriodicJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: timedelta
    func: Callable[[], object]


_REGISTRY: dict[str, JobSpec] = {}


def register_periodic(name: str, *, every: timedelta) -> Callable:
    """Decorator: run ``func`` about every ``every`` on one of the workers."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        _REGISTRY[name] = JobSpec(name=name, every=every, func=func)
        return func

    return decorator


def registered_jobs() -> list[JobSpec]:
    return list(_REGISTRY.values())


_ROUND_HOOKS: dict[str, Callable[[], object]] = {}


def register_round_hook(name: str) -> Callable:
    """Decorator: call ``func`` on every round of every worker, before it runs the ready tasks
    (a cheap check, such as "is anything due in an outbox?", that may enqueue a task)."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        _ROUND_HOOKS[name] = func
        return func

    return decorator


def round_hooks_run() -> None:
    for name, func in list(_ROUND_HOOKS.items()):
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
