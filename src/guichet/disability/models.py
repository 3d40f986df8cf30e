"""Disability files (MDPH): the file beside its case, its encrypted pieces, the house's named
agents, filing drafts and the purge log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.disability import rules


class HouseGrant(models.Model):
    """A named agent of the house, and what their role lets them see. Without a grant, an
    agent of the house (and any other agent, and the platform admin) sees no file: 404."""

    class Role(models.TextChoices):
        RECEPTION = "reception", _("Accueil et recevabilité")
        EVALUATION = "evaluation", _("Équipe pluridisciplinaire d'évaluation")
        DOCTOR = "doctor", _("Médecin")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="disability_grants"
    )
    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.CASCADE, related_name="disability_grants"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("habilitation aux dossiers MDMPH")
        verbose_name_plural = _("habilitations aux dossiers MDMPH")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="disability_grant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation_id} ({self.role})"


class DisabilityFile(models.Model):
    """What a disability case holds beyond the generic case (Cerfa 15692 sections). The case's
    own ``data`` stays empty: nothing of this reaches the generic search text or pages."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Demande")
        APPEAL = "appeal", _("Recours administratif préalable (RAPO)")

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="disability_file"
    )
    organisation = models.ForeignKey(
        "territory.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REQUEST)
    appeal_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filed_on = models.DateField(_("déposé le"))
    # Identity of the person concerned (the requester, or the person they act for).
    person_first_name = models.CharField(_("prénom"), max_length=150)
    person_last_name = models.CharField(_("nom"), max_length=150)
    person_birth_date = models.DateField(_("date de naissance"))
    represented = models.BooleanField(_("déposé par un représentant"), default=False)
    relationship = models.CharField(max_length=20, blank=True)
    protected_adult = models.BooleanField(_("majeur protégé"), default=False)
    # Situation.
    daily_life = models.TextField(_("vie quotidienne"), blank=True)
    schooling_or_work = models.TextField(_("scolarité ou emploi"), blank=True)
    caregiver = models.TextField(_("aidant familial"), blank=True)
    rights = models.JSONField(_("droits demandés"), default=list)
    appeal_reason = models.TextField(_("motifs du recours"), blank=True)
    certificate_issued_on = models.DateField(_("date du certificat médical"), null=True)
    silence_date = models.DateField(_("date de décision implicite"), null=True)
    silence_alert_sent_at = models.DateTimeField(null=True, blank=True)
    plan_proposed_on = models.DateField(null=True, blank=True)
    plan_comment = models.TextField(blank=True)
    plan_commented_at = models.DateTimeField(null=True, blank=True)
    decision_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("dossier MDMPH")
        verbose_name_plural = _("dossiers MDMPH")
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="disability_org_recent_idx"),
            models.Index(
                fields=["silence_date"],
                name="disability_silence_idx",
                condition=models.Q(silence_alert_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"file {self.pk}"

    @property
    def person_name(self) -> str:
        return f"{self.person_first_name} {self.person_last_name}".strip()

    @property
    def plan_comment_until(self):
        if self.plan_proposed_on is None:
            return None
        from datetime import timedelta

        return self.plan_proposed_on + timedelta(days=rules.PLAN_COMMENT_DAYS)

    @property
    def appeal_until(self):
        if self.decision_notified_on is None:
            return None
        return rules.appeal_deadline(self.decision_notified_on)

    def rights_labels(self) -> list[str]:
        return [str(rules.RIGHTS.get(code, code)) for code in self.rights]


class FilingDraft(models.Model):
    """A request being filled in, resumed later (its pieces are already encrypted)."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="disability_drafts"
    )
    dependant = models.ForeignKey(
        "accounts.Dependant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"draft {self.token}"


class Piece(models.Model):
    """A piece of a file (or of a draft), stored encrypted (``disability.crypto``). Its
    original file name is not kept (it may name a diagnosis): it is shown by its type."""

    file = models.ForeignKey(
        DisabilityFile, null=True, blank=True, on_delete=models.CASCADE, related_name="pieces"
    )
    draft = models.ForeignKey(
        FilingDraft, null=True, blank=True, on_delete=models.CASCADE, related_name="pieces"
    )
    kind = models.CharField(
        _("type de pièce"), max_length=30, choices=[(k, v) for k, v in rules.PIECE_KINDS.items()]
    )
    issued_on = models.DateField(_("date du document"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the wallet document this piece is a copy of (picked, or an upload kept there): its
    #: use is recorded against the case once the file is filed
    wallet_document = models.ForeignKey(
        "wallet.WalletDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    storage_name = models.CharField(max_length=200, editable=False)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"piece {self.pk} ({self.kind})"

    @property
    def is_medical(self) -> bool:
        return self.kind in rules.MEDICAL_KINDS

    @property
    def download_name(self) -> str:
        extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
        return f"{self.kind}-{self.pk}{extension.get(self.content_type, '.bin')}"


class PurgeRecord(models.Model):
    """What the retention purge removed: identifiers, types and dates, never the content."""

    purged_at = models.DateTimeField(default=timezone.now, db_index=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=20)  # "file", "piece", "draft"
    object_id = models.BigIntegerField()
    case_reference = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=30, blank=True)
    created_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    retention_days = models.PositiveIntegerField()

    class Meta:
        ordering = ["-purged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} purged {self.purged_at:%Y-%m-%d}"
