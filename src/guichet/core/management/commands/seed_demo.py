import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Crée ou met à jour le territoire de démonstration (idempotent)."

    def handle(self, *args, **options):
        summary: list[str] = []
        for config in apps.get_app_configs():
            if not config.name.startswith("guichet."):
                continue
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            seed = getattr(module, "seed", None)
            if seed is None:
                continue
            with transaction.atomic():
                lines = seed(log=lambda msg: self.stdout.write(f"  {msg}"))
            summary.extend(lines or [])
        self.stdout.write(self.style.SUCCESS("Démo prête."))
        for line in summary:
            self.stdout.write(line)
