import mailbox

from django.core.management.base import BaseCommand, CommandError

from guichet.mailgateway.services import maildir_ingest
from guichet.territory.models import Organisation


class Command(BaseCommand):
    help = "Lit les courriels d'un Maildir : réponses aux demandes et nouvelles demandes."

    def add_arguments(self, parser):
        parser.add_argument("maildir")
        parser.add_argument(
            "--commune", help="commune destinataire par défaut (identifiant, ex. oullins)"
        )

    def handle(self, maildir, commune=None, **options):
        default = None
        if commune:
            default = Organisation.objects.filter(slug=commune, kind="commune").first()
            if default is None:
                raise CommandError(f"Commune inconnue : {commune}")
        try:
            report = maildir_ingest(maildir, default_commune=default)
        except (FileNotFoundError, mailbox.NoSuchMailboxError) as exc:
            raise CommandError(f"Maildir introuvable : {maildir}") from exc
        errors = 0
        for line in report:
            if line.startswith("ERREUR"):
                errors += 1
                self.stderr.write(line)
            else:
                self.stdout.write(line)
        self.stdout.write(f"{len(report)} message(s) traité(s), {errors} en erreur.")
