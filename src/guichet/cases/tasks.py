"""Background work of the case engine: webhook deliveries, timers (e-mails and other
notifications go through the notifications outbox, see ``cases.notify``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django_tasks import task

from guichet.core.periodic import register_periodic

logger = logging.getLogger(__name__)


@task()
def deliver_webhook_task(*, delivery_id: int) -> str:
    # (its name is what queued rows point to: kept)
    from guichet.cases.webhooks import webhook_delivery_send

    return webhook_delivery_send(delivery_id)


@register_periodic("cases.webhooks", every=timedelta(minutes=1))
def webhooks_sweep() -> int:
    """Send every due webhook delivery (first tries the task missed, and retries)."""
    from guichet.cases.webhooks import due_delivery_ids, webhook_delivery_send

    due = due_delivery_ids()
    for pk in due:
        webhook_delivery_send(pk)
    return len(due)


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


@register_periodic("cases.processing_times", every=timedelta(hours=24))
def processing_times_sweep() -> int:
    """Recompute the usual processing time of each service (a small table the pages read)."""
    from guichet.cases.processing_times import processing_times_compute

    return processing_times_compute()
