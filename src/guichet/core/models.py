"""Base models shared by every app: audit log, worker heartbeats, periodic job schedule."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who did what, when, from where. Append-only: written by ``audit_log`` only."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("type d'objet"), max_length=100, blank=True)
    object_id = models.CharField(_("identifiant d'objet"), max_length=64, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class WorkerHeartbeat(models.Model):
    """One row per running worker, touched every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker")

    def __str__(self) -> str:
        return self.worker_id


class PeriodicJob(models.Model):
    """When each registered periodic job is next due.

    Workers claim a due job with a conditional UPDATE, so with several workers on several
    machines each run happens once.
    """

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("tâche périodique")

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """A submission door's memory of a client-chosen key, so that a retry never files twice.

    Written in the same transaction as what it records (the case, the report): a retry after a
    crash either finds this row with its result or files once. The unique (scope, key) makes a
    concurrent duplicate wait on the first transaction, then read its result.
    """

    scope = models.CharField(_("portée"), max_length=64)  # "user:<pk>" or "anonymous"
    key = models.CharField(_("clé"), max_length=64)
    door = models.CharField(_("point d'entrée"), max_length=40)
    fingerprint = models.CharField(_("empreinte de la requête"), max_length=64)
    result_reference = models.CharField(_("référence du résultat"), max_length=64, blank=True)
    result = models.JSONField(_("résultat"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="core_idempotency_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.door} {self.key}"
