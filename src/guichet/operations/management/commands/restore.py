from django.core.management.base import BaseCommand, CommandError

from guichet.operations.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de `guichet backup` dans une base vide, puis vérifie le nombre "
        "de lignes de chaque table et la somme de contrôle de chaque fichier."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="le dossier écrit par `guichet backup`")

    def handle(self, *args, folder, **options):
        try:
            outcome = restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for problem in outcome.problems:
            self.stderr.write(problem)
        if outcome.problems:
            raise CommandError(f"{len(outcome.problems)} différence(s) avec la sauvegarde.")
        self.stdout.write(
            f"Restauré depuis {folder} : {sum(outcome.tables.values())} lignes, "
            f"{outcome.files} fichiers vérifiés, en {outcome.seconds:.1f} s."
        )
