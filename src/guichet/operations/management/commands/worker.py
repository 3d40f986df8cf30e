from django.core.management.base import BaseCommand

from guichet.operations.worker import GuichetWorker


class Command(BaseCommand):
    help = "Lance un worker de tâches de fond (plusieurs peuvent tourner en parallèle)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=None, help="secondes entre 2 sondages"
        )
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, interval=None, worker_id=None, **options):
        worker = GuichetWorker(worker_id=worker_id, interval=interval)
        # SIGTERM (systemd, Kubernetes) and SIGINT: the running task finishes, then exit.
        worker.stop_on_signals()
        worker.run()
