"""Local information of an organisation: news, events of its agenda, and places with their
opening hours (what the demo seeds for each commune and the metropolis)."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from guichet.localinfo.models import Event, NewsItem, Place, WeeklyOpening
from tests.factories import CommuneFactory


class NewsItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsItem

    organisation = factory.SubFactory(CommuneFactory)
    guid = factory.Sequence(lambda n: f"test:news:{n}")
    title = factory.Sequence(lambda n: f"Actualité n°{n}")
    summary = factory.LazyAttribute(lambda o: f"Résumé de « {o.title} ».")
    body = factory.LazyAttribute(lambda o: o.summary)
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    organisation = factory.SubFactory(CommuneFactory)
    uid = factory.Sequence(lambda n: f"test-event-{n}@guichet")
    title = factory.Sequence(lambda n: f"Événement n°{n}")
    location = "Salle des fêtes"
    description = factory.LazyAttribute(lambda o: o.title)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(
            hour=18, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))


class PlaceFactory(factory.django.DjangoModelFactory):
    """A place open Monday to Friday, 8:30 to 17:00."""

    class Meta:
        model = Place
        skip_postgeneration_save = True

    organisation = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Mairie annexe n°{n}")
    kind = Place.Kind.OTHER
    address = "1 place de la Mairie"

    @factory.post_generation
    def openings(obj, create, extracted, **kwargs):
        if create:
            WeeklyOpening.objects.bulk_create(
                WeeklyOpening(place=obj, weekday=day, opens=time(8, 30), closes=time(17))
                for day in range(5)
            )
