"""The webhook endpoints of an organisation are its agents' alone: every write asks
``webhooks.policies.webhook_endpoint_policy`` inside the service, and an agent of another
organisation is told the endpoint does not exist (404) and changes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.core.policies import SYSTEM, PolicyDenied
from guichet.territory.models import Membership
from guichet.webhooks import services as webhooks
from guichet.webhooks.models import WebhookEndpoint
from guichet.webhooks.policies import webhook_endpoint_policy
from tests.conftest import login_with_second_factor
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def ours():
    """An agent of an organisation, and an agent of another one."""
    return MembershipFactory().user


@pytest.fixture
def theirs():
    return MembershipFactory().user


def _organisation_of(agent):
    return Membership.objects.get(user=agent).team.organisation


@pytest.fixture
def endpoint(ours, allow_loopback):
    endpoint = webhooks.webhook_endpoint_create(
        actor=ours, organisation=_organisation_of(ours), key="sirh", url="http://127.0.0.1:9/a"
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_at=timezone.now(), disabled_reason="x", consecutive_failures=5
    )
    endpoint.refresh_from_db()
    return endpoint


def _state(endpoint):
    row = WebhookEndpoint.objects.get(pk=endpoint.pk)
    return (row.url, row.secret, row.disabled_at, row.consecutive_failures)


WRITES = {
    "regenerate_secret": lambda actor, e: webhooks.webhook_endpoint_regenerate_secret(
        actor=actor, endpoint=e
    ),
    "enable": lambda actor, e: webhooks.webhook_endpoint_enable(actor=actor, endpoint=e),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_another_organisations_agent_may_not_change_an_endpoint(write, endpoint, theirs):
    before = _state(endpoint)
    with pytest.raises(PolicyDenied) as refused:
        WRITES[write](theirs, endpoint)
    assert refused.value.code == "not_found"
    assert _state(endpoint) == before


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_citizen_may_not_change_an_endpoint(write, endpoint):
    before = _state(endpoint)
    with pytest.raises(PolicyDenied):
        WRITES[write](UserFactory(), endpoint)
    assert _state(endpoint) == before


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_organisations_agent_changes_its_endpoint(write, endpoint, ours):
    before = _state(endpoint)
    WRITES[write](ours, endpoint)
    assert _state(endpoint) != before


def test_an_auditor_of_the_organisation_may_not_change_an_endpoint(endpoint):
    auditor = MembershipFactory(
        team__organisation=endpoint.organisation, role=Membership.Role.AUDITOR
    ).user
    before = _state(endpoint)
    with pytest.raises(PolicyDenied):
        webhooks.webhook_endpoint_regenerate_secret(actor=auditor, endpoint=endpoint)
    assert _state(endpoint) == before


def test_nobody_creates_an_endpoint_for_another_organisation(ours, theirs, allow_loopback):
    with pytest.raises(PolicyDenied) as refused:
        webhooks.webhook_endpoint_create(
            actor=theirs, organisation=_organisation_of(ours), key="k", url="http://127.0.0.1:9/"
        )
    assert refused.value.code == "not_found"
    assert not WebhookEndpoint.objects.exists()


def test_the_policy_scopes_the_endpoints_to_the_actors_organisations(endpoint, ours, theirs):
    everything = WebhookEndpoint.objects.all()
    assert list(webhook_endpoint_policy.scope(ours, everything)) == [endpoint]
    assert not webhook_endpoint_policy.scope(theirs, everything).exists()
    assert list(webhook_endpoint_policy.scope(SYSTEM, everything)) == [endpoint]
    assert list(webhooks.endpoints_for(ours)) == [endpoint]
    assert not webhooks.endpoints_for(theirs).exists()


@pytest.mark.parametrize("url_name", ["webhooks:secret", "webhooks:enable"])
def test_the_back_office_answers_404_to_another_organisations_agent(
    client, url_name, endpoint, theirs
):
    before = _state(endpoint)
    login_with_second_factor(client, theirs)
    response = client.post(reverse(url_name, args=[endpoint.pk]))
    assert response.status_code == 404
    assert _state(endpoint) == before
    page = client.get(reverse("webhooks:endpoints"))
    assert page.status_code == 200 and "sirh" not in page.content.decode()


def test_the_back_office_refuses_a_creation_for_another_organisation(client, ours, theirs):
    login_with_second_factor(client, theirs)
    response = client.post(
        reverse("webhooks:endpoints"),
        {"organisation": _organisation_of(ours).pk, "key": "k", "url": "http://127.0.0.1:9/"},
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()
