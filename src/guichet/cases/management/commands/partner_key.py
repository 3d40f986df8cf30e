from django.core.management.base import BaseCommand, CommandError

from guichet.cases.partner_keys import partner_api_key_create
from guichet.core.policies import SYSTEM
from guichet.territory.models import Organisation


class Command(BaseCommand):
    help = "Crée une clé d'API partenaire pour une organisation (affichée une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="identifiant de l'organisation (ex. bron)")
        parser.add_argument("name", help="nom de l'application partenaire")

    def handle(self, organisation, name, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"Organisation inconnue : {organisation}")
        _key, secret = partner_api_key_create(actor=SYSTEM, organisation=org, name=name)
        self.stdout.write(
            f"Clé pour {org.name} ({name}) — à transmettre, elle ne sera plus "
            f"affichée :\n{secret}\nEn-tête : X-Api-Key: {secret}"
        )
