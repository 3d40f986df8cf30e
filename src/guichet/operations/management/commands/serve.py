import os
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from waitress import serve

from guichet.operations.worker import GuichetWorker
from guichet.wsgi import application


class Command(BaseCommand):
    help = (
        "Sert la plateforme (serveur WSGI waitress) avec son worker de tâches dans le même "
        "processus : le mode embarqué. En production, lancez gunicorn et `guichet worker`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="ne pas lancer le worker")

    def handle(self, *args, host, port, threads, no_worker, **options):
        worker = None
        if not no_worker:
            worker = GuichetWorker()
            threading.Thread(target=worker.run, name="guichet-worker", daemon=True).start()
        self.stdout.write(
            f"Guichet sur http://{host}:{port}/ "
            f"({'sans worker' if no_worker else 'avec worker intégré'}, "
            f"base {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        try:
            serve(application, host=host, port=port, threads=threads, ident="guichet")
        finally:
            if worker is not None:
                worker.stop()
