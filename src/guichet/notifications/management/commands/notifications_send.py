from django.core.management.base import BaseCommand

from guichet.notifications import outbox


class Command(BaseCommand):
    help = (
        "Envoie maintenant les messages dus de la file (bails expirés remis en file d'abord), "
        "puis s'arrête. Les workers le font en continu ; utile en exploitation et en mesure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--channel", action="append", choices=["email", "sms", "push"])
        parser.add_argument("--limit", type=int, default=None)

    def handle(self, *args, channel=None, limit=None, **options):
        requeued = outbox.deliveries_requeue_expired()
        sent = outbox.deliveries_process(channels=channel, limit=limit)
        self.stdout.write(f"{sent} message(s) envoyé(s), {requeued} remis en file")
