"""The periodic sweep of the outbox: expired leases, due retries, unfinished broadcasts."""

import logging
from datetime import timedelta

from django.utils import timezone

from guichet.core.periodic import register_periodic
from guichet.notifications import outbox
from guichet.notifications.models import Broadcast

logger = logging.getLogger(__name__)


@register_periodic("notifications.sweep", every=timedelta(seconds=30))
def notifications_sweep() -> None:
    from guichet.notifications.tasks import broadcast_fan_out_task, deliveries_process_task

    requeued = outbox.deliveries_requeue_expired()
    if requeued:
        logger.warning("%s deliveries re-queued after an expired lease", requeued)
    if outbox.deliveries_due_exist():
        deliveries_process_task.enqueue()
    # A fan-out task lost with its worker: start it again (chunks are transactional).
    stalled = Broadcast.objects.exclude(status=Broadcast.Status.DONE).filter(
        updated_at__lt=timezone.now() - timedelta(minutes=2)
    )
    for public_id in stalled.values_list("public_id", flat=True):
        broadcast_fan_out_task.enqueue(str(public_id))
