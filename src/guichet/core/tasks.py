from django_tasks import task

from guichet.core.audit import audit_log


@task()
def record_audit_ping(message: str) -> None:
    """A trivial task that proves the worker runs (used by `guichet ping_worker` and tests)."""
    audit_log(actor=None, action="core.ping", data={"message": message})
