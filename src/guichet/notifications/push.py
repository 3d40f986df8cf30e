"""Web Push (RFC 8030 + VAPID, RFC 8292): pywebpush encrypts (RFC 8291) and py_vapid signs;
the request goes through ``core.outbound.safe_request`` like every outbound call (the endpoint
is whatever a browser sent us: no private address, no redirect).

Keys come from ``VAPID_PUBLIC_KEY`` / ``VAPID_PRIVATE_KEY`` (base64url, as browsers expect);
in embedded mode they are generated once into ``var/vapid.json`` (like the secret key).
"""

import base64
import json
import logging
import time
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPusher

from guichet.core.outbound import (
    DestinationRefused,
    OutboundConnectionError,
    OutboundError,
    OutboundTimeout,
    safe_request,
)

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


def _vapid_headers(endpoint: str) -> dict[str, str]:
    parts = urlsplit(endpoint)
    claims = {
        "sub": settings.VAPID_SUBJECT,
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
    }
    return Vapid02.from_string(private_key=vapid_keys()["private"]).sign(claims)


def push_send(*, subscription, payload: dict) -> None:
    """Send ``payload`` (title, body, url, tag) to one browser; a gone subscription is deleted."""
    from guichet.notifications.outbox import PermanentFailure, TransportUnavailable

    subscription_info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    encoded = WebPusher(subscription_info).encode(json.dumps(payload).encode(), "aes128gcm")
    headers = {
        **_vapid_headers(subscription.endpoint),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(getattr(settings, "PUSH_TTL_SECONDS", 86400)),
    }
    try:
        response = safe_request(
            "POST",
            subscription.endpoint,
            headers=headers,
            body=encoded["body"],
            timeout=10,
            max_bytes=64 * 1024,
            max_redirects=0,
        )
    except DestinationRefused as exc:
        subscription.delete()
        raise PermanentFailure(f"abonnement push refusé : {exc}") from exc
    except (OutboundConnectionError, OutboundTimeout) as exc:
        raise TransportUnavailable(f"service push injoignable : {exc}") from exc
    except OutboundError as exc:
        raise RuntimeError(f"service push : {exc}") from exc
    if response.status in (404, 410):
        subscription.delete()
        raise PermanentFailure(f"abonnement push expiré (HTTP {response.status})")
    if response.status > 202:
        raise RuntimeError(f"service push : HTTP {response.status} {response.text()[:200]}")
