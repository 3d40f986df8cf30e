"""Periodic jobs and worker round hooks: the registry apps fill in ``AppConfig.ready()``.

django-tasks has no schedule: the workers (``operations.periodic``) run every registered job
when it is due, once whatever their number, and call every round hook on each of their rounds.
Jobs must be idempotent sweeps (the outbox rows are the truth).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: timedelta
    func: Callable[[], object]


_REGISTRY: dict[str, JobSpec] = {}
_ROUND_HOOKS: dict[str, Callable[[], object]] = {}


def register_periodic(name: str, *, every: timedelta) -> Callable:
    """Decorator: run ``func`` about every ``every`` on one of the workers."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        _REGISTRY[name] = JobSpec(name=name, every=every, func=func)
        return func

    return decorator


def register_round_hook(name: str) -> Callable:
    """Decorator: call ``func`` on every round of every worker, before it runs the ready tasks
    (a cheap check, such as "is anything due in an outbox?", that may enqueue a task)."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        _ROUND_HOOKS[name] = func
        return func

    return decorator


def registered_jobs() -> list[JobSpec]:
    return list(_REGISTRY.values())


def round_hooks() -> list[tuple[str, Callable[[], object]]]:
    return list(_ROUND_HOOKS.items())
