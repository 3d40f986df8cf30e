"""Web Push (RFC 8030 + VAPID, RFC 8292) with pywebpush.

Keys come from ``VAPID_PUBLIC_KEY`` / ``VAPID_PRIVATE_KEY`` (base64url, as browsers expect);
in embedded mode they are generated once into ``var/vapid.json`` (like the secret key).
"""

import base64
import json
import logging
from functools import cache

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

logger = logging.getLogger(__name__)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _generate_keys() -> dict[str, str]:
    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return {"public": _b64url(public), "private": _b64url(private)}


@cache
def vapid_keys() -> dict[str, str]:
    """The VAPID key pair: from settings, else generated once into var/vapid.json."""
    if settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY:
        return {"public": settings.VAPID_PUBLIC_KEY, "private": settings.VAPID_PRIVATE_KEY}
    key_file = settings.VAR_DIR / "vapid.json"
    if not key_file.exists():
        key_file.write_text(json.dumps(_generate_keys()))
        key_file.chmod(0o600)
    return json.loads(key_file.read_text())


def push_send(*, subscription, payload: dict) -> None:
    """Send ``payload`` (title, body, url, tag) to one browser; a gone subscription is deleted."""
    from guichet.notifications.outbox import PermanentFailure, TransportUnavailable

    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload),
            vapid_private_key=vapid_keys()["private"],
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=getattr(settings, "PUSH_TTL_SECONDS", 86400),
            timeout=10,
        )
    except requests.ConnectionError as exc:
        raise TransportUnavailable(f"service push injoignable : {exc}") from exc
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            subscription.delete()
            raise PermanentFailure(f"abonnement push expiré (HTTP {status})") from exc
        if status is None:
            raise TransportUnavailable(f"service push injoignable : {exc}") from exc
        raise
