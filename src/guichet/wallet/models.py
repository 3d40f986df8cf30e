"""The document wallet ("tell us once"): documents a person keeps in their space, and the
record of which case used which document."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.cases.models import ScanState
from guichet.wallet.types import Validity, document_type_choices, document_validity


def wallet_path(instance: WalletDocument, filename: str) -> str:
    # the name says nothing of the person or the document; the content is encrypted
    return f"wallet/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.bin"


class WalletDocument(models.Model):
    """A document a person keeps: its type (``wallet.types``), issue and expiry dates, and its
    file, checked like every upload (``core.uploads``), scanned, and encrypted at rest
    (``wallet.crypto``, with the owner's id as associated data)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_documents"
    )
    #: whom the document is about when it is not the owner: a person they act for
    dependant = models.ForeignKey(
        "accounts.Dependant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("concerne"),
    )
    document_type = models.CharField(
        _("type de document"), max_length=40, choices=document_type_choices()
    )
    title = models.CharField(_("intitulé"), max_length=200)
    issued_on = models.DateField(_("date d'émission"))
    expires_on = models.DateField(_("date d'expiration"), null=True, blank=True)
    #: health data (GDPR art. 9), copied from the type: kept only on the person's choice
    is_health = models.BooleanField(default=False)
    file = models.FileField(upload_to=wallet_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    #: of the clear content (the file a case receives has the same)
    sha256 = models.CharField(max_length=64)
    scan_state = models.CharField(max_length=10, choices=ScanState.choices, default=ScanState.CLEAN)
    scan_detail = models.CharField(max_length=200, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document_type", "-issued_on", "-id"]
        indexes = [models.Index(fields=["owner", "document_type"], name="wallet_doc_owner_type")]

    def __str__(self) -> str:
        return self.title

    def validity_on(self, day: datetime.date) -> Validity:
        """Whether the document is valid on ``day`` by its type's rule (with the reason)."""
        return document_validity(
            self.document_type, issued_on=self.issued_on, expires_on=self.expires_on, on=day
        )


class WalletDocumentUse(models.Model):
    """A use of a wallet document: a copy was attached to a case (or to a draft, which becomes
    a case when sent). Kept when the document is deleted, without the file: the person still
    sees which service received what."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_uses"
    )
    document = models.ForeignKey(
        WalletDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="uses"
    )
    #: what the document was, kept after its deletion
    document_type = models.CharField(max_length=40, choices=document_type_choices())
    document_title = models.CharField(max_length=200)
    #: the copy on the case (or draft); the case is read through it (or ``case`` below)
    attachment = models.ForeignKey(
        "cases.CaseAttachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the case, for a service that keeps its pieces outside the attachments (disability)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service_name = models.CharField(max_length=200, blank=True)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-used_at", "-id"]
        indexes = [models.Index(fields=["owner", "-used_at"], name="wallet_use_owner_time")]

    def __str__(self) -> str:
        return f"{self.document_title} — {self.service_name}"

    @property
    def used_by_case(self):
        """The case that used the document (``None`` while its draft is not sent)."""
        if self.case_id:
            return self.case
        return self.attachment.case if self.attachment_id and self.attachment.case_id else None
