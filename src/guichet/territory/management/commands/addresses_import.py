import gzip
import io
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guichet.core.outbound import OutboundError, safe_request
from guichet.territory.addresses import BAN_URL
from guichet.territory.services import AddressImportError, addresses_import

# adresses-69.csv.gz weighs about 20 MB; Paris's and the Nord's about 30 MB.
DOWNLOAD_MAX_BYTES = 200 * 1024 * 1024


def open_lines(path: Path):
    """The text lines of a BAN CSV file, gzip-compressed (by its magic bytes) or not."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    # closed with the wrapper the caller uses as a context manager
    binary = gzip.open(path, "rb") if compressed else path.open("rb")  # noqa: SIM115
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


class Command(BaseCommand):
    help = (
        "Importe les adresses d'un département depuis la Base Adresse Nationale (CSV de la BAN, "
        "Licence Ouverte) : met à jour, ajoute, et retire ce que la BAN ne liste plus. Sans "
        "--file, télécharge adresses-<département>.csv.gz sur adresse.data.gouv.fr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--department", required=True, help="69, 2A, 974…")
        parser.add_argument("--file", type=Path, help="fichier CSV de la BAN (.csv ou .csv.gz)")

    def handle(self, *args, department: str, file: Path | None, **options):
        department = department.strip().upper()
        with tempfile.TemporaryDirectory() as tmp:
            if file is None:
                file = self._download(department, Path(tmp))
            if not file.exists():
                raise CommandError(f"Fichier introuvable : {file}", returncode=2)
            try:
                with open_lines(file) as lines:
                    result = addresses_import(department=department, lines=lines)
            except AddressImportError as exc:
                message = "Import refusé, rien n'a été modifié :\n" + "\n".join(
                    f"  - {error}" for error in exc.errors
                )
                raise CommandError(message, returncode=2) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Département {result.department} : {result.written} adresse(s) écrite(s), "
                f"{result.removed} retirée(s), {result.skipped} ligne(s) ignorée(s), "
                f"{result.streets} voie(s)."
            )
        )

    def _download(self, department: str, folder: Path) -> Path:
        url = BAN_URL.format(department=department)
        self.stdout.write(f"Téléchargement de {url}…")
        try:
            response = safe_request(
                "GET", url, timeout=600.0, connect_timeout=15.0, max_bytes=DOWNLOAD_MAX_BYTES
            )
        except OutboundError as exc:
            raise CommandError(f"Téléchargement impossible : {exc}", returncode=2) from exc
        if not response.ok:
            raise CommandError(
                f"Téléchargement impossible : réponse {response.status} de {url}", returncode=2
            )
        path = folder / f"adresses-{department}.csv.gz"
        path.write_bytes(response.body)
        return path
