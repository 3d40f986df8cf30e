"""The outbox's poll (every worker round: due deliveries wake a worker up) and its periodic
sweep (expired leases, due retries, unfinished broadcasts)."""

import logging
from datetime import timedelta

from django.utils import timezone

from guichet.core.periodic import register_periodic, register_round_hook
from guichet.notifications import outbox
from guichet.notifications.models import Broadcast

logger = logging.getLogger(__name__)


@register_round_hook("notifications.outbox")
def outbox_poll() -> bool:
    """Enqueue the processing of the outbox when deliveries are due and none is waiting to run.

    A notification recorded in a change writes no task of its own (with the database task
    backend): the worker that polls next, within WORKER_POLL_INTERVAL, wakes up for it. Two
    workers polling at once may both enqueue: the deliveries are claimed, never sent twice."""
    from django_tasks_db.models import DBTaskResult

    from guichet.notifications.tasks import deliveries_process_task

    if not outbox.deliveries_due_exist():
        return False
    waiting = DBTaskResult.objects.ready().filter(task_path=deliveries_process_task.module_path)
    if waiting.exists():
        return False
    deliveries_process_task.enqueue()
    return True


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
