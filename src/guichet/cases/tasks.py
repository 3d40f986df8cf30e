"""Background work of the case engine: webhook deliveries, timers (e-mails and other
notifications go through the notifications outbox, see ``cases.notify``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from guichet.core.periodic import register_periodic

logger = logging.getLogger(__name__)

WEBHOOK_MAX_ATTEMPTS = 6
WEBHOOK_TIMEOUT = 10


def webhook_secret() -> bytes:
    return (getattr(settings, "CASES_WEBHOOK_SECRET", "") or settings.SECRET_KEY).encode()


def webhook_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(webhook_secret(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(  # noqa: S310 - the URL scheme is checked at definition time
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Guichet-Signature": webhook_signature(body),
            "User-Agent": "Guichet-webhook/1",
        },
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
        return response.status


def deliver_webhook(delivery_id: int) -> str:
    """Send one due webhook delivery (claimed with SKIP LOCKED); back-off on failure."""
    from guichet.cases.models import WebhookDelivery

    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        body = json.dumps(delivery.payload, sort_keys=True).encode()
        delivery.attempts += 1
        try:
            delivery.last_status = _post(delivery.url, body)
            delivery.state = WebhookDelivery.State.DONE
            delivery.last_error = ""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            delivery.last_status = getattr(exc, "code", None)
            delivery.last_error = str(exc)[:2000]
            if delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
                delivery.state = WebhookDelivery.State.FAILED
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(minutes=2**delivery.attempts)
        delivery.save(
            update_fields=["attempts", "last_status", "state", "last_error", "next_attempt_at"]
        )
        return delivery.state


@task()
def deliver_webhook_task(*, delivery_id: int) -> str:
    return deliver_webhook(delivery_id)


@register_periodic("cases.webhooks", every=timedelta(minutes=1))
def webhooks_sweep() -> int:
    """Send every due webhook delivery (first tries and retries)."""
    from guichet.cases.models import WebhookDelivery

    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:200]
    )
    for pk in due:
        deliver_webhook(pk)
    return len(due)


@register_periodic("cases.timers", every=timedelta(minutes=1))
def timers_sweep() -> int:
    """Take the timer transition of every case whose time in its status is up."""
    from guichet.cases.workflow import timers_fire

    return timers_fire()


@task()
def attachment_scan_task(*, attachment_id: int) -> str:
    from guichet.cases.scanning import attachment_scan

    return attachment_scan(attachment_id=attachment_id)


@register_periodic("cases.attachments_scan", every=timedelta(minutes=1))
def attachments_scan_sweep() -> int:
    """Scan the attachments still pending (clamd was unreachable when they came)."""
    from guichet.cases.scanning import pending_attachments_scan

    return pending_attachments_scan()
