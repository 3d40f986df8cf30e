"""The conversation on a case: messages between the citizen and the service, and the
agents' internal notes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guichet.cases.attachments import attachment_store
from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, CaseEvent, CaseMessage, CaseNote, Channel
from guichet.cases.notify import AGENTS, case_notify, citizen_recipient, team_recipients
from guichet.cases.policies import case_policy
from guichet.cases.replies import inbound_address
from guichet.core.policies import SYSTEM
from guichet.core.uploads import check_upload


@transaction.atomic
def case_note_add(*, actor, case: Case, body: str) -> CaseNote:
    """An internal note (never shown to the citizen)."""
    case_policy.require_act(actor, case, "note")
    if not body.strip():
        raise CaseInputError({"body": _("La note est vide.")})
    note = CaseNote.objects.create(case=case, author=actor, body=body.strip())
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.NOTE,
        actor=actor,
        channel=Channel.WEB,
        summary=body.strip()[:120],
    )
    return note


@transaction.atomic
def case_message_add(
    *,
    actor,
    case: Case,
    body: str,
    from_citizen: bool,
    channel: str = Channel.WEB,
    files: list | None = None,
    email_message_id: str = "",
    email_sender: str = "",
    notify: bool = True,
) -> CaseMessage:
    """A message on the case, from the citizen or from an agent (who must be in charge), with
    optional attachments; the other side is notified.

    ``from_citizen``: written by the requester (their account, or a ``TrackingCodeHolder``
    of this case), checked here like the agent's side; the mail gateway passes ``SYSTEM``
    once the case's reply address placed the message, which then is the requester's."""
    case_policy.require_act(actor, case, "message_from_citizen" if from_citizen else "message")
    clean = []
    for upload in files or []:
        try:
            clean.append(check_upload(upload))
        except ValidationError as exc:
            raise CaseInputError({"files": exc.messages[0]}) from None
    if not body.strip() and not clean:
        raise CaseInputError({"body": _("Le message est vide.")})
    user = actor if getattr(actor, "is_authenticated", False) else None
    if actor is SYSTEM and from_citizen:
        user = case.requester
    message = CaseMessage.objects.create(
        case=case,
        author=user,
        from_citizen=from_citizen,
        channel=channel,
        body=body.strip(),
        email_message_id=email_message_id[:300],
        email_sender=email_sender[:254],
    )
    for item in clean:
        attachment_store(clean=item, case=case, message=message, uploaded_by=user)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.MESSAGE,
        actor=user,
        channel=channel,
        public=True,
        summary=(_("Message de l'usager") if from_citizen else _("Message du service")),
        data={"message": message.pk, "attachments": len(clean)},
    )
    if notify:
        if from_citizen:
            recipients = [case.assignee] if case.assignee_id else team_recipients(case.team)
            audience = {"audience": AGENTS, "topic": "cases.team"}
        else:
            recipients = [citizen_recipient(case)]
            audience = {"topic": "cases.message"}
        case_notify(
            case=case,
            recipients=recipients,
            **audience,
            template="cases/mail/message",
            context={
                "case": case,
                "reference": case.reference,
                "service": case.definition.name,
                # A citizen's words stay in the case (where agents' reads are recorded), not
                # in the agents' notifications (and so nowhere after the account's erasure).
                "body": "" if from_citizen else message.body,
                "from_citizen": from_citizen,
                # only the case's reply address takes a reply in (cases.replies)
                "reply_by_mail": inbound_address() is not None,
            },
            actor=user,
        )
    return message
