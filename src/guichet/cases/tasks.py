"""Background work of the case engine: timers, attachment scans (e-mails and other notifications
go through the notifications outbox, see ``cases.notify``; webhooks are the ``webhooks`` app's)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from guichet.core.periodic import register_periodic


@register_periodic("cases.timers", every=timedelta(minutes=1))
def timers_sweep() -> int:
    """Take the timer transition of every case whose time in its status is up."""
    from guichet.cases.workflow import timers_fire

    return timers_fire()


@task()
def attachment_scan_task(*, attachment_id: int) -> str:
    from guichet.cases.scanning import attachment_scan

    return attachment_scan(attachment_id=attachment_id)


@register_periodic("cases.attachments_scan", every=timedelta(minutes=1))
def attachments_scan_sweep() -> int:
    """Scan the attachments still pending (clamd was unreachable when they came)."""
    from guichet.cases.scanning import pending_attachments_scan

    return pending_attachments_scan()
