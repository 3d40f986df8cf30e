import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guichet.territory.services import BoundaryImportError, boundaries_import


class Command(BaseCommand):
    help = "Importe les contours des communes depuis une FeatureCollection GeoJSON (tout ou rien)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            collection = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"Fichier introuvable : {file}", returncode=2) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file} n'est pas un JSON valide : {exc}", returncode=2) from exc
        try:
            result = boundaries_import(collection=collection)
        except BoundaryImportError as exc:
            message = "Import refusé, rien n'a été importé :\n" + "\n".join(
                f"  - {error}" for error in exc.errors
            )
            raise CommandError(message, returncode=2) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{len(result.updated)} contour(s) importé(s) : ")
            + ", ".join(result.updated)
        )
