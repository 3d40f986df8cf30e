"""The workflow's ``webhook`` action, registered in the engine's registry of action kinds
(``guichet.catalogue.actions``) when the app is ready: the case engine runs it without knowing
this app. Its name stays ``webhook`` (no app prefix): published definitions already use it."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Case, CaseEvent, Channel
from guichet.cases.workflow import user_of
from guichet.catalogue.actions import register_action


def check_webhook(params: dict, path: str, functions: set[str]) -> list[str]:
    # The URL and the secret belong to the organisation (webhooks.WebhookEndpoint): the
    # definition only names the endpoint, so no definition can aim at an address.
    endpoint = params.get("endpoint")
    if not isinstance(endpoint, str) or not re.fullmatch(r"[-a-z0-9_]{1,50}", endpoint):
        return [_("%s : un webhook nomme le point d'accès de l'organisation (endpoint).") % path]
    return []


@register_action("webhook", check=check_webhook)
def run_webhook(case: Case, params: dict, *, actor, context: dict) -> None:
    """Queue a signed call to the organisation's endpoint named ``endpoint``."""
    from guichet.webhooks.services import webhook_enqueue
    from guichet.webhooks.tasks import deliver_webhook_task

    payload = {
        "event": "case.status",
        "reference": case.reference,
        "service": case.definition.key,
        "status": case.status,
        "organisation": case.organisation.slug,
        "at": timezone.now().isoformat(),
    }
    key = str(params.get("endpoint") or "")
    delivery = webhook_enqueue(case=case, endpoint_key=key, payload=payload)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.WEBHOOK,
        actor=user_of(actor),
        channel=Channel.SYSTEM,
        summary=(key if delivery is not None else _("webhook « %(key)s » inconnu") % {"key": key})[
            :300
        ],
        data={"delivery": delivery.pk if delivery is not None else None},
    )
    if delivery is not None:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook_task.enqueue(delivery_id=pk))
