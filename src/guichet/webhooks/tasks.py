"""Background work of the webhooks: one task per new delivery, and the sweep of due ones.

The periodic job keeps its name ``cases.webhooks`` (from when webhooks were part of the case
engine), so its ``PeriodicJob`` row and its schedule carry on. A task queued before the move
names ``guichet.cases.tasks.deliver_webhook_task``, which no longer exists: it fails, and the
sweep sends its delivery within a minute (the ``WebhookDelivery`` row is the truth)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from guichet.core.periodic import register_periodic


@task()
def deliver_webhook_task(*, delivery_id: int) -> str:
    from guichet.webhooks.services import webhook_delivery_send

    return webhook_delivery_send(delivery_id)


@register_periodic("cases.webhooks", every=timedelta(minutes=1))
def webhooks_sweep() -> int:
    """Send every due webhook delivery (first tries the task missed, and retries)."""
    from guichet.webhooks.services import due_delivery_ids, webhook_delivery_send

    due = due_delivery_ids()
    for pk in due:
        webhook_delivery_send(pk)
    return len(due)
