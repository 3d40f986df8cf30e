"""Webhooks of the workflow engine's ``webhook`` action: endpoints, Standard Webhooks signing,
deliveries.

A workflow's ``{"type": "webhook", "endpoint": "<key>"}`` action names an endpoint of the case's
organisation; the organisation's agents manage its endpoints (URL, secret, re-enabling). Each
call is a ``WebhookDelivery`` row (outbox) sent by the worker through ``core.outbound`` (no
private address, no redirect), signed per https://www.standardwebhooks.com/ :

    webhook-id: msg_<uuid>              (the same on every retry: the receiver drops duplicates)
    webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>

with the endpoint's own secret ``whsec_<base64>`` (never ``SECRET_KEY``). Every attempt is a
``WebhookAttempt`` row; a failed one is retried with exponential back-off up to
``WEBHOOK_MAX_ATTEMPTS``; ``WEBHOOK_DISABLE_AFTER_FAILURES`` failures in a row disable the
endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.policies import case_policy
from guichet.core.audit import audit_log
from guichet.core.outbound import OutboundError, safe_request, validate_public_url
from guichet.core.policies import checked_by_caller, policy_exempt, system_only
from guichet.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from guichet.webhooks.policies import webhook_endpoint_policy

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024
SECRET_PREFIX = "whsec_"


class WebhookEndpointError(Exception):
    """A refused change to an endpoint; ``str()`` is the French reason."""


# --- Signing -----------------------------------------------------------------------------------


@policy_exempt("a computation: writes nothing")
def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@policy_exempt("a computation: writes nothing")
def signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for ``body`` (Standard Webhooks, v1)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


# --- Endpoints (the organisation's agents) --------------------------------------------------------


def _check_url(url: str) -> None:
    reason = validate_public_url(url)
    if reason:
        raise WebhookEndpointError(
            _("Adresse de webhook refusée : %(reason)s.") % {"reason": reason}
        )


def endpoints_for(actor):
    """The endpoints of the organisations ``actor`` works for (``PolicyDenied`` for anybody
    who is not an agent now)."""
    case_policy.require_back_office(actor)
    return webhook_endpoint_policy.scope(actor, WebhookEndpoint.objects.all()).select_related(
        "organisation"
    )


@transaction.atomic
def webhook_endpoint_create(*, actor, organisation, key: str, url: str) -> WebhookEndpoint:
    """A new endpoint with its own secret (the caller shows ``endpoint.secret`` once)."""
    webhook_endpoint_policy.require_act(actor, organisation, "create")
    _check_url(url)
    if WebhookEndpoint.objects.filter(organisation=organisation, key=key).exists():
        raise WebhookEndpointError(_("Un point d'accès porte déjà cette clé."))
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation, key=key, url=url, secret=new_secret()
    )
    audit_log(
        actor=actor,
        action="cases.webhook_endpoint_created",
        obj=endpoint,
        organisation_id=organisation.pk,
        data={"key": key, "url": url},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_regenerate_secret(*, actor, endpoint: WebhookEndpoint) -> str:
    """A new secret (returned to be shown once); the old one stops signing at once."""
    webhook_endpoint_policy.require_act(actor, endpoint, "regenerate_secret")
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit_log(
        actor=actor,
        action="cases.webhook_endpoint_secret_regenerated",
        obj=endpoint,
        organisation_id=endpoint.organisation_id,
    )
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_enable(*, actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Enable a disabled endpoint again: its waiting deliveries are due now."""
    webhook_endpoint_policy.require_act(actor, endpoint, "enable")
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save(
        update_fields=["disabled_at", "disabled_reason", "consecutive_failures", "updated_at"]
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, state=WebhookDelivery.State.PENDING).update(
        next_attempt_at=timezone.now()
    )
    audit_log(
        actor=actor,
        action="cases.webhook_endpoint_enabled",
        obj=endpoint,
        organisation_id=endpoint.organisation_id,
    )
    return endpoint


@policy_exempt("reads the attempts of the endpoints its caller fetched with endpoints_for")
def recent_attempts_of(endpoints, *, limit: int = 200):
    """The latest delivery attempts of ``endpoints`` (fetched with ``endpoints_for``)."""
    return (
        WebhookAttempt.objects.filter(delivery__endpoint__in=endpoints)
        .select_related("delivery")
        .order_by("-attempted_at")[:limit]
    )


# --- Deliveries (the worker) ---------------------------------------------------------------------


@checked_by_caller("cases.workflow.run_actions", reason="a webhook action of a checked transition")
def webhook_enqueue(*, case, endpoint_key: str, payload: dict) -> WebhookDelivery | None:
    """The delivery of ``payload`` to the case organisation's endpoint ``endpoint_key`` (in the
    caller's transaction), or None when the organisation has no such endpoint."""
    endpoint = WebhookEndpoint.objects.filter(
        organisation_id=case.organisation_id, key=endpoint_key
    ).first()
    if endpoint is None:
        return None
    return WebhookDelivery.objects.create(
        case=case,
        endpoint=endpoint,
        message_id=f"msg_{uuid.uuid4().hex}",
        url=endpoint.url,
        payload=payload,
        next_attempt_at=timezone.now(),
    )


def _record_failure(endpoint: WebhookEndpoint, reason: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    WebhookEndpoint.objects.filter(
        pk=endpoint.pk,
        disabled_at__isnull=True,
        consecutive_failures__gte=settings.WEBHOOK_DISABLE_AFTER_FAILURES,
    ).update(disabled_at=timezone.now(), disabled_reason=reason[:300])


@system_only("the webhook deliveries job")
def webhook_delivery_send(delivery_id: int) -> str:
    """Send one due delivery once. The row is locked (SKIP LOCKED) for the attempt, so two
    workers never send it together; a crash after the send sends it again with the same
    ``webhook-id``. Returns the delivery's state, or "skipped"."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                pk=delivery_id,
                state=WebhookDelivery.State.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .select_related("endpoint")
            .first()
        )
        if delivery is None:
            return "skipped"
        endpoint = delivery.endpoint
        if endpoint is None:
            delivery.state = WebhookDelivery.State.FAILED
            delivery.last_error = _("aucun point d'accès")
            delivery.save(update_fields=["state", "last_error"])
            return delivery.state
        if not endpoint.is_enabled:
            return "skipped"  # waits until an agent enables the endpoint again
        body = json.dumps(delivery.payload, sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(
                secret=endpoint.secret,
                message_id=delivery.message_id,
                timestamp=timestamp,
                body=body,
            ),
        }
        started = time.monotonic()
        status, error, excerpt = None, "", ""
        try:
            response = safe_request(
                "POST",
                endpoint.url,
                headers=headers,
                body=body,
                timeout=TIMEOUT_SECONDS,
                max_bytes=MAX_RESPONSE_BYTES,
                max_redirects=0,  # a redirect is an answer, not an instruction to follow
            )
            status, excerpt = response.status, response.text()[:200]
            if not response.ok:
                error = _("réponse HTTP %(code)s") % {"code": response.status}
        except OutboundError as exc:
            error = str(exc)
        duration_ms = int((time.monotonic() - started) * 1000)
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=status,
            duration_ms=duration_ms,
            succeeded=not error,
            error=error[:500],
            response_excerpt=excerpt,
        )
        delivery.attempts += 1
        delivery.last_status = status
        delivery.last_error = error[:2000]
        delivery.url = endpoint.url
        if not error:
            delivery.state = WebhookDelivery.State.DONE
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        else:
            _record_failure(endpoint, error)
            if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                delivery.state = WebhookDelivery.State.FAILED
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(minutes=2**delivery.attempts)
        delivery.save(
            update_fields=[
                "attempts",
                "last_status",
                "state",
                "last_error",
                "next_attempt_at",
                "url",
            ]
        )
        return delivery.state


@system_only("the webhook deliveries job")
def due_delivery_ids(limit: int = 200) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .exclude(endpoint__disabled_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
