import base64
import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from guichet.notifications import outbox
from guichet.notifications.models import Delivery, PushSubscription
from guichet.notifications.services import notification_create
from guichet.notifications.sms import normalise_phone
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.12.34.56.78", "+33712345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("04 78 00 00 00", None),  # a landline cannot receive SMS
        ("12", None),
        ("", None),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.fixture
def sms_settings(settings, http_server):
    settings.SMS_BACKEND = "guichet.notifications.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = http_server.url("/sms")
    settings.SMS_HTTP_TOKEN = "jeton-secret"
    settings.SMS_SENDER = "Oullins"
    return settings


def _sms_for(user):
    from guichet.notifications.services import contact_settings_update, preferences_update

    contact_settings_update(actor=user, mobile_phone="06 12 34 56 78")
    preferences_update(actor=user, choices={("cases.update", "sms"): True})
    return notification_create(
        recipient=user,
        topic="cases.update",
        template="generic",
        context={"title": "Votre demande est prête", "body": "Venez la retirer."},
        channels=["sms"],
    )


@pytest.mark.django_db
def test_http_sms_backend_posts_json_with_the_token(http_server, sms_settings):
    http_server.serve("/sms", '{"status": "queued"}', "application/json")
    notification = _sms_for(UserFactory())
    assert outbox.deliveries_process(worker_id="w") == 1
    path, headers, body = http_server.requests[0]
    assert path == "/sms"
    assert headers["Authorization"] == "Bearer jeton-secret"
    payload = json.loads(body)
    delivery = notification.deliveries.get()
    assert payload == {
        "to": "+33612345678",
        "text": "Guichet numérique métropolitain : Votre demande est prête",
        "sender": "Oullins",
        "id": delivery.message_id,
    }
    delivery.refresh_from_db()
    assert delivery.status == "sent"


@pytest.mark.parametrize(
    ("status", "expected_status", "attempts"),
    [(400, "failed", 1), (503, "pending", 1), (429, "pending", 1)],
)
@pytest.mark.django_db
def test_http_sms_errors(http_server, sms_settings, status, expected_status, attempts):
    http_server.serve("/sms", "refusé", "text/plain", status=status)
    notification = _sms_for(UserFactory())
    outbox.deliveries_process(worker_id="w")
    delivery = notification.deliveries.get()
    assert (delivery.status, delivery.attempts) == (expected_status, attempts)
    assert f"HTTP {status}" in delivery.last_error


@pytest.mark.django_db
def test_sms_provider_down_defers_without_using_attempts(sms_settings, http_server):
    sms_settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"  # discard port: connection refused
    notification = _sms_for(UserFactory())
    outbox.deliveries_process(worker_id="w")
    delivery = notification.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert "injoignable" in delivery.last_error


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _push_sent(user) -> Delivery:
    """A push notification to ``user``, sent now: its delivery."""
    notification_create(
        recipient=user,
        topic="cases.update",
        template="generic",
        context={"title": "t", "body": "b"},
        channels=["push"],
    )
    outbox.deliveries_process(worker_id="w")
    return Delivery.objects.get()


def _push_subscription(user, endpoint: str) -> None:
    """A browser's push subscription of ``user`` to ``endpoint``, with keys of its own."""
    browser_key = ec.generate_private_key(ec.SECP256R1())
    public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    PushSubscription.objects.create(
        user=user, endpoint=endpoint, p256dh=_b64(public), auth=_b64(os.urandom(16))
    )


@pytest.mark.django_db
def test_web_push_is_encrypted_for_the_browser_and_signed_with_vapid(
    http_server, settings, tmp_path
):
    settings.VAR_DIR = tmp_path  # VAPID keys generated on first use, like the secret key
    from guichet.notifications import push

    push.vapid_keys.cache_clear()
    browser_key = ec.generate_private_key(ec.SECP256R1())
    browser_public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth_secret = os.urandom(16)
    http_server.serve("/push/abc", "", "text/plain", status=201)
    user = UserFactory()
    PushSubscription.objects.create(
        user=user,
        endpoint=http_server.url("/push/abc"),
        p256dh=_b64(browser_public),
        auth=_b64(auth_secret),
    )
    notification = notification_create(
        recipient=user,
        topic="cases.update",
        template="generic",
        context={"title": "Nouveau message", "body": "Un agent vous a répondu."},
        channels=["push"],
        url="/demandes/7/",
    )
    try:
        assert outbox.deliveries_process(worker_id="w") == 1
    finally:
        push.vapid_keys.cache_clear()
    assert (tmp_path / "vapid.json").exists()
    _path, headers, body = http_server.requests[0]
    assert headers["Content-Encoding"] == "aes128gcm"
    assert headers["Authorization"].startswith("vapid t=")
    clear = http_ece.decrypt(body, private_key=browser_key, auth_secret=auth_secret)
    payload = json.loads(clear)
    assert payload["title"] == "Nouveau message"
    assert payload["url"] == "http://127.0.0.1:8000/demandes/7/"
    assert notification.deliveries.get().status == "sent"


@pytest.mark.django_db
def test_a_gone_push_subscription_is_removed_and_the_delivery_fails(http_server):
    http_server.serve("/push/gone", "", "text/plain", status=410)
    user = UserFactory()
    _push_subscription(user, http_server.url("/push/gone"))
    delivery = _push_sent(user)
    assert delivery.status == "failed" and "410" in delivery.last_error
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1/push/1",
        "https://localhost:8443/push/1",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.7/push",
        "https://[::1]/push",
        "https://[::ffff:192.168.1.1]/push",
    ],
)
@pytest.mark.django_db
def test_a_push_subscription_to_a_private_address_is_refused(client, endpoint):
    me = UserFactory()
    client.force_login(me)
    response = client.post(
        reverse("notifications:push_subscribe"),
        json.dumps({"endpoint": endpoint, "keys": {"p256dh": "BPk", "auth": "secret"}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "refusée" in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_push_endpoint_to_a_private_address_is_refused_at_send_time(http_server, settings):
    """A subscription saved before the rule (or whose name now points inside): the send is
    refused, nothing reaches the address, the subscription is removed."""
    http_server.serve("/push/internal", "", "text/plain", status=201)
    user = UserFactory()
    _push_subscription(user, http_server.url("/push/internal"))
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = []
    delivery = _push_sent(user)
    assert delivery.status == "failed" and "non publique" in delivery.last_error
    assert http_server.requests == []
    assert not PushSubscription.objects.exists()
