"""Local information: news, events and places (with opening hours) of each commune and of the
metropolis, written here or imported from the commune's own RSS/Atom and iCal feeds."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel


class Feed(TimeStampedModel):
    """A feed published by a commune (or the metropolis) that we import on a schedule."""

    class Kind(models.TextChoices):
        RSS = "rss", _("RSS")
        ATOM = "atom", _("Atom")
        ICAL = "ical", _("iCalendar")

    class Status(models.TextChoices):
        NEVER = "never", _("Jamais importé")
        OK = "ok", _("Importé")
        PARTIAL = "partial", _("Importé en partie")
        ERROR = "error", _("En erreur")

    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune ou Métropole"),
        on_delete=models.CASCADE,
        related_name="localinfo_feeds",
    )
    name = models.CharField(_("nom"), max_length=200)
    url = models.URLField(_("adresse du flux"), max_length=1000)
    kind = models.CharField(_("format"), max_length=10, choices=Kind.choices)
    is_active = models.BooleanField(_("actif"), default=True)
    refresh_minutes = models.PositiveIntegerField(_("fréquence (minutes)"), default=60)
    next_fetch_at = models.DateTimeField(_("prochain import"), null=True, blank=True)
    last_fetched_at = models.DateTimeField(_("dernier import"), null=True, blank=True)
    last_status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.NEVER
    )
    last_error = models.TextField(_("dernier problème"), blank=True)
    last_count = models.PositiveIntegerField(_("éléments importés"), default=0)

    class Meta:
        verbose_name = _("flux importé")
        verbose_name_plural = _("flux importés")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "url"], name="localinfo_feed_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.name}"


class NewsItem(TimeStampedModel):
    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune ou Métropole"),
        on_delete=models.CASCADE,
        related_name="news_items",
    )
    feed = models.ForeignKey(
        Feed, verbose_name=_("flux d'origine"), null=True, blank=True, on_delete=models.SET_NULL
    )
    guid = models.CharField(_("identifiant unique"), max_length=500, default="", blank=True)
    title = models.CharField(_("titre"), max_length=300)
    summary = models.TextField(_("résumé"), blank=True)
    body = models.TextField(_("texte"), blank=True)
    link = models.URLField(_("lien vers l'article d'origine"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("publié le"), db_index=True)
    is_published = models.BooleanField(_("publié"), default=True)

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "guid"],
                condition=~Q(guid=""),
                name="localinfo_news_guid_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Event(TimeStampedModel):
    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune ou Métropole"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    feed = models.ForeignKey(
        Feed, verbose_name=_("flux d'origine"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uid = models.CharField(_("UID"), max_length=500, blank=True)
    title = models.CharField(_("titre"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("lieu"), max_length=300, blank=True)
    link = models.URLField(_("lien"), max_length=1000, blank=True)
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    all_day = models.BooleanField(_("toute la journée"), default=False)
    is_published = models.BooleanField(_("publié"), default=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "uid"],
                condition=~Q(uid=""),
                name="localinfo_event_uid_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ical_uid(self) -> str:
        return self.uid or f"event-{self.pk}@guichet"


class Place(TimeStampedModel):
    class Kind(models.TextChoices):
        TOWN_HALL = "town_hall", _("Mairie")
        LIBRARY = "library", _("Médiathèque")
        POOL = "pool", _("Piscine")
        RECYCLING = "recycling", _("Déchèterie")
        SOCIAL = "social", _("Action sociale")
        SPORT = "sport", _("Équipement sportif")
        CULTURE = "culture", _("Lieu culturel")
        OTHER = "other", _("Autre")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune ou Métropole"),
        on_delete=models.CASCADE,
        related_name="places",
    )
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WeeklyOpening(models.Model):
    """A regular opening slot. ``closes`` at or before ``opens`` means the slot ends the next
    day (``22:00``–``02:00``); a slot belongs to the day it starts."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("lundi")
        TUESDAY = 1, _("mardi")
        WEDNESDAY = 2, _("mercredi")
        THURSDAY = 3, _("jeudi")
        FRIDAY = 4, _("vendredi")
        SATURDAY = 5, _("samedi")
        SUNDAY = 6, _("dimanche")

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="openings")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("ouvre à"))
    closes = models.TimeField(_("ferme à"))

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


class ExceptionalClosure(models.Model):
    """Closed all day from ``start_date`` to ``end_date`` included (holidays, works...)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fermeture exceptionnelle")
        verbose_name_plural = _("fermetures exceptionnelles")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="localinfo_closure_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.start_date}–{self.end_date}"
