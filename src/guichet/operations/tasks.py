from django_tasks import task

from guichet.core.audit import audit_log


@task()
def record_audit_ping(message: str) -> None:
    """A trivial task that proves the worker runs (used by the tests)."""
    audit_log(actor=None, action="operations.ping", data={"message": message})
