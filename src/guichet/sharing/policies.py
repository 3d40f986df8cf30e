"""Who may see a shared draft and act on it besides its owner, and who may accept an invitation.

The draft policy of the engine (``cases.policies.draft_policy``) asks ``draft_access``, which
``SharingConfig.ready()`` registers: once their invitation is accepted, and until the owner
revokes it, a collaborator sees the draft, saves its pages and pieces (``"save"``) and may mark
it ready for the owner's signature (``"ready"``); managing the collaborators (``"share"``)
is the owner's; submitting it stays the owner's (the engine's rule). Anybody else, a revoked
collaborator included, is told the draft does not exist."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from guichet.cases.policies import DraftAccess, DraftPolicy
from guichet.core.policies import SYSTEM, AccessPolicy, register_policy

COLLABORATOR_ACTIONS = frozenset({"view", "save", "ready"})


def _active(actor) -> Q:
    return Q(user_id=actor.pk, accepted_at__isnull=False, revoked_at__isnull=True)


def is_collaborator(actor, draft) -> bool:
    """Whether ``actor`` accepted an invitation to ``draft`` that was not revoked."""
    from guichet.sharing.models import CaseDraftCollaborator

    if not getattr(actor, "is_authenticated", False) or draft.pk is None:
        return False
    return CaseDraftCollaborator.objects.filter(_active(actor), draft_id=draft.pk).exists()


def _allows(actor, draft, action: str) -> bool:
    if DraftPolicy.is_owner(actor, draft):
        return action == "share"
    return action in COLLABORATOR_ACTIONS and is_collaborator(actor, draft)


def _drafts(actor) -> Q:
    from guichet.sharing.models import CaseDraftCollaborator

    return Q(pk__in=CaseDraftCollaborator.objects.filter(_active(actor)).values("draft_id"))


draft_access = DraftAccess(actions=frozenset({"share", "ready"}), allows=_allows, drafts=_drafts)


class DraftInvitationPolicy(AccessPolicy):
    """An invitation to complete a draft (``CaseDraftCollaborator``), reached by its link: the
    account of the invited address sees it while it is not revoked, and accepts it once,
    before it expires (``refusal`` says in French why it cannot). Anybody else is told it
    does not exist; the link's token was checked by the service that found the invitation."""

    name = "sharing.draft_invitation"

    def refusal(self, actor, invitation) -> str:
        """Why ``actor`` cannot accept ``invitation`` (French), or "" when they can."""
        from django.utils import timezone
        from django.utils.translation import gettext as _

        if not getattr(actor, "is_authenticated", False):
            return _("Connectez-vous pour accepter cette invitation.")
        if invitation.revoked_at is not None:
            return _("Cette invitation a été retirée par la personne qui vous l'avait envoyée.")
        if invitation.accepted_at is not None:
            return _("Cette invitation a déjà été utilisée.")
        if invitation.expires_at <= timezone.now():
            return _("Cette invitation a expiré : demandez-en une nouvelle.")
        if (actor.email or "").strip().lower() != invitation.email:
            return _(
                "Cette invitation a été envoyée à une autre adresse électronique : "
                "connectez-vous avec le compte de cette adresse (ou créez-le), puis ouvrez de "
                "nouveau le lien."
            )
        if invitation.draft.owner_id == actor.pk:
            return _("Ce brouillon est déjà le vôtre.")
        return ""

    def _can_view(self, actor, invitation) -> bool:
        return bool(
            getattr(actor, "is_authenticated", False)
            and invitation.revoked_at is None
            and (actor.email or "").strip().lower() == invitation.email
        )

    def _can_act(self, actor, invitation, action: str) -> bool:
        if action != "accept":
            raise ValueError(f"unknown invitation action: {action!r}")
        return not self.refusal(actor, invitation)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(email=(actor.email or "").strip().lower(), revoked_at__isnull=True)


draft_invitation_policy = register_policy(DraftInvitationPolicy())
