import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Crée ou met à jour le territoire de démonstration (idempotent)."

    def handle(self, *args, **options):
        if settings.GUICHET_PRODUCTION:
            # Demo people with a published password and made-up cases have no place in a
            # production database (BEHIND_TLS_PROXY or GUICHET_PRODUCTION set).
            raise CommandError(
                _(
                    "seed_demo refuse de s'exécuter sur une configuration de production "
                    "(BEHIND_TLS_PROXY ou GUICHET_PRODUCTION) : il créerait des comptes de "
                    "démonstration au mot de passe public."
                )
            )
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
