"""What the pages of a shared draft read: its invitations, its history, an invitation by the
token of its link."""

from __future__ import annotations

from django.http import Http404

from guichet.cases.models import CaseDraft
from guichet.cases.policies import draft_policy
from guichet.sharing.models import CaseDraftCollaborator, CaseDraftEvent


def draft_collaborators_list(*, actor, draft: CaseDraft) -> list[CaseDraftCollaborator]:
    """The invitations of ``draft`` (pending, accepted, revoked), for its owner and its
    collaborators."""
    draft_policy.require_view(actor, draft)
    return list(
        CaseDraftCollaborator.objects.filter(draft=draft)
        .select_related("user")
        .order_by("invited_at", "pk")
    )


def draft_history(*, actor, draft: CaseDraft) -> list[CaseDraftEvent]:
    """Who did what on a shared draft, oldest first."""
    draft_policy.require_view(actor, draft)
    return list(
        CaseDraftEvent.objects.filter(draft=draft)
        .select_related("actor", "collaborator")
        .order_by("at", "pk")
    )


def draft_invitation_get(*, actor, token: str) -> CaseDraftCollaborator:
    """The invitation of a link's ``token`` (Http404 when none: a wrong or forged link). Its
    policy decides who may accept it; the page says why not."""
    from guichet.sharing.services import invitation_token_hash

    invitation = (
        CaseDraftCollaborator.objects.select_related("draft__version__definition", "invited_by")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise Http404("invitation")
    return invitation
