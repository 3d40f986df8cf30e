from django.core.management.base import BaseCommand, CommandError

from guichet.operations.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Sauvegarde la base (pg_dump au format custom, ou SQLite) et les médias avec leurs sommes."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="dossier neuf où écrire la sauvegarde")

    def handle(self, *args, folder, **options):
        try:
            outcome = backup(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Sauvegarde écrite dans {folder} : {sum(outcome.tables.values())} lignes dans "
            f"{len(outcome.tables)} tables, {outcome.files} fichiers ({outcome.bytes} octets), "
            f"en {outcome.seconds:.1f} s."
        )
