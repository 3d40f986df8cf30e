"""Sending SMS: a small backend interface chosen by the ``SMS_BACKEND`` setting.

- ``ConsoleSmsBackend`` (default) writes the message to the log: development and demo.
- ``HttpSmsBackend`` POSTs JSON to the provider's URL (``SMS_HTTP_URL``) with a bearer token
  (``SMS_HTTP_TOKEN``) and a sender name (``SMS_SENDER``)::

      {"to": "+33612345678", "text": "...", "sender": "Guichet", "id": "<message id>"}

  The provider is expected to answer 2xx; ``id`` lets it drop a duplicate if a message is sent
  again after a worker crash. 4xx (but 408/429) means the message can never go (invalid
  number...): the delivery fails at once; 5xx, 408, 429 and network errors are retried.

SMS is a notification channel only, never an authentication factor.
"""

import json
import logging
import re

from django.conf import settings
from django.utils.module_loading import import_string

from guichet.core.outbound import (
    OutboundConnectionError,
    OutboundError,
    OutboundTimeout,
    safe_request,
)

logger = logging.getLogger(__name__)

_PHONE_RE = re.compile(r"^\+[1-9]\d{7,14}$")


def normalise_phone(raw: str) -> str | None:
    """A French or international mobile number in E.164 (``+33612345678``), or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif re.fullmatch(r"0[67]\d{8}", digits):
        digits = "+33" + digits[1:]
    return digits if _PHONE_RE.match(digits) else None


def normalise_any_phone(raw: str) -> str | None:
    """A French (landline or mobile) or international number in E.164, or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = "+33" + digits[1:]
    return digits if _PHONE_RE.match(digits) else None


def mobile_number(raw: str) -> str | None:
    """A number that can receive SMS, in E.164: in France a mobile (06, 07), elsewhere any."""
    phone = normalise_phone(raw)
    if phone is None or (phone.startswith("+33") and phone[3] not in "67"):
        return None
    return phone


class SmsBackend:
    """Interface: ``send`` returns when the provider accepted the message, else raises
    ``outbox.PermanentFailure`` / ``outbox.TransportUnavailable`` or any other error (retried)."""

    def send(self, *, to: str, text: str, message_id: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, to: str, text: str, message_id: str) -> None:
        logger.info("SMS to %s [%s]: %s", to, message_id, text)


class HttpSmsBackend(SmsBackend):
    def __init__(self, *, url: str | None = None, token: str | None = None, sender=None):
        self.url = url or settings.SMS_HTTP_URL
        self.token = token if token is not None else settings.SMS_HTTP_TOKEN
        self.sender = sender or settings.SMS_SENDER
        self.timeout = getattr(settings, "SMS_HTTP_TIMEOUT", 10)

    def send(self, *, to: str, text: str, message_id: str) -> None:
        from guichet.notifications.outbox import PermanentFailure, TransportUnavailable

        try:
            response = safe_request(
                "POST",
                self.url,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
                body=json.dumps(
                    {"to": to, "text": text, "sender": self.sender, "id": message_id}
                ).encode(),
                timeout=self.timeout,
                max_bytes=64 * 1024,
                max_redirects=0,
            )
        except (OutboundConnectionError, OutboundTimeout) as exc:
            raise TransportUnavailable(f"fournisseur SMS injoignable : {exc}") from exc
        except OutboundError as exc:  # the configured URL is refused (private address…)
            raise RuntimeError(f"fournisseur SMS : {exc}") from exc
        if response.ok:
            return
        detail = f"fournisseur SMS : HTTP {response.status} {response.text()[:200]}"
        if 400 <= response.status < 500 and response.status not in (408, 429):
            raise PermanentFailure(detail)
        raise RuntimeError(detail)


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
