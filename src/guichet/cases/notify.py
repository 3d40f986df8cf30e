"""The one door through which the case engine notifies people.

``case_notify`` renders the message now (inside the caller's transaction, with the data as it
is) and sends it by e-mail once the transaction commits, through a django-tasks task. The
notifications app will later route it through its outbox (deliveries, preferences, SMS); its
signature is the contract.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
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


def case_notify(
    *,
    case: Case,
    recipients: Iterable[str],
    template: str | Mapping[str, str],
    context: Mapping[str, Any],
    actor=None,
) -> list[str]:
    """Notify ``recipients`` (e-mail addresses) about ``case``; returns the addresses used.

    Sent after commit (never when the transaction rolls back); an event records it.
    """
    addresses = sorted({r.strip().lower() for r in recipients if r and "@" in r})
    if not addresses:
        return []
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
    from guichet.cases.tasks import send_case_mail

    transaction.on_commit(
        lambda: send_case_mail.enqueue(
            recipients=addresses, subject=subject, body=body, reference=case.reference
        )
    )
    return addresses
