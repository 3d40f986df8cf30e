"""A draft completed with the people its owner invites (a mandated architect for a planning
application): the invitations and the history of a shared draft (docs/sharing.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.cases.models import CaseDraft

#: How long an invitation to complete a draft can be accepted.
DRAFT_INVITATION_DAYS = 14


class CaseDraftCollaborator(models.Model):
    """A person the owner of a draft invited to complete it with them (a mandated architect
    for a planning application). The link sent by e-mail carries a random token kept hashed
    here (``token_hash``), accepted once (``accepted_at``), before ``expires_at``, by the
    account of ``email`` only (``user`` is then recorded). Revoked (``revoked_at``), the link
    and the access die at once. Only the owner submits the draft; a collaborator may mark it
    ready for the owner's signature (``ready_at``)."""

    class Role(models.TextChoices):
        CO_WRITER = "co_writer", _("co-rédacteur")
        ARCHITECT = "architect", _("architecte mandataire")

    draft = models.ForeignKey(CaseDraft, on_delete=models.CASCADE, related_name="collaborators")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CO_WRITER)
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="draft_collaborations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "email"],
                condition=Q(revoked_at__isnull=True),
                name="sharing_collaborator_active_uniq",
            )
        ]
        indexes = [models.Index(fields=["user", "draft"], name="sharing_collab_user_idx")]

    def __str__(self) -> str:
        return f"collaborator {self.pk} of draft {self.draft_id}"

    @property
    def is_active(self) -> bool:
        return self.accepted_at is not None and self.revoked_at is None


class CaseDraftEvent(models.Model):
    """The history of a shared draft: who saved which page, who added which piece, the
    invitations and their fate. Shown to the owner and the collaborators; gone with the draft
    (the filed case keeps who prepared it: a ``prepared`` event of its history)."""

    class Kind(models.TextChoices):
        PAGE_SAVED = "page_saved", _("Page enregistrée")
        PIECE_ADDED = "piece_added", _("Pièce ajoutée")
        INVITED = "invited", _("Invitation envoyée")
        ACCEPTED = "accepted", _("Invitation acceptée")
        REVOKED = "revoked", _("Accès retiré")
        READY = "ready", _("Prêt pour la signature du demandeur")

    draft = models.ForeignKey(CaseDraft, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    collaborator = models.ForeignKey(
        CaseDraftCollaborator,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: the page's title or the piece's file name
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["draft", "at"], name="sharing_event_draft_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on draft {self.draft_id}"
