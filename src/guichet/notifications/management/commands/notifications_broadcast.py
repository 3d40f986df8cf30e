import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from guichet.accounts.selectors import account_by_email
from guichet.core.policies import PolicyDenied
from guichet.notifications import outbox
from guichet.notifications.models import Delivery
from guichet.notifications.services import broadcast_create, broadcast_fan_out
from guichet.territory.models import Organisation


class Command(BaseCommand):
    help = (
        "Diffuse une alerte aux abonnés d'une commune (comme la page agent). Avec --run, "
        "distribue et envoie tout dans ce processus et affiche le débit (mesures)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="actor", required=True, help="e-mail de l'agent")
        parser.add_argument("--organisation", required=True, help="identifiant (slug)")
        parser.add_argument("--commune", required=True, help="identifiant (slug)")
        parser.add_argument("--topic", default="alerts.water")
        parser.add_argument("--title", required=True)
        parser.add_argument("--body", required=True)
        parser.add_argument("--channels", default="email", help="email,sms,push")
        parser.add_argument("--area", default="", help="lat,lon,rayon_m (facultatif)")
        parser.add_argument("--run", action="store_true", help="distribuer et envoyer ici")
        parser.add_argument("--chunk", type=int, default=1000)

    def handle(self, *args, **o):
        actor = account_by_email(o["actor"])
        organisation = Organisation.objects.filter(slug=o["organisation"]).first()
        commune = Organisation.objects.filter(slug=o["commune"]).first()
        if actor is None or organisation is None or commune is None:
            raise CommandError("agent, organisation ou commune inconnu")
        area = None
        if o["area"]:
            try:
                lat, lon, radius = o["area"].split(",")
                area = (float(lat), float(lon), int(radius))
            except ValueError as exc:
                raise CommandError("--area attend lat,lon,rayon_m") from exc
        try:
            broadcast = broadcast_create(
                actor=actor,
                organisation=organisation,
                commune=commune,
                topic=o["topic"],
                title=o["title"],
                body=o["body"],
                channels=[c.strip() for c in o["channels"].split(",") if c.strip()],
                area=area,
            )
        except (PermissionDenied, PolicyDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"alerte {broadcast.public_id} enregistrée")
        if not o["run"]:
            self.stdout.write("les workers la distribuent (guichet worker)")
            return
        started = time.monotonic()
        while not broadcast_fan_out(public_id=str(broadcast.public_id), chunk=o["chunk"]):
            pass
        fanned = time.monotonic()
        broadcast.refresh_from_db()
        self.stdout.write(
            f"distribuée à {broadcast.recipients_count} abonnés en {fanned - started:.1f} s"
        )
        sent = outbox.deliveries_process(worker_id="notifications_broadcast")
        elapsed = time.monotonic() - fanned
        pending = Delivery.objects.filter(
            notification__broadcast=broadcast, status=Delivery.Status.PENDING
        ).count()
        rate = sent / elapsed if elapsed else 0.0
        self.stdout.write(
            f"{sent} messages envoyés en {elapsed:.1f} s ({rate:.0f}/s), {pending} en attente"
        )
