from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """What runs the platform beside the kernel: workers, backups, health, metrics, logs,
    the read replica's routing (docs/adr/0022-operations-app-beside-the-kernel.md)."""

    name = "guichet.operations"
    label = "operations"
    verbose_name = _("Exploitation")

    def ready(self) -> None:
        from guichet.core.edges import service_unavailable_answered
        from guichet.core.periodic import register_periodic
        from guichet.operations.metrics import unavailable_count
        from guichet.operations.worker import task_results_prune, tasks_orphans_requeue

        register_periodic("operations.tasks_orphans_requeue", every=timedelta(seconds=30))(
            tasks_orphans_requeue
        )
        register_periodic("operations.task_results_prune", every=timedelta(hours=1))(
            task_results_prune
        )
        service_unavailable_answered.connect(unavailable_count)
