from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guichet.accounts.models import User
from guichet.notifications.models import Subscription
from guichet.territory.models import Organisation


class Command(BaseCommand):
    help = (
        "Mesures seulement : crée N comptes abonnés (bench-N@bench.invalid, sans mot de passe "
        "utilisable) à un thème d'alerte d'une commune. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--commune", default="oullins")
        parser.add_argument("--topic", default="alerts.water")

    def handle(self, *args, count, commune, topic, **options):
        org = Organisation.objects.filter(slug=commune, kind="commune").first()
        if org is None:
            raise CommandError("commune inconnue")
        unusable = make_password(None)
        batch = 5000
        for start in range(0, count, batch):
            emails = [f"bench-{n}@bench.invalid" for n in range(start, min(count, start + batch))]
            with transaction.atomic():
                User.objects.bulk_create(
                    [User(email=e, password=unusable) for e in emails], ignore_conflicts=True
                )
                ids = User.objects.filter(email__in=emails).values_list("id", flat=True)
                existing = set(
                    Subscription.objects.filter(
                        user_id__in=ids, topic=topic, commune=org
                    ).values_list("user_id", flat=True)
                )
                Subscription.objects.bulk_create(
                    [
                        Subscription(user_id=i, topic=topic, commune=org)
                        for i in ids
                        if i not in existing
                    ]
                )
        self.stdout.write(f"{count} abonnés à {topic} sur {org.name}")
