"""Notifications: the in-app centre, an outbox of deliveries per channel, preferences,
subscriptions by topic and area, web push subscriptions and broadcast alerts.

The ``Delivery`` table is the outbox and the source of truth: a row is written in the same
transaction as the change that causes it, and workers claim rows one small leased batch at a
time (see ``outbox.py``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Notification push")


class Branding(TimeStampedModel):
    """How an organisation's messages look: name shown, colour, logo."""

    organisation = models.OneToOneField(
        "territory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="notification_branding",
    )
    display_name = models.CharField(_("nom affiché"), max_length=200, blank=True)
    colour = models.CharField(
        _("couleur principale"),
        max_length=7,
        default="#00458c",
        help_text=_("Code hexadécimal, par exemple #00458c (contraste suffisant avec le blanc)."),
    )
    logo_url = models.URLField(_("adresse du logo"), blank=True)
    signature = models.TextField(_("signature des messages"), blank=True)

    class Meta:
        verbose_name = _("charte des messages")
        verbose_name_plural = _("chartes des messages")

    def __str__(self) -> str:
        return self.display_name or str(self.organisation)


class Broadcast(TimeStampedModel):
    """An alert sent by an agent to every subscriber of a commune or an area."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        FANNING_OUT = "fanning_out", _("Distribution en cours")
        DONE = "done", _("Distribuée")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("organisation émettrice"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    commune = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An optional circle inside the commune; empty means the whole commune.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("rayon (m)"), null=True, blank=True)
    topic = models.CharField(_("thème"), max_length=100)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("message"))
    channels = models.JSONField(_("canaux"), default=list)
    # Rendered once, shared by every delivery of the broadcast.
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    sms_text = models.TextField(blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    # Fan-out cursor: subscriptions with a larger id are still to be processed.
    cursor = models.BigIntegerField(default=0)
    recipients_count = models.PositiveIntegerField(_("destinataires"), default=0)

    class Meta:
        verbose_name = _("alerte diffusée")
        verbose_name_plural = _("alertes diffusées")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """Something that happened for one person: shown in the notification centre and delivered
    on the chosen channels. ``recipient`` is empty for a person without an account (``contact``
    then holds their e-mail / phone)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notif_recipient_recent_idx leads with it
    )
    contact = models.JSONField(_("contact sans compte"), default=dict, blank=True)
    organisation = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topic = models.CharField(_("thème"), max_length=100, db_index=True)
    template = models.CharField(_("modèle"), max_length=100, blank=True)
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # Rendered at creation, so the message says what was true when it happened. Empty for a
    # broadcast, whose content is rendered once on the Broadcast row.
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body_text = models.TextField(_("texte"), blank=True)
    body_html = models.TextField(blank=True)
    sms_text = models.TextField(blank=True)
    summary = models.TextField(_("texte affiché dans l'espace"), blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notif_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            # the notification centre: a person's latest first, and their count, without
            # reading and sorting years of notifications
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notif_recipient_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.broadcast.subject if self.broadcast_id else self.subject

    @property
    def text(self) -> str:
        """The text of the notification centre (without the e-mail's links and signature)."""
        if self.broadcast_id:
            return self.broadcast.body
        return self.summary or self.body_text


class Delivery(models.Model):
    """One message to send on one channel: the outbox row.

    ``pending`` rows due at ``next_attempt_at`` are claimed by a worker (``sending`` with a
    lease); the worker marks each ``sent`` right after the server accepted it. A row whose lease
    expired (the worker died) goes back to ``pending`` and is sent again with the same
    ``message_id``, so at most that one message can reach a person twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyée")
        FAILED = "failed", _("En échec")
        CANCELLED = "cancelled", _("Annulée")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("destinataire"), max_length=1000)
    push_subscription = models.ForeignKey(
        "PushSubscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    lease_expires_at = models.DateTimeField(_("réservée jusqu'à"), null=True, blank=True)
    worker_id = models.CharField(_("worker"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at", "-id"]
        indexes = [
            # In the claim's order (next_attempt_at, id): a claim reads its hundred rows off
            # the index instead of sorting every pending row (a broadcast's 100,000 share a
            # few next_attempt_at values: 28 ms a claim, sorted on disk).
            models.Index(
                fields=["channel", "next_attempt_at", "id"],
                name="delivery_due_order_idx",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="delivery_lease_idx",
                condition=Q(status="sending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to} ({self.get_status_display()})"


class Preference(models.Model):
    """A person's choice for one (topic, channel); no row means the topic's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    topic = models.CharField(_("thème"), max_length=100)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("activé"))

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic", "channel"], name="notif_pref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.topic}/{self.channel}={self.enabled}"


class ContactSettings(models.Model):
    """Where to reach a person beyond their login e-mail (SMS is never a login factor)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_contact"
    )
    mobile_phone = models.CharField(_("téléphone mobile (SMS)"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("coordonnées de notification")
        verbose_name_plural = _("coordonnées de notification")

    def __str__(self) -> str:
        return str(self.user)


class Subscription(TimeStampedModel):
    """A person follows a topic in a commune, or in a circle around a point."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_subscriptions",
    )
    topic = models.CharField(_("thème"), max_length=100)
    # The commune followed, or, for a circle, the commune that contains its centre (which is how
    # a broadcast to a commune finds it).
    commune = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("rayon (m)"), null=True, blank=True)
    label = models.CharField(_("nom du lieu"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        indexes = [models.Index(fields=["topic", "commune", "id"], name="notif_sub_fanout_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.topic} @ {self.commune}"

    @property
    def is_circle(self) -> bool:
        return self.radius_m is not None


class PushSubscription(TimeStampedModel):
    """A browser's Web Push endpoint for a person (one per device)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("adresse du service push"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("abonnement push")
        verbose_name_plural = _("abonnements push")

    def __str__(self) -> str:
        return f"{self.user} {self.endpoint[:40]}"
