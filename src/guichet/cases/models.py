"""Cases: one record per request whatever the channel, its history, messages, notes, files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Dependant
from guichet.core.models import TimeStampedModel
from guichet.territory.models import commune_where, organisation_in_charge


class Channel(models.TextChoices):
    WEB = "web", _("Site web")
    APP = "app", _("Application")
    PHONE = "phone", _("Téléphone")
    COUNTER = "counter", _("Accueil physique")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Courrier")
    API = "api", _("API partenaire")
    SYSTEM = "system", _("Automatique")


class ReferenceCounter(models.Model):
    """The last number given for (prefix, year); incremented under a row lock."""

    prefix = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


def citizen_label_text(label: str) -> str:
    """A status's citizen label in the active language: the demo services' labels have an
    English version in the catalogue; a label a designer wrote is shown as written."""
    return gettext(label) if label else label


class Case(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # unique by the case_reference_unique constraint (no LIKE index: references are looked up
    # whole; the search reads search_text)
    reference = models.CharField(_("référence"), max_length=20)
    definition = models.ForeignKey(
        "services.ServiceDefinition",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    version = models.ForeignKey(
        "services.ServiceVersion",
        verbose_name=_("version du service"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    channel = models.CharField(_("canal"), max_length=20, choices=Channel.choices)
    # Who asked: an account, or contact details and a tracking code (stored hashed).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,  # case_requester_idx starts with it
    )
    contact_name = models.CharField(_("nom du demandeur"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail du demandeur"), blank=True)
    contact_phone = models.CharField(_("téléphone du demandeur"), max_length=30, blank=True)
    #: When the person (without an account) agreed to be followed by SMS on ``contact_phone``
    #: (then a mobile number in E.164), as recorded by the agent who filed for them.
    contact_sms_consent_at = models.DateTimeField(
        _("accord pour le suivi par SMS"), null=True, blank=True
    )
    tracking_hash = models.CharField(max_length=64, blank=True, editable=False)
    #: True when the contact e-mail is only what an incoming mail's ``From:`` claimed (a case
    #: opened by the mail gateway): anyone can forge it, agents are told so.
    contact_unverified = models.BooleanField(_("adresse non vérifiée"), default=False)
    #: The secret of the case's reply address (``<local>+<token>@<domain>``, the ``Reply-To`` of
    #: the mails sent to its citizen): a mail to it joins the case (mailgateway). Random, 160
    #: bits; given on first use and replaced by ``case_reply_token_rotate``.
    reply_token = models.CharField(max_length=40, blank=True, editable=False)
    # For whom, when the requester acts for someone else (accounts.Dependant): a snapshot, so
    # the record stays true if the person is later edited or removed from the list (ADR 0010).
    beneficiary_name = models.CharField(_("demande faite pour"), max_length=300, blank=True)
    beneficiary_relationship = models.CharField(
        _("lien avec le demandeur"),
        max_length=20,
        blank=True,
        choices=Dependant.Relationship.choices,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_filed",
        db_index=False,  # case_filed_by_idx, partial
    )
    partner_key = models.ForeignKey(
        "PartnerApiKey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,  # case_partner_key_idx, partial
    )
    data = models.JSONField(_("données"), default=dict)
    # Where: optional point and address; the commune decides routing.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    commune = commune_where("cases_located")
    # Who handles it (no index of its own: case_org_created_idx starts with it).
    organisation = organisation_in_charge("cases", db_index=False)
    team = models.ForeignKey(
        "territory.Team",
        verbose_name=_("équipe"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # case_team_open_idx starts with it
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent attributaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_assigned",
        db_index=False,  # case_assignee_idx starts with it
    )
    status = models.CharField(_("statut"), max_length=50)
    is_closed = models.BooleanField(_("clos"), default=False)
    status_entered_at = models.DateTimeField()
    deadline = models.DateTimeField(_("échéance"), null=True, blank=True)
    timer_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Denormalised text for the full-text filter (reference, contact, subject, data values).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at"]
        # The foreign keys that lead one of these indexes have no index of their own
        # (migration 0004): one index less to update per case for each, same lookups.
        indexes = [
            # agent queues: team x status x recency, and the mine / unassigned / overdue queues
            models.Index(fields=["team", "is_closed", "created_at"], name="case_team_open_idx"),
            models.Index(fields=["team", "status", "created_at"], name="case_team_status_idx"),
            models.Index(fields=["organisation", "created_at"], name="case_org_created_idx"),
            # the "mine" queue; new cases have no assignee: nothing to write for them
            models.Index(
                fields=["assignee", "is_closed", "created_at"],
                name="case_assignee_idx",
                condition=Q(assignee__isnull=False),
            ),
            models.Index(
                fields=["organisation", "is_closed", "deadline"], name="case_deadline_idx"
            ),
            models.Index(fields=["requester", "created_at"], name="case_requester_idx"),
            # open cases of an organisation by recency: the queue pages (team, unassigned)
            # and their capped counts read it without touching closed cases, nor the rows (the
            # service is there for the policy's exclusion of restricted services)
            models.Index(
                fields=["organisation", "-created_at", "-id"],
                name="case_org_open_recent_idx",
                include=["team", "assignee", "definition"],
                condition=Q(is_closed=False),
            ),
            models.Index(
                fields=["timer_due_at"],
                name="case_timer_idx",
                condition=Q(timer_due_at__isnull=False),
            ),
            # Most cases are filed by the citizen, online: these foreign keys are empty on
            # them, and partial indexes cost nothing to write for those (the lookups that use
            # them, an agent's or a partner key's cases and their deletion, are on set values).
            models.Index(
                fields=["filed_by"],
                name="case_filed_by_idx",
                condition=Q(filed_by__isnull=False),
            ),
            models.Index(
                fields=["partner_key"],
                name="case_partner_key_idx",
                condition=Q(partner_key__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="case_reference_unique"),
            models.UniqueConstraint(
                fields=["reply_token"],
                name="case_reply_token_unique",
                condition=~Q(reply_token=""),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    @property
    def workflow(self) -> dict:
        """The workflow of the case's version: the loaded version if any, else the per-process
        cache of published versions (immutable), so that lists need not join the versions'
        JSON documents."""
        if type(self).version.is_cached(self):
            return self.version.workflow
        from guichet.catalogue.selectors import version_cached

        return version_cached(self.version_id).workflow

    def status_def(self) -> dict:
        return next(
            (s for s in self.workflow["statuses"] if s["key"] == self.status),
            {"key": self.status, "label": self.status, "citizen_label": self.status},
        )

    @property
    def status_label(self) -> str:
        return self.status_def()["label"]

    @property
    def citizen_status_label(self) -> str:
        return citizen_label_text(self.status_def()["citizen_label"])

    @property
    def requester_display(self) -> str:
        if self.requester_id:
            user = self.requester
            name = f"{user.first_name} {user.last_name}".strip()
            return name or user.email
        return self.contact_name or self.contact_email or self.contact_phone or "—"


class CaseEvent(models.Model):
    """Append-only history: what happened, who did it, when, through which channel."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Demande déposée")
        ROUTED = "routed", _("Orientée")
        TRANSITION = "transition", _("Changement de statut")
        ASSIGNED = "assigned", _("Attribution")
        DEADLINE = "deadline", _("Échéance")
        MESSAGE = "message", _("Message")
        NOTE = "note", _("Note interne")
        ATTACHMENT = "attachment", _("Pièce jointe")
        NOTIFIED = "notified", _("Notification")
        WEBHOOK = "webhook", _("Appel webhook")
        DOCUMENT = "document", _("Document généré")
        TIMER = "timer", _("Délai écoulé")
        PREPARED = "prepared", _("Préparée avec")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status_from = models.CharField(max_length=50, blank=True)
    status_to = models.CharField(max_length=50, blank=True)
    #: shown on the citizen timeline
    public = models.BooleanField(default=False)
    #: a short, human summary (in French, in the language of the actor)
    summary = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("historique")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseMessage(models.Model):
    """A message between the citizen and the agents (the citizen sees all of them)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_citizen = models.BooleanField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    body = models.TextField()
    #: Message-ID of an e-mail received by ingest_mail (not processed twice)
    email_message_id = models.CharField(max_length=300, blank=True, db_index=True)
    #: the ``From:`` of that e-mail, as claimed (never trusted: the reply address decides)
    email_sender = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} message {self.pk}"


class CaseNote(models.Model):
    """An internal note between agents: never shown to the citizen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} note {self.pk}"


class ScanState(models.TextChoices):
    PENDING = "pending", _("en cours d'analyse")
    CLEAN = "clean", _("sain")
    INFECTED = "infected", _("refusé par l'antivirus")
    ERROR = "error", _("analyse impossible")


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    return f"cases/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class CaseAttachment(models.Model):
    """A file of a case (form field, message, generated document) or of a draft."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    draft = models.ForeignKey(
        "CaseDraft", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        CaseMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    field_key = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    #: generated by the workflow (document action) rather than uploaded
    generated = models.BooleanField(default=False)
    #: visible to the citizen (false for internal documents)
    public = models.BooleanField(default=True)
    #: the antivirus verdict (``core.antivirus``): only a clean file is ever served; without
    #: an antivirus configured, an upload is clean once the upload checks passed
    scan_state = models.CharField(max_length=10, choices=ScanState.choices, default=ScanState.CLEAN)
    #: the signature found, or clamd's error
    scan_detail = models.CharField(max_length=200, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # the periodic rescan reads the few pending files only
            models.Index(
                fields=["created_at"],
                condition=models.Q(scan_state="pending"),
                name="cases_attachment_pending_scan",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {
            "application/pdf": ".pdf",
            "image/jpeg": ".jpg",
            "image/png": ".png",
            "image/webp": ".webp",
            "text/plain": ".txt",
        }.get(self.content_type, ".bin")


class CaseDraft(TimeStampedModel):
    """A citizen form being filled in, page by page, resumed later."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_drafts",
    )
    version = models.ForeignKey(
        "services.ServiceVersion", on_delete=models.CASCADE, related_name="drafts"
    )
    commune = models.ForeignKey(
        "territory.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)
    page = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"draft {self.token}"


class PartnerApiKey(TimeStampedModel):
    """An API key of a partner application, scoped to one organisation. Only its hash is kept;
    the key is shown once at creation (``prefix.secret``)."""

    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("nom"), max_length=200)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'API partenaire")
        verbose_name_plural = _("clés d'API partenaires")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class SavedFilter(TimeStampedModel):
    """A back-office filter saved by an agent (the query string of the queue)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_filters"
    )
    name = models.CharField(_("nom"), max_length=100)
    query = models.CharField(max_length=1000)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
