"""Base models shared by every app: audit log, data access records, idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class AccessRecord(models.Model):
    """One agent read of personal data: who read what, when, through which door, for which
    organisation. Append-only, written by ``core.access.access_record`` only (one INSERT).

    The audit log (``AuditEntry``) traces changes; this traces reads, which are a hundred
    times more frequent: no JSON, no foreign key but the reader's, and only the indexes the
    auditor's three questions need (an organisation's reads, a case's, an agent's, each
    newest first). A case or an attachment is kept by id and reference, not by foreign key:
    the trace of a read outlives the case (erasure) and its write costs no lookup.
    """

    class Door(models.TextChoices):
        CASE_VIEW = "case.view", _("Demande consultée (espace agent)")
        CASE_API_VIEW = "case.api_view", _("Demande lue par l'API")
        CASE_LIST = "case.list", _("Liste de demandes")
        CASE_API_LIST = "case.api_list", _("Liste de demandes lue par l'API")
        SEARCH = "search", _("Recherche")
        ATTACHMENT_DOWNLOAD = "attachment.download", _("Pièce jointe téléchargée")
        EXPORT_CSV = "export.csv", _("Export CSV")
        EXPORT_GEOJSON = "export.geojson", _("Export GeoJSON")
        PERSON_VIEW = "person.view", _("Vue 360° d'un usager")
        REPORT_VIEW = "report.view", _("Signalement consulté (espace agent)")
        REPORT_LIST = "report.list", _("Liste de signalements")
        AUDIT_EXPORT = "audit.export", _("Export du journal des accès")

    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        # An erased agent's reads stay traced: the label below keeps who it was.
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # access_actor_idx leads with it
    )
    actor_label = models.CharField(_("agent (au moment de l'accès)"), max_length=300)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    door = models.CharField(_("accès"), max_length=40, choices=Door.choices)
    object_type = models.CharField(_("type d'objet"), max_length=100, blank=True)
    object_id = models.CharField(_("identifiant d'objet"), max_length=64, blank=True)
    case_id = models.BigIntegerField(_("demande (identifiant)"), null=True, blank=True)
    case_reference = models.CharField(_("référence de la demande"), max_length=20, blank=True)
    attachment_id = models.BigIntegerField(_("pièce jointe (identifiant)"), null=True, blank=True)
    query = models.CharField(_("recherche ou filtres"), max_length=500, blank=True)
    count = models.PositiveIntegerField(_("nombre de lignes"), null=True, blank=True)
    method = models.CharField(_("méthode"), max_length=8, blank=True)
    path = models.CharField(_("chemin"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("accès aux données")
        verbose_name_plural = _("journal des accès aux données")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organisation_id", "-at"], name="access_org_idx"),
            models.Index(
                fields=["organisation_id", "case_reference", "-at"], name="access_org_case_idx"
            ),
            models.Index(fields=["actor", "-at"], name="access_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.door} {self.actor_label}"


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
