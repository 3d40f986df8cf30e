from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel
from guichet.territory.models import commune_where, organisation_in_charge


class Category(TimeStampedModel):
    """A kind of problem in public space, in a tree (roads > pothole).

    ``subject`` is the competence key routed by the territory's competence rules
    (``publicspace.roads.pothole`` is covered by a rule on ``publicspace.roads``). ``code`` is the
    Open311 ``service_code``. A category may give guidance instead of a form (``guidance_only``:
    "danger: call 112"). ``questions`` are its extra questions, in Open311 attribute form:
    ``{"code", "datatype", "required", "description", "datatype_description", "order",
    "values": [{"key", "name"}]}`` (see ``publicspace.questions``).
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("catégorie parente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code (Open311)"), max_length=60, unique=True)
    subject = models.CharField(_("clé de compétence"), max_length=150, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("mots-clés"), max_length=300, blank=True)
    guidance = models.TextField(_("consigne affichée"), blank=True)
    guidance_only = models.BooleanField(
        _("consigne seulement (pas de signalement)"),
        default=False,
        help_text=_(
            "Affiche la consigne au lieu du formulaire (ex. : « danger : appelez le 112 »)."
        ),
    )
    questions = models.JSONField(_("questions complémentaires"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catégorie de signalement")
        verbose_name_plural = _("catégories de signalement")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def is_reportable(self) -> bool:
        """Leaves that are not guidance-only take reports."""
        return self.is_active and not self.guidance_only


class State(models.TextChoices):
    """The statuses of the ``publicspace`` service's workflow (its definition,
    ``data/publicspace.json``, holds them with their transitions); a report's state is its
    case's status."""

    OPEN = "open", _("Nouveau")
    ACKNOWLEDGED = "acknowledged", _("Pris en compte")
    IN_PROGRESS = "in_progress", _("En cours de traitement")
    PLANNED = "planned", _("Intervention programmée")
    FIXED = "fixed", _("Résolu")
    NOT_COMPETENT = "not_competent", _("Hors de notre compétence")
    DUPLICATE = "duplicate", _("Doublon")
    NO_ACTION = "no_action", _("Classé sans suite")
    HIDDEN = "hidden", _("Masqué")


class Report(models.Model):
    """A report on public space: the public face of a ``cases.Case`` of the ``publicspace``
    service (the case holds the requester, the original text, files and history)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("demande"), on_delete=models.CASCADE, related_name="report"
    )
    # a copy of the case's reference, which never changes: public links look reports up by it
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("catégorie"), on_delete=models.PROTECT, related_name="reports"
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    # BAN id of the address chosen from the index (territory.Address), when one was.
    address_id = models.CharField(_("identifiant BAN de l'adresse"), max_length=50, blank=True)
    commune = commune_where("reports_located")
    # Copies of three facts of the case for the indexes of the public lists (Open311, the
    # reports nearby), kept equal to the case in the same transaction by
    # ``services.report_case_follow`` (ADR 0024); the case stays the truth.
    organisation = organisation_in_charge("+")
    is_open = models.BooleanField(_("ouvert"), default=True)
    is_public = models.BooleanField(_("visible du public"), default=True)
    public_description = models.TextField(_("texte public (modéré)"), blank=True)
    status_notes = models.TextField(_("dernier message public"), blank=True)
    answers = models.JSONField(_("réponses aux questions"), default=dict, blank=True)
    show_name = models.BooleanField(_("nom affiché au public"), default=False)
    public_name = models.CharField(_("nom public"), max_length=100, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("doublon de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    created_at = models.DateTimeField(_("créé le"))
    updated_at = models.DateTimeField(_("mis à jour le"))
    fixed_at = models.DateTimeField(null=True, blank=True)
    questionnaire_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        indexes = [
            # open reports of a category nearby: bounding box on latitude then longitude
            models.Index(
                fields=["category", "is_open", "latitude", "longitude"], name="report_near_idx"
            ),
            models.Index(fields=["created_at"], name="report_created_idx"),
            # Open311 lists filtered by service code or by organisation, newest first
            models.Index(fields=["category", "created_at"], name="report_category_created_idx"),
            models.Index(fields=["organisation", "created_at"], name="report_org_idx"),
            models.Index(fields=["updated_at"], name="report_updated_idx"),
            models.Index(fields=["commune", "created_at"], name="report_commune_idx"),
            models.Index(fields=["latitude", "longitude"], name="report_latlon_idx"),
            models.Index(
                fields=["fixed_at"],
                name="report_questionnaire_idx",
                condition=models.Q(questionnaire_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.case.reference if self.case_id else "—"

    # The state is the case's status, read through the case (select_related("case")).
    @property
    def state(self) -> str:
        return self.case.status

    @property
    def state_label(self) -> str:
        return State(self.case.status).label


def photo_thumbnail_path(instance: "ReportPhoto", filename: str) -> str:
    return f"publicspace/thumbs/{instance.report_id}/{filename}"


class ReportPhoto(models.Model):
    """A photo of a report: the cleaned image is a case attachment (kept for agents even when
    hidden from the public) with a small thumbnail for lists and maps."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField(
        "cases.CaseAttachment", on_delete=models.CASCADE, related_name="report_photo"
    )
    thumbnail = models.FileField(upload_to=photo_thumbnail_path, max_length=200)
    hidden = models.BooleanField(_("masquée au public"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("photo de signalement")
        verbose_name_plural = _("photos de signalement")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.report} #{self.order}"


class ReportSubscription(models.Model):
    """Someone following a report ("this is my problem too"): notified of its updates."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("abonnement à un signalement")
        verbose_name_plural = _("abonnements à un signalement")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                name="report_subscription_user_unique",
                condition=models.Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["report", "email"],
                name="report_subscription_email_unique",
                condition=models.Q(user__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} ← {self.user or self.email}"


class ReportUpdate(models.Model):
    """A public update of a report (state change with its public comment): the public
    timeline and Open311's ``servicerequestupdates``."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    state = models.CharField(max_length=20, choices=State.choices)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} → {self.state}"


class Alert(models.Model):
    """A subscription to new reports in a circle around a point or in a commune."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_alerts"
    )
    commune = commune_where("report_alerts", on_delete=models.CASCADE)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("rayon (m)"), null=True, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alerte signalements")
        verbose_name_plural = _("alertes signalements")
        indexes = [models.Index(fields=["commune"], name="alert_commune_idx")]

    def __str__(self) -> str:
        return f"{self.user} — {self.commune or f'{self.radius_m} m'}"
