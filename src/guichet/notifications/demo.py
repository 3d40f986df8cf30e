"""Demo notifications: branding of the demo organisations, Camille's alert subscriptions and
a few in-app notifications (no message is sent by the demo). Idempotent."""

from guichet.accounts.models import User
from guichet.notifications.models import Branding, Notification, Subscription
from guichet.notifications.services import notification_create
from guichet.territory.models import Organisation

BRANDING = {
    "metropole-de-lyon": ("Métropole de Lyon", "#00458c"),
    "oullins": ("Ville d'Oullins", "#6b2b5e"),
    "lyon": ("Ville de Lyon", "#a3142b"),
    "vaulx-en-velin": ("Vaulx-en-Velin", "#1b6b2f"),
    "bron": ("Ville de Bron", "#005a70"),
    "dardilly": ("Dardilly", "#4a4a55"),
    "ecully": ("Écully", "#6a3d00"),
}


def seed(log) -> list[str]:
    for slug, (name, colour) in BRANDING.items():
        org = Organisation.objects.filter(slug=slug).first()
        if org is not None:
            Branding.objects.update_or_create(
                organisation=org, defaults={"display_name": name, "colour": colour}
            )
    camille = User.objects.filter(email="camille.martin@example.org").first()
    oullins = Organisation.objects.filter(slug="oullins").first()
    if camille is None or oullins is None:
        return []
    for topic in ("alerts.water", "alerts.roadworks"):
        Subscription.objects.get_or_create(user=camille, topic=topic, commune=oullins)
    if not Notification.objects.filter(recipient=camille, template="generic").exists():
        for title, body, url in [
            (
                "Bienvenue sur votre espace",
                "Retrouvez ici les nouvelles de vos demandes et les alertes de votre quartier.",
                "/notifications/preferences/",
            ),
            (
                "Travaux Grande Rue à Oullins",
                "Circulation alternée du 7 au 18 décembre entre la place Anatole France et la "
                "rue de la République.",
                "/infos/oullins/",
            ),
        ]:
            notification_create(
                recipient=camille,
                topic="alerts.roadworks",
                template="generic",
                context={"title": title, "body": body},
                channels=[],  # in-app only: the demo sends no message
                organisation=oullins,
                url=url,
            )
    log("notifications : chartes des organisations, abonnements et notifications de Camille")
    return []
