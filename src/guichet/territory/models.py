from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel


def commune_where(related_name: str, *, on_delete=models.PROTECT) -> models.ForeignKey:
    """The optional commune a thing stands in (a case, a report, an alert's area)."""
    return models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=on_delete,
        related_name=related_name,
    )


def organisation_in_charge(related_name: str, **options) -> models.ForeignKey:
    """The organisation in charge of a thing (a case; a report's copy of its case's)."""
    return models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("organisation en charge"),
        on_delete=models.PROTECT,
        related_name=related_name,
        **options,
    )


class Organisation(TimeStampedModel):
    """The metropolis, a commune, or another body (e.g. the disability house)."""

    class Kind(models.TextChoices):
        METROPOLIS = "metropolis", _("Métropole")
        COMMUNE = "commune", _("Commune")
        BODY = "body", _("Autre organisme")

    class PartnerStatus(models.TextChoices):
        PILOT = "pilot", _("Pilote")
        PARTNER = "partner", _("Partenaire")

    class Offer(models.TextChoices):
        GLOBAL = "global", _("Offre globale")
        RESTRICTED = "restricted", _("Offre restreinte")

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("rattachée à"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    email = models.EmailField(_("e-mail de contact"), blank=True)
    # Communes only ------------------------------------------------------------------------------
    insee_code = models.CharField(_("code INSEE"), max_length=5, null=True, blank=True, unique=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("année de référence de la population"), null=True, blank=True
    )
    population_source = models.CharField(
        _("source de la population"),
        max_length=100,
        blank=True,
        default="INSEE, population municipale",
    )
    partner_status = models.CharField(
        _("statut"), max_length=20, choices=PartnerStatus.choices, blank=True
    )
    offer = models.CharField(_("offre"), max_length=20, choices=Offer.choices, blank=True)
    # Geometry: a GeoJSON Polygon or MultiPolygon (WGS 84) and its bounding box, which indexes
    # the point -> commune lookup without a spatial extension.
    boundary = models.JSONField(_("contour (GeoJSON)"), null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("commune successeur (fusion)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "min_lat", "max_lat"], name="org_bbox_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="commune") | Q(insee_code__isnull=True),
                name="org_insee_only_for_communes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_commune(self) -> bool:
        return self.kind == self.Kind.COMMUNE


class Team(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="teams"
    )
    slug = models.SlugField(_("identifiant"), max_length=80)
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("e-mail de l'équipe"), blank=True)

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="team_slug_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} — {self.name}"


class Membership(TimeStampedModel):
    """An agent in a team, with a role."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        MANAGER = "manager", _("Responsable d'équipe")
        DESIGNER = "designer", _("Concepteur de services")
        SUPPORT = "support", _("Agent d'assistance")
        # Reviews who read what the organisation holds (core.AccessRecord, /backoffice/audit/).
        AUDITOR = "auditor", _("Auditeur")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("appartenance à une équipe")
        verbose_name_plural = _("appartenances aux équipes")
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.team} ({self.get_role_display()})"


class CompetenceRule(TimeStampedModel):
    """Who handles what where: (subject, territory) -> organisation + team.

    ``subject`` is a dotted key for a service or a category (``publicspace.roads``); a rule on
    ``publicspace.roads`` also covers ``publicspace.roads.pothole``. ``commune`` empty means the
    whole metropolitan territory. The most specific rule wins (see ``competence_resolve``).
    """

    subject = models.CharField(_("service ou catégorie"), max_length=150, db_index=True)
    commune = models.ForeignKey(
        Organisation,
        verbose_name=_("territoire (commune)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.COMMUNE},
        help_text=_("Vide : tout le territoire métropolitain."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation compétente"),
        on_delete=models.CASCADE,
        related_name="competences",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="competences"
    )
    #: Why this organisation handles it, told to the person on their case page: French, and
    #: English for the English pages (empty: the French one).
    reason = models.CharField(
        _("pourquoi (en français)"),
        max_length=300,
        blank=True,
        help_text=_("Par exemple : l'entretien des voies est une compétence de la Métropole."),
    )
    reason_en = models.CharField(_("pourquoi (en anglais)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("règle de compétence")
        verbose_name_plural = _("règles de compétence")
        ordering = ["subject", "commune__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "commune"], name="competence_unique_per_commune"
            ),
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(commune__isnull=True),
                name="competence_unique_territory_wide",
            ),
        ]

    def __str__(self) -> str:
        where = self.commune.name if self.commune_id else _("tout le territoire")
        return f"{self.subject} @ {where} → {self.team}"


class AddressStreet(models.Model):
    """A street (BAN's "voie", or a named place) of a commune: what an address search matches
    its words against. ``search_key`` is the folded street name, postcode and commune name,
    each word preceded by a space (``" grande rue 69600 oullins"``), so that a word prefix is
    ``LIKE '% gra%'``. Built by ``territory.addresses.addresses_import``."""

    key = models.CharField(_("clé de la voie"), max_length=40, unique=True)
    department = models.CharField(_("département"), max_length=3)
    insee_code = models.CharField(_("code INSEE"), max_length=5)
    name = models.CharField(_("nom de la voie"), max_length=200)
    postcode = models.CharField(_("code postal"), max_length=5)
    commune_name = models.CharField(_("commune"), max_length=100)
    search_key = models.CharField(max_length=400)
    # Mean position of its addresses: where a street chosen without a number is placed.
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)

    class Meta:
        verbose_name = _("voie")
        verbose_name_plural = _("voies")
        indexes = [
            models.Index(fields=["department"], name="street_department_idx"),
            models.Index(fields=["insee_code"], name="street_insee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.postcode} {self.commune_name}"


class Address(models.Model):
    """One address of the national address base (BAN, Licence Ouverte), imported per
    department by ``addresses_import``. ``ban_id`` is BAN's ``id`` (its interoperability key,
    ``69149_0420_00012``), also the ``address_id`` of Open311."""

    ban_id = models.CharField(_("identifiant BAN"), max_length=50, unique=True)
    street = models.ForeignKey(
        AddressStreet, verbose_name=_("voie"), on_delete=models.CASCADE, related_name="addresses"
    )
    department = models.CharField(_("département"), max_length=3)
    number = models.PositiveIntegerField(_("numéro"), null=True)
    suffix = models.CharField(_("indice de répétition"), max_length=10, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # The import that last wrote the row: a re-import removes the rows it did not write.
    import_run = models.CharField(max_length=32, editable=False)

    class Meta:
        verbose_name = _("adresse")
        verbose_name_plural = _("adresses")
        indexes = [
            models.Index(fields=["street", "number"], name="address_street_number_idx"),
            models.Index(fields=["lat", "lon"], name="address_latlon_idx"),
            models.Index(fields=["department", "import_run"], name="address_import_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        street = self.street
        number = " ".join(p for p in (str(self.number or ""), self.suffix) if p)
        line = f"{number} {street.name}" if number else street.name
        return f"{line}, {street.postcode} {street.commune_name}"


class AddressStreetWord(models.Model):
    """One word of a street's ``search_key``: the B-tree index the search starts from (its
    most telling word, as a prefix range), before the other words are checked on the few
    streets found. Rewritten for the department by each ``addresses_import``."""

    street = models.ForeignKey(AddressStreet, on_delete=models.CASCADE, related_name="words")
    word = models.CharField(max_length=60)

    class Meta:
        indexes = [models.Index(fields=["word", "street"], name="street_word_idx")]

    def __str__(self) -> str:
        return self.word
