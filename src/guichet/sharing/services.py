"""A draft completed with the people its owner invites (a mandated architect for a planning
application).

The owner invites an e-mail address (``draft_collaborator_invite``): the link sent carries a
random token kept hashed, valid ``DRAFT_INVITATION_DAYS`` days and once; the account of that
address accepts it (``draft_invitation_accept``) and from then completes the draft's pages and
pieces, until the owner revokes it (``draft_collaborator_revoke``). Only the owner submits; a
collaborator marks the draft ready for the owner's signature (``draft_ready_mark``, which
notifies the owner). A shared draft keeps its history (``CaseDraftEvent``), from the engine's
signals (``cases.drafts.draft_saved``, ``draft_submitted``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft, CaseEvent, Channel
from guichet.cases.policies import draft_policy
from guichet.core.audit import audit_log
from guichet.core.policies import PolicyDenied, checked_by_caller, policy_exempt
from guichet.sharing.models import DRAFT_INVITATION_DAYS, CaseDraftCollaborator, CaseDraftEvent
from guichet.sharing.policies import draft_invitation_policy


@checked_by_caller("cases.drafts.draft_save")
def draft_saved_recorded(
    *, draft: CaseDraft, actor, page: str, page_title: str, attachments: list, **kwargs
) -> None:
    """On a shared draft (its owner invited somebody), who saved which page and added which
    piece goes to its history (``cases.drafts.draft_saved``)."""
    if not CaseDraftCollaborator.objects.filter(draft_id=draft.pk).exists():
        return
    events = []
    if page:
        events.append(
            CaseDraftEvent(
                draft=draft,
                kind=CaseDraftEvent.Kind.PAGE_SAVED,
                actor=actor,
                detail=(page_title or page)[:300],
            )
        )
    events += [
        CaseDraftEvent(
            draft=draft,
            kind=CaseDraftEvent.Kind.PIECE_ADDED,
            actor=actor,
            detail=attachment.original_name[:300],
        )
        for attachment in attachments
    ]
    if events:
        CaseDraftEvent.objects.bulk_create(events)


@checked_by_caller("cases.submission.case_submit")
def draft_preparers_recorded(*, draft: CaseDraft, case, **kwargs) -> None:
    """The case filed from a shared draft keeps who prepared it with its requester (the
    collaborators whose access was not revoked), for the agents: they are not its contacts
    (its messages go to the requester, who signed it) (``cases.drafts.draft_submitted``)."""
    collaborators = list(
        CaseDraftCollaborator.objects.filter(
            draft=draft, accepted_at__isnull=False, revoked_at__isnull=True
        ).select_related("user")
    )
    if not collaborators:
        return
    names = ", ".join(
        f"{c.user.get_full_name() or c.email} ({c.get_role_display()})"
        for c in collaborators
        if c.user is not None
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.PREPARED,
        channel=Channel.SYSTEM,
        summary=(_("Préparée avec : %s") % names)[:300],
        data={"collaborators": [{"user": c.user_id, "role": c.role} for c in collaborators]},
    )


@policy_exempt("a computation: hashes a token")
def invitation_token_hash(token: str) -> str:
    """How an invitation's token is kept: its SHA-256 (the link is the only copy)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _service_name(draft: CaseDraft) -> str:
    return draft.version.definition.name


@transaction.atomic
def draft_collaborator_invite(
    *, actor, draft: CaseDraft, email: str, role: str = CaseDraftCollaborator.Role.CO_WRITER
) -> tuple[CaseDraftCollaborator, str]:
    """The owner invites the person of ``email`` to complete ``draft`` with them, as ``role``:
    an e-mail carries the link (nothing of the draft but its service's name). Returns the
    invitation and the token of its link (kept only hashed). Raises CaseInputError (French)."""
    from guichet.notifications.services import notification_create

    draft_policy.require_act(actor, draft, "share")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CaseInputError({"email": _("Adresse électronique invalide.")}) from None
    if email == (actor.email or "").strip().lower():
        raise CaseInputError({"email": _("Indiquez l'adresse de la personne à inviter.")})
    if role not in CaseDraftCollaborator.Role.values:
        raise CaseInputError({"role": _("Rôle inconnu.")})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            collaborator = CaseDraftCollaborator.objects.create(
                draft=draft,
                email=email,
                role=role,
                token_hash=invitation_token_hash(token),
                invited_by=actor,
                invited_at=now,
                expires_at=now + timedelta(days=DRAFT_INVITATION_DAYS),
            )
    except IntegrityError:  # an invitation of this address is still valid
        raise CaseInputError(
            {
                "email": _(
                    "Cette personne est déjà invitée : retirez son invitation pour en envoyer "
                    "une nouvelle."
                )
            }
        ) from None
    CaseDraftEvent.objects.create(
        draft=draft, kind=CaseDraftEvent.Kind.INVITED, actor=actor, collaborator=collaborator
    )
    inviter = actor.get_full_name() or _("Une personne")
    title = _("Invitation à compléter une demande « %(service)s »") % {
        "service": _service_name(draft)
    }
    body = _(
        "%(inviter)s vous invite à compléter avec elle ou lui sa demande « %(service)s » sur "
        "Guichet, en tant que %(role)s.\n\nConnectez-vous avec cette adresse électronique (ou "
        "créez votre compte avec elle), puis acceptez l'invitation par le lien ci-dessous "
        "avant le %(until)s. Si vous n'attendiez pas cette invitation, ignorez ce message."
    ) % {
        "inviter": inviter,
        "service": _service_name(draft),
        "role": collaborator.get_role_display(),
        "until": date_format(timezone.localtime(collaborator.expires_at), "j F Y"),
    }
    notification_create(
        recipient={"email": email},
        topic="cases.update",
        template="generic",
        context={"title": title, "body": body},
        organisation=draft.commune,
        url=reverse("sharing:draft_invitation", args=[token]),
    )
    audit_log(
        actor=actor,
        action="sharing.draft_invited",
        obj=draft,
        data={"collaborator": collaborator.pk, "role": role},
    )
    return collaborator, token


class InvitationRefused(Exception):
    """An invitation that cannot be accepted; ``message`` says why (French)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@transaction.atomic
def draft_invitation_accept(*, actor, token: str) -> CaseDraft:
    """The invited person, signed in with the address the owner gave, accepts the invitation
    of ``token``: from then they complete the draft. A link is good once, before its expiry,
    until the owner revokes it. Raises InvitationRefused (French) for a link that cannot be
    accepted, PolicyDenied("not_found") for a token that names no invitation."""
    invitation = (
        CaseDraftCollaborator.objects.select_for_update(of=("self",))
        .select_related("draft")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise PolicyDenied("not_found", action="accept")
    refusal = draft_invitation_policy.refusal(actor, invitation)
    if refusal:
        raise InvitationRefused(refusal)
    draft_invitation_policy.require_act(actor, invitation, "accept")
    invitation.user = actor
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["user", "accepted_at"])
    CaseDraftEvent.objects.create(
        draft=invitation.draft,
        kind=CaseDraftEvent.Kind.ACCEPTED,
        actor=actor,
        collaborator=invitation,
    )
    audit_log(
        actor=actor,
        action="sharing.draft_invitation_accepted",
        obj=invitation.draft,
        data={"collaborator": invitation.pk},
    )
    return invitation.draft


@transaction.atomic
def draft_collaborator_revoke(
    *, actor, draft: CaseDraft, collaborator_id: int
) -> CaseDraftCollaborator:
    """The owner withdraws an invitation or a collaborator's access: the link and the access
    die at once."""
    draft_policy.require_act(actor, draft, "share")
    collaborator = (
        CaseDraftCollaborator.objects.select_for_update()
        .filter(pk=collaborator_id, draft=draft, revoked_at__isnull=True)
        .first()
    )
    if collaborator is None:
        raise PolicyDenied("not_found", action="share")
    collaborator.revoked_at = timezone.now()
    collaborator.save(update_fields=["revoked_at"])
    CaseDraftEvent.objects.create(
        draft=draft, kind=CaseDraftEvent.Kind.REVOKED, actor=actor, collaborator=collaborator
    )
    audit_log(
        actor=actor,
        action="sharing.draft_collaborator_revoked",
        obj=draft,
        data={"collaborator": collaborator.pk},
    )
    return collaborator


@transaction.atomic
def draft_ready_mark(*, actor, draft: CaseDraft) -> CaseDraftCollaborator:
    """A collaborator says the draft is ready for the applicant's signature: its owner is
    notified (they read it and submit it: the submission is theirs)."""
    from guichet.notifications.services import notification_create

    draft_policy.require_act(actor, draft, "ready")
    collaborator = (
        CaseDraftCollaborator.objects.select_for_update()
        .filter(draft=draft, user_id=actor.pk, accepted_at__isnull=False, revoked_at__isnull=True)
        .first()
    )
    if collaborator is None:  # revoked meanwhile
        raise PolicyDenied("not_found", action="ready")
    collaborator.ready_at = timezone.now()
    collaborator.save(update_fields=["ready_at"])
    CaseDraftEvent.objects.create(
        draft=draft, kind=CaseDraftEvent.Kind.READY, actor=actor, collaborator=collaborator
    )
    if draft.owner is not None:
        name = actor.get_full_name() or actor.email
        notification_create(
            recipient=draft.owner,
            topic="cases.update",
            template="generic",
            context={
                "title": _("Votre demande « %(service)s » est prête")
                % {"service": _service_name(draft)},
                "body": _(
                    "%(name)s (%(role)s) a terminé de préparer votre demande « %(service)s ». "
                    "Relisez-la et envoyez-la : l'envoi vous revient, vous en signez les "
                    "engagements."
                )
                % {
                    "name": name,
                    "role": collaborator.get_role_display(),
                    "service": _service_name(draft),
                },
            },
            organisation=draft.commune,
            url=reverse("cases:draft_review", args=[draft.token]),
        )
    return collaborator
