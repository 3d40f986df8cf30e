"""Background tasks: they only process outbox rows, idempotently (ARCHITECTURE, Background
work). Lost tasks are harmless: the periodic sweep re-enqueues whatever is due."""

from django_tasks import task

from guichet.notifications import outbox
from guichet.notifications.services import broadcast_fan_out

# A task hands the worker back after this long, so one big broadcast does not starve the others;
# it enqueues its own continuation.
TIME_BUDGET_SECONDS = 60.0


@task()
def deliveries_process_task() -> int:
    sent = outbox.deliveries_process(time_budget=TIME_BUDGET_SECONDS)
    if outbox.deliveries_due_exist():
        deliveries_process_task.enqueue()
    return sent


@task()
def broadcast_fan_out_task(public_id: str) -> None:
    if not broadcast_fan_out(public_id=public_id):
        broadcast_fan_out_task.enqueue(public_id)
