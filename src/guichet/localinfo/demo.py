"""Demo local information: news, events and places with hours for each demo commune and the
metropolis. Idempotent (keyed by guid / uid / name)."""

from datetime import date, time, timedelta

from django.utils import timezone

from guichet.localinfo.models import Event, ExceptionalClosure, NewsItem, Place, WeeklyOpening
from guichet.territory.models import Organisation

OFFICE_HOURS = [(d, time(8, 30), time(12)) for d in range(5)] + [
    (d, time(13, 30), time(17)) for d in range(5)
]
LIBRARY_HOURS = [(1, time(13), time(19)), (2, time(10), time(18)), (4, time(13), time(19))] + [
    (5, time(10), time(17))
]

# slug -> (news titles and summaries, event titles and locations, places)
CONTENT = {
    "oullins": {
        "news": [
            ("Le marché du centre change d'horaires", "Dès janvier, le marché ouvre à 7 h."),
            ("Inscriptions scolaires 2027", "Les inscriptions ouvrent le 5 janvier en ligne."),
            ("Travaux Grande Rue", "Circulation alternée pendant trois semaines."),
        ],
        "events": [
            ("Concert de Noël", "Église Saint-Martin"),
            ("Forum des associations", "Salle Mérieux"),
        ],
        "places": [("Hôtel de ville", "town_hall", "Place Roger Salengro, 69600 Oullins")],
    },
    "lyon": {
        "news": [("Fête des Lumières : le programme", "Quatre soirs d'illuminations.")],
        "events": [("Fête des Lumières", "Presqu'île")],
        "places": [("Mairie du 1er arrondissement", "town_hall", "2 place Sathonay, 69001 Lyon")],
    },
    "vaulx-en-velin": {
        "news": [("Nouveau planétarium : séances d'hiver", "Le programme des vacances.")],
        "events": [("Atelier numérique", "Médiathèque Léonard de Vinci")],
        "places": [("Médiathèque Léonard de Vinci", "library", "Rue Louis Michoy, 69120")],
    },
    "bron": {
        "news": [("Collecte des sapins", "Points de collecte du 2 au 20 janvier.")],
        "events": [("Cross des écoles", "Parc de Parilly")],
        "places": [("Hôtel de ville de Bron", "town_hall", "Place de Weingarten, 69500 Bron")],
    },
    "dardilly": {
        "news": [("Vœux du maire", "Rendez-vous à l'espace Aqueduc.")],
        "events": [("Marché des producteurs", "Place de la mairie")],
        "places": [("Mairie de Dardilly", "town_hall", "Place Ludovic Monnier, 69570")],
    },
    "ecully": {
        "news": [("Fermeture du centre sportif", "Travaux de rénovation en février.")],
        "events": [("Spectacle jeune public", "Centre culturel")],
        "places": [("Mairie d'Écully", "town_hall", "1 place de la Libération, 69130")],
    },
    "metropole-de-lyon": {
        "news": [
            ("Collecte des déchets pendant les fêtes", "Les jours de collecte changent."),
            ("Vélo'v : nouvelles stations", "Vingt stations ouvrent cet hiver."),
        ],
        "events": [("Journée de l'habitat", "Hôtel de la Métropole")],
        "places": [("Déchèterie de Lyon 7e", "recycling", "Rue Jean Bouin, 69007 Lyon")],
    },
}


def seed(log) -> list[str]:
    now = timezone.now()
    total = 0
    for slug, content in CONTENT.items():
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            continue
        for rank, (title, summary) in enumerate(content["news"]):
            NewsItem.objects.update_or_create(
                organisation=org,
                guid=f"demo:{slug}:news:{rank}",
                defaults={
                    "title": title,
                    "summary": summary,
                    "body": summary,
                    "published_at": now - timedelta(days=rank * 3 + 1),
                },
            )
        for rank, (title, location) in enumerate(content["events"]):
            start = (now + timedelta(days=7 + rank * 10)).replace(
                hour=18, minute=0, second=0, microsecond=0
            )
            Event.objects.update_or_create(
                organisation=org,
                uid=f"demo-{slug}-event-{rank}@guichet",
                defaults={
                    "title": title,
                    "location": location,
                    "description": title,
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=3),
                },
            )
        for name, kind, address in content["places"]:
            place, created = Place.objects.update_or_create(
                organisation=org, name=name, defaults={"kind": kind, "address": address}
            )
            if created:
                hours = LIBRARY_HOURS if kind == "library" else OFFICE_HOURS
                WeeklyOpening.objects.bulk_create(
                    WeeklyOpening(place=place, weekday=d, opens=o, closes=c) for d, o, c in hours
                )
                year = now.year
                ExceptionalClosure.objects.create(
                    place=place,
                    start_date=date(year, 12, 24),
                    end_date=date(year, 12, 26),
                    reason="Fêtes de fin d'année",
                )
        total += 1
    log(f"infos locales : actualités, agenda et lieux pour {total} communes et la Métropole")
    return []
