"""The generic workflow actions: notify, assign, deadline, document (``webhook`` is registered
by the ``webhooks`` app).

Each is registered with the check of its parameters (run by the definition validator) and the
function that runs it when a case enters a status or takes a transition. Domain apps register
their own kinds the same way from their ``AppConfig.ready()``
(see ``guichet.catalogue.actions``)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Case, CaseAttachment, CaseEvent, Channel
from guichet.cases.notify import (
    AGENTS,
    case_notify,
    citizen_recipient,
    render_string,
    team_recipients,
)
from guichet.cases.workflow import (
    case_set_assignment,
    case_set_deadline,
    message_context,
    team_of_function,
    user_of,
)
from guichet.catalogue.actions import register_action


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def check_notify(params: dict, path: str, functions: set[str]) -> list[str]:
    errors = []
    if params.get("to") not in {"citizen"} | {f"function:{f}" for f in functions}:
        errors.append(_("%s : destinataire : « citizen » ou « function:<fonction> ».") % path)
    if not _text(params.get("subject")) or not _text(params.get("body")):
        errors.append(_("%s : une notification a un objet et un texte.") % path)
    return errors


@register_action("notify", check=check_notify)
def run_notify(case: Case, params: dict, *, actor, context: dict) -> None:
    """A message to the citizen or to the team holding a function."""
    target = params["to"]
    if target == "citizen":
        audience = {}
        recipients = [citizen_recipient(case)]
    else:
        audience = {"audience": AGENTS, "topic": "cases.team"}
        recipients = team_recipients(team_of_function(case, target.split(":", 1)[1]))
    case_notify(
        case=case,
        recipients=recipients,
        template={"subject": params["subject"], "body": params["body"]},
        context=message_context(case, context),
        actor=user_of(actor),
        **audience,
    )


def check_assign(params: dict, path: str, functions: set[str]) -> list[str]:
    if params.get("to") in {"actor", "nobody"} | {f"function:{f}" for f in functions}:
        return []
    return [_("%s : attribution : « actor », « nobody » ou « function:<fonction> ».") % path]


@register_action("assign", check=check_assign)
def run_assign(case: Case, params: dict, *, actor, context: dict) -> None:
    """Give the case to the actor, to nobody, or to the team holding a function."""
    user = user_of(actor)
    target = params["to"]
    if target == "actor":
        if user is not None:
            case_set_assignment(case=case, team=case.team, assignee=user, actor=user)
    elif target == "nobody":
        case_set_assignment(case=case, team=case.team, assignee=None, actor=user)
    else:
        team = team_of_function(case, target.split(":", 1)[1])
        case_set_assignment(case=case, team=team, assignee=None, actor=user)


def check_deadline(params: dict, path: str, functions: set[str]) -> list[str]:
    days = params.get("days")
    if params.get("clear") is not True and (
        isinstance(days, bool) or not isinstance(days, int) or days <= 0
    ):
        return [_("%s : une échéance a un nombre de jours positif (days).") % path]
    return []


@register_action("deadline", check=check_deadline)
def run_deadline(case: Case, params: dict, *, actor, context: dict) -> None:
    """Set the deadline ``days`` from now, or clear it."""
    deadline = None if params.get("clear") else timezone.now() + timedelta(days=params["days"])
    case_set_deadline(case=case, deadline=deadline, actor=user_of(actor))


def check_document(params: dict, path: str, functions: set[str]) -> list[str]:
    if _text(params.get("title")) and _text(params.get("body")):
        return []
    return [_("%s : un document a un titre et un contenu.") % path]


@register_action("document", check=check_document)
def run_document(case: Case, params: dict, *, actor, context: dict) -> CaseAttachment:
    """Generate a PDF from the definition's template and attach it to the case."""
    from guichet.core.pdf import render_pdf

    user = user_of(actor)
    values = message_context(case, context)
    title = render_string(params["title"], values)
    body = render_string(params["body"], values)
    pdf = render_pdf("cases/document.html", {"title": title, "body": body, "case": case})
    attachment = CaseAttachment(
        case=case,
        created_at=timezone.now(),
        uploaded_by=user,
        original_name=f"{case.reference}-{title[:60]}.pdf".replace("/", "-"),
        content_type="application/pdf",
        size=len(pdf),
        generated=True,
        public=bool(params.get("public", True)),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    attachment.file.save("document.pdf", ContentFile(pdf), save=False)
    attachment.save()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.DOCUMENT,
        actor=user,
        channel=Channel.SYSTEM,
        public=attachment.public,
        summary=title[:300],
        data={"attachment": attachment.pk},
    )
    return attachment
