import json

from allauth.idp.oidc.models import Client
from django.core.management.base import BaseCommand, CommandError

from guichet.accounts.selectors import account_by_email
from guichet.identity.claims import FIRST_PARTY_SCOPES
from guichet.identity.services import tokens_issue_by_operator


class Command(BaseCommand):
    help = (
        "Délivre sans navigateur des jetons (accès + rafraîchissement) d'un service partenaire "
        "pour un compte : tests d'intégration et mesures de performance. Le consentement est "
        "enregistré comme donné par l'opérateur (journal d'audit)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--client", required=True, help="client_id, ex. guichet-app ou demo-famille"
        )
        parser.add_argument("--email", required=True, help="compte de l'usager")
        parser.add_argument(
            "--scope",
            default=" ".join(FIRST_PARTY_SCOPES),
            help=(
                "portées séparées par des espaces ; par défaut celles de l'application de la "
                "plateforme (%(default)s) ; pour un service partenaire : openid email profile"
            ),
        )
        parser.add_argument("--count", type=int, default=1, help="familles de jetons indépendantes")

    def handle(self, *args, **options):
        client = Client.objects.filter(pk=options["client"]).first()
        user = account_by_email(options["email"], active_only=True)
        if client is None or user is None:
            raise CommandError("Client ou compte inconnu.")
        try:
            tokens = tokens_issue_by_operator(
                client=client,
                user=user,
                scopes=options["scope"].split(),
                count=max(1, options["count"]),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(tokens, indent=2))
