"""Webhooks: an organisation's endpoints, the outbox of calls to them and the log of attempts.

The tables keep the names they had when the models lived in ``cases`` (``cases_webhook*``): the
models moved between apps without the data moving (``migrations/0001_initial.py``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel


class WebhookEndpoint(TimeStampedModel):
    """Where an organisation receives webhooks: a workflow's ``webhook`` action names it by
    ``key`` (service definitions stay data; the URL and the secret belong to the organisation).

    Every endpoint has its own signing secret (Standard Webhooks ``whsec_<base64>``), shown to
    the agents once when created or regenerated. After ``WEBHOOK_DISABLE_AFTER_FAILURES``
    failed attempts in a row the endpoint is disabled (``disabled_at``) until an agent of the
    organisation enables it again; its deliveries wait meanwhile."""

    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    key = models.SlugField(_("clé"), max_length=50)
    url = models.URLField(_("adresse"), max_length=500)
    secret = models.CharField(max_length=100, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "cases_webhookendpoint"
        verbose_name = _("point d'accès webhook")
        verbose_name_plural = _("points d'accès webhook")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="webhook_endpoint_org_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.url}"

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None


class WebhookDelivery(models.Model):
    """Outbox of webhook calls: the row is the truth, the worker sends and retries it.
    ``message_id`` is the Standard Webhooks ``webhook-id``, the same on every retry, so the
    receiver can drop a duplicate."""

    class State(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        DONE = "done", _("Envoyé")
        FAILED = "failed", _("Abandonné")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="webhooks")
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        null=True,  # rows made before endpoints existed: never sent (no secret of their own)
    )
    message_id = models.CharField(max_length=40, unique=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        db_table = "cases_webhookdelivery"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.url} ({self.state})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per attempt (status, duration, error, a short excerpt of the
    answer — never the whole body)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "cases_webhookattempt"
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code}"
