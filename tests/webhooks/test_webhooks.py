"""Workflow webhooks: endpoints of the organisation, Standard Webhooks signatures checked by an
independent implementation (the ``standardwebhooks`` package), the delivery log, retries with
back-off, disabling after failures in a row, and no private address."""

import json

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from guichet.cases.models import CaseEvent
from guichet.cases.workflow import run_actions
from guichet.core.policies import PolicyDenied
from guichet.webhooks import services as webhooks
from guichet.webhooks import tasks
from guichet.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.outbound_server import LocalServer


@pytest.fixture
def partner(settings):
    """The partner's receiving server (on loopback, which this test's operator allows)."""
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    with LocalServer("127.0.0.1") as server:
        yield server


@pytest.fixture
def endpoint(partner, place, file_case):
    case = file_case()
    endpoint = webhooks.webhook_endpoint_create(
        actor=place.agent,
        organisation=case.organisation,
        key="sirh",
        url=partner.url("/hook"),
    )
    endpoint.case = case
    return endpoint


def _fire(endpoint, place):
    run_actions(endpoint.case, [{"type": "webhook", "endpoint": "sirh"}], actor=place.agent)
    return WebhookDelivery.objects.get(case=endpoint.case)


def _make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_delivery_is_signed_per_standard_webhooks_with_the_endpoint_secret(
    endpoint, partner, place, settings
):
    partner.serve("/hook", b"merci", status=204)
    delivery = _fire(endpoint, place)
    assert webhooks.webhook_delivery_send(delivery.pk) == "done"
    path, headers, body = partner.requests[0]
    assert path == "/hook"
    payload = Webhook(endpoint.secret).verify(body, headers)  # raises unless it checks
    assert payload["reference"] == endpoint.case.reference
    assert headers["webhook-id"] == delivery.message_id
    # Not the platform's SECRET_KEY, and another endpoint's secret does not verify it.
    assert settings.SECRET_KEY not in endpoint.secret
    with pytest.raises(Exception, match="signature"):
        Webhook(webhooks.new_secret()).verify(body, headers)
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.succeeded) == (204, True)
    assert CaseEvent.objects.filter(case=endpoint.case, kind="webhook").exists()


def test_retries_keep_the_message_id_and_log_each_attempt(endpoint, partner, place):
    partner.serve("/hook", b"x" * 5000, status=503)
    delivery = _fire(endpoint, place)
    assert webhooks.webhook_delivery_send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    assert webhooks.webhook_delivery_send(delivery.pk) == "skipped"  # not due yet: not sent twice
    partner.serve("/hook", b"ok", status=200)
    _make_due(delivery)
    assert tasks.webhooks_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("done", 2)
    ids = {request[1]["webhook-id"] for request in partner.requests}
    assert ids == {delivery.message_id}
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("attempted_at"))
    assert [(a.status_code, a.succeeded) for a in log] == [(503, False), (200, True)]
    assert len(log[0].response_excerpt) <= 200 and "503" in log[0].error


def test_a_delivery_is_given_up_after_the_maximum_attempts(endpoint, partner, place, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    partner.serve("/hook", b"", status=500)
    delivery = _fire(endpoint, place)
    for _ in range(3):
        _make_due(delivery)
        webhooks.webhook_delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert len(partner.requests) == 3


def test_an_endpoint_failing_in_a_row_is_disabled_then_re_enabled_by_an_agent(
    endpoint, partner, place, settings
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    partner.serve("/hook", b"", status=500)
    delivery = _fire(endpoint, place)
    for _ in range(2):
        _make_due(delivery)
        webhooks.webhook_delivery_send(delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None and "500" in endpoint.disabled_reason
    _make_due(delivery)
    assert tasks.webhooks_sweep() == 0  # a disabled endpoint's deliveries wait
    assert webhooks.webhook_delivery_send(delivery.pk) == "skipped"
    assert len(partner.requests) == 2
    # Someone outside the organisation may not enable it.
    with pytest.raises(PolicyDenied):
        webhooks.webhook_endpoint_enable(actor=place.other_agent, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    partner.serve("/hook", b"", status=200)
    webhooks.webhook_endpoint_enable(actor=place.agent, endpoint=endpoint)
    assert tasks.webhooks_sweep() == 1
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.state == "done" and endpoint.consecutive_failures == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::1]/hook",
        "file:///etc/passwd",
    ],
)
def test_an_endpoint_to_a_non_public_address_is_refused_when_saved(file_case, place, url):
    case = file_case()
    with pytest.raises(webhooks.WebhookEndpointError, match="refusée"):
        webhooks.webhook_endpoint_create(
            actor=place.agent, organisation=case.organisation, key="k", url=url
        )
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_whose_address_became_private_is_refused_at_send_time(
    endpoint, partner, place, settings
):
    """Saved while allowed (or renamed in DNS since): checked again at every send."""
    partner.serve("/hook", b"", status=200)
    delivery = _fire(endpoint, place)
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = []
    assert webhooks.webhook_delivery_send(delivery.pk) == "pending"
    assert partner.requests == []
    assert "non publique" in WebhookAttempt.objects.get(delivery=delivery).error


def test_a_redirect_is_not_followed(endpoint, partner, place):
    partner.serve("/hook", status=307, headers={"Location": "http://169.254.169.254/"})
    delivery = _fire(endpoint, place)
    assert webhooks.webhook_delivery_send(delivery.pk) == "pending"
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code == 307 and not attempt.succeeded


def test_only_the_organisation_agents_manage_its_endpoints(endpoint, place):
    before = endpoint.secret
    with pytest.raises(PolicyDenied):
        webhooks.webhook_endpoint_regenerate_secret(actor=place.other_agent, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.secret == before
    secret = webhooks.webhook_endpoint_regenerate_secret(actor=place.agent, endpoint=endpoint)
    assert secret.startswith("whsec_") and secret != before


def test_an_unknown_endpoint_key_records_the_event_and_sends_nothing(file_case, place):
    case = file_case()
    run_actions(case, [{"type": "webhook", "endpoint": "absent"}], actor=place.agent)
    assert not WebhookDelivery.objects.exists()
    event = CaseEvent.objects.get(case=case, kind="webhook")
    assert "absent" in event.summary


def test_the_body_is_the_json_payload(endpoint, partner, place):
    partner.serve("/hook", b"", status=200)
    delivery = _fire(endpoint, place)
    webhooks.webhook_delivery_send(delivery.pk)
    body = json.loads(partner.requests[0][2])
    assert body["event"] == "case.status" and body["organisation"]


def test_agents_create_endpoints_see_the_secret_once_and_re_enable(client, place, settings):
    from django.urls import reverse

    from tests.conftest import login_with_second_factor

    agent = place.agent
    login_with_second_factor(client, agent)
    oullins = place.commune
    refused = client.post(
        reverse("webhooks:endpoints"),
        {"organisation": oullins.pk, "key": "sirh", "url": "http://169.254.169.254/latest/"},
    )
    assert refused.status_code == 400 and "refusée" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    created = client.post(
        reverse("webhooks:endpoints"),
        {"organisation": oullins.pk, "key": "sirh", "url": "http://127.0.0.1:9/hook"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert created.status_code == 200 and endpoint.secret in created.content.decode()
    assert endpoint.secret not in client.get(reverse("webhooks:endpoints")).content.decode()
    endpoint.disabled_at = timezone.now()
    endpoint.save(update_fields=["disabled_at"])
    assert "Désactivé" in client.get(reverse("webhooks:endpoints")).content.decode()
    client.post(reverse("webhooks:enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None
    # An agent of another organisation neither sees it nor reaches it.
    other = login_with_second_factor(client, place.other_agent)
    assert "sirh" not in other.get(reverse("webhooks:endpoints")).content.decode()
    response = other.post(reverse("webhooks:secret", args=[endpoint.pk]))
    assert response.status_code == 404
    assert WebhookEndpoint.objects.get().secret == endpoint.secret
