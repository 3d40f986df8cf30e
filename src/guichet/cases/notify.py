"""The one door through which the case engine notifies people.

``case_notify`` renders the message now (inside the caller's transaction, with the data as it
is) and hands it to the notifications outbox (``notification_create``) in that same
transaction: in-app notification, e-mail, push... per the person's preferences, sent by the
outbox workers after commit, retried, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.template import Context, Engine, Template
from django.template.loader import render_to_string

from guichet.cases.models import Case, CaseEvent, Channel

_muted: ContextVar[bool] = ContextVar("cases_notify_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Record notifications without sending them (the demo backfills a history silently)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


# Designer-written templates (workflow actions) get only this engine's builtins, no loaders.
_STRING_ENGINE = Engine(autoescape=False)


def render_string(source: str, context: Mapping[str, Any]) -> str:
    return Template(source, engine=_STRING_ENGINE).render(Context(dict(context))).strip()


def render_message(
    template: str | Mapping[str, str], context: Mapping[str, Any]
) -> tuple[str, str]:
    """(subject, body) from a template name prefix (``<name>_subject.txt``, ``<name>_body.txt``)
    or from a ``{"subject": ..., "body": ...}`` pair of template strings."""
    if isinstance(template, Mapping):
        return render_string(template["subject"], context), render_string(template["body"], context)
    subject = render_to_string(f"{template}_subject.txt", dict(context)).strip()
    body = render_to_string(f"{template}_body.txt", dict(context)).strip()
    return " ".join(subject.split()), body


Recipient = Any  # a User, or a contact dict (``email``, ``name``) for a person without account

CITIZEN = "citizen"
AGENTS = "agents"


def citizen_recipient(case: Case) -> Recipient | None:
    """The citizen of ``case``: their account, or the contact details of an anonymous request
    (e-mail to the contact address, SMS to the mobile number when the person agreed to it;
    the receipt carries the tracking code)."""
    if case.requester_id:
        return case.requester
    contact: dict[str, str] = {}
    if case.contact_email:
        contact["email"] = case.contact_email
    if case.contact_sms_consent_at and case.contact_phone:
        contact["phone"] = case.contact_phone
    return contact | {"name": case.contact_name} if contact else None


def team_recipients(team) -> list[Recipient]:
    """A team: its shared mailbox when it has one, else each active member."""
    if team.email:
        return [{"email": team.email, "name": team.name}]
    from guichet.accounts.models import User

    return list(
        User.objects.filter(memberships__team=team, is_active=True)
        .exclude(email="")
        .distinct()
        .only("id", "email")
    )


def _address(recipient: Recipient) -> str:
    """The e-mail address of ``recipient``, else (a contact followed by SMS only) its phone."""
    if isinstance(recipient, Mapping):
        email = recipient.get("email", "") or recipient.get("phone", "")
    else:
        email = recipient.email
    return (email or "").strip().lower()


def _reachable(address: str) -> bool:
    return "@" in address or address.startswith("+")


def sms_text(*, case: Case, template: str | Mapping[str, str], topic: str, anonymous: bool) -> str:
    """What an SMS about ``case`` says: its reference and what happened, never the service,
    the status or any data of the request (a phone's screen is read by anyone nearby; the
    service alone may reveal health or social matters). The link to follow it is added."""
    from django.utils.translation import gettext as _

    if template == "cases/mail/receipt":
        if anonymous:
            return _("Votre demande %s est bien enregistrée. Gardez votre code de suivi.") % (
                case.reference
            )
        return _("Votre demande %s est bien enregistrée.") % case.reference
    if topic == "cases.message":
        return _("Vous avez un nouveau message sur votre demande %s.") % case.reference
    return _("Votre demande %s a avancé. Regardez ce qui a changé.") % case.reference


def case_url(case: Case, audience: str, *, anonymous: bool = False) -> str:
    if audience == AGENTS:
        return f"/backoffice/demandes/{case.reference}/"
    if anonymous:
        return "/demarches/suivi/"
    return f"/demarches/demandes/{case.reference}/"


def case_notify(
    *,
    case: Case,
    recipients: Iterable[Recipient | None],
    template: str | Mapping[str, str],
    context: Mapping[str, Any],
    actor=None,
    audience: str = CITIZEN,
    topic: str = "cases.update",
) -> list[str]:
    """Notify ``recipients`` (users, or contact dicts for people without an account) about
    ``case``; returns the e-mail addresses of the people reached.

    Each one gets a notification of the notifications outbox (``notification_create``: in-app,
    e-mail, push... per their preferences for ``topic``), written in the caller's transaction:
    a rollback sends nothing, a commit never loses a delivery. An event records it.
    """
    people: dict[str, Recipient] = {}
    for recipient in recipients:
        if recipient is None:
            continue
        address = _address(recipient)
        if _reachable(address):
            people.setdefault(address, recipient)
    if not people:
        return []
    addresses = sorted(people)
    subject, body = render_message(template, context)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.NOTIFIED,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        channel=Channel.SYSTEM,
        summary=subject[:300],
        data={"recipients": addresses, "sent": not _muted.get()},
    )
    if _muted.get():
        return addresses
    from guichet.cases.replies import case_reply_address
    from guichet.notifications.services import notification_create

    # Only the citizen gets the case's reply address: a reply to it is posted as the
    # citizen's message, so agents (who answer in the back-office) must not hold it.
    citizen = _address(citizen_recipient(case) or {}) if audience == CITIZEN else ""
    for address in addresses:
        recipient = people[address]
        anonymous = isinstance(recipient, Mapping)
        notification_create(
            recipient=recipient,
            topic=topic,
            template="generic",
            context={"title": subject, "body": body}
            | (
                {"sms": sms_text(case=case, template=template, topic=topic, anonymous=anonymous)}
                if audience == CITIZEN
                else {}
            ),
            organisation=case.organisation,
            url=case_url(case, audience, anonymous=anonymous),
            reply_to=case_reply_address(case)
            if citizen and address == citizen and "@" in address
            else "",
        )
    return addresses
