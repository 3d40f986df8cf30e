"""Forms being filled in, saved page by page so the citizen can resume them, and completed
with the people their owner invites (a mandated architect for a planning application).

Sharing: the owner invites an e-mail address (``draft_collaborator_invite``): the link sent
carries a random token kept hashed, valid ``DRAFT_INVITATION_DAYS`` days and once; the account
of that address accepts it (``draft_invitation_accept``) and from then completes the draft's
pages and pieces, until the owner revokes it (``draft_collaborator_revoke``). Only the owner
submits; a collaborator marks the draft ready for the owner's signature (``draft_ready_mark``,
which notifies the owner). A shared draft keeps its history (``CaseDraftEvent``)."""

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

from guichet.cases.attachments import attachment_store, files_checked
from guichet.cases.errors import CaseInputError
from guichet.cases.models import (
    DRAFT_INVITATION_DAYS,
    CaseDraft,
    CaseDraftCollaborator,
    CaseDraftEvent,
)
from guichet.cases.policies import draft_invitation_policy, draft_policy
from guichet.catalogue.models import ServiceVersion
from guichet.core.audit import audit_log
from guichet.core.policies import PolicyDenied, policy_exempt
from guichet.territory.models import Organisation


@transaction.atomic
def draft_save(
    *,
    actor,
    version: ServiceVersion,
    data: dict,
    page: str,
    draft: CaseDraft | None = None,
    commune: Organisation | None = None,
    files: dict[str, list] | None = None,
) -> CaseDraft:
    """Save a form being filled in (page by page) so the citizen can resume it. On a shared
    draft, who saved which page and added which piece goes to its history."""
    if draft is not None:
        draft_policy.require_act(actor, draft, "save")
    author = actor if getattr(actor, "is_authenticated", False) else None
    clean_files, errors = files_checked(version, files or {})
    if errors:
        raise CaseInputError(errors)
    if draft is None:
        draft = CaseDraft.objects.create(
            owner=author, version=version, data=data, page=page, commune=commune
        )
    else:
        draft.data = data
        draft.page = page
        draft.commune = commune or draft.commune
        draft.save(update_fields=["data", "page", "commune", "updated_at"])
    events = []
    if draft.shared and page:
        title = next((p.get("title", "") for p in version.form["pages"] if p["key"] == page), "")
        events.append(
            CaseDraftEvent(
                draft=draft,
                kind=CaseDraftEvent.Kind.PAGE_SAVED,
                actor=author,
                detail=(title or page)[:300],
            )
        )
    for key, cleans in clean_files.items():
        for clean in cleans:
            attachment = attachment_store(
                clean=clean, draft=draft, field_key=key, uploaded_by=author
            )
            if draft.shared:
                events.append(
                    CaseDraftEvent(
                        draft=draft,
                        kind=CaseDraftEvent.Kind.PIECE_ADDED,
                        actor=author,
                        detail=attachment.original_name[:300],
                    )
                )
    if events:
        CaseDraftEvent.objects.bulk_create(events)
    return draft


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
    if not draft.shared:
        draft.shared = True
        draft.save(update_fields=["shared"])
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
        url=reverse("cases:draft_invitation", args=[token]),
    )
    audit_log(
        actor=actor,
        action="cases.draft_invited",
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
        action="cases.draft_invitation_accepted",
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
        action="cases.draft_collaborator_revoked",
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
