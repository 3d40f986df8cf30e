import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from guichet.core.policies import PolicyDenied
from guichet.notifications.models import Broadcast, Delivery, Notification, Preference
from guichet.notifications.services import (
    broadcast_create,
    broadcast_fan_out,
    subscription_create,
)
from guichet.operations.worker import GuichetWorker
from tests.conftest import login_with_second_factor
from tests.factories import UserFactory

POINT = (45.7140, 4.8070)  # in the territory's commune (tests.factories.territory)
NEAR_POINT = (45.7150, 4.8080)  # ~140 m from POINT


@pytest.fixture
def named(place):
    """The territory's organisations and agents by name: ``commune`` (the commune, where the
    territory's citizen follows the water alerts), ``neighbour`` (its neighbour), ``metropolis``,
    ``body`` (a public body of the metropolis), and ``agent.<name>`` for each."""
    from tests.factories import TeamFactory
    from tests.factories.accounts import agent_of
    from tests.factories.territory import BodyFactory

    body = BodyFactory(parent=place.metropolis)
    subscription_create(actor=place.citizen, topic="alerts.water", commune=place.commune)
    return {
        "commune": place.commune,
        "neighbour": place.other_commune,
        "metropolis": place.metropolis,
        "body": body,
        "agent.commune": place.agent,
        "agent.neighbour": place.other_agent,
        "agent.metropolis": place.roads_agent,
        "agent.body": agent_of(TeamFactory(organisation=body)),
        "citizen": place.citizen,
    }


def _broadcast(actor, organisation, commune, **kwargs):
    return broadcast_create(
        actor=actor,
        organisation=organisation,
        commune=commune,
        topic=kwargs.pop("topic", "alerts.water"),
        title=kwargs.pop("title", "Coupure d'eau rue Pierre Sémard"),
        body=kwargs.pop("body", "L'eau sera coupée mardi de 9 h à 12 h."),
        channels=kwargs.pop("channels", ["email"]),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("agent_slug", "organisation", "commune", "allowed"),
    [
        ("commune", "commune", "commune", True),
        ("neighbour", "neighbour", "commune", False),  # another commune's agent
        ("commune", "neighbour", "neighbour", False),  # on behalf of an organisation not theirs
        ("metropolis", "metropolis", "commune", True),  # the metropolis covers every commune
        ("body", "body", "commune", False),  # a partner body does not send alerts
    ],
)
@pytest.mark.django_db
def test_who_may_broadcast_where(named, agent_slug, organisation, commune, allowed):
    actor = named[f"agent.{agent_slug}"]
    call = lambda: _broadcast(actor, named[organisation], named[commune])  # noqa: E731
    if allowed:
        assert call().commune == named[commune]
    else:
        with pytest.raises(PolicyDenied):
            call()
        assert not Broadcast.objects.exists()


@pytest.mark.django_db
def test_a_citizen_cannot_open_the_broadcast_page_and_nothing_is_created(client, named):
    client.force_login(named["citizen"])
    assert client.get(reverse("notifications:broadcast_new")).status_code == 403
    assert client.post(reverse("notifications:broadcast_new"), {}).status_code == 403
    assert not Broadcast.objects.exists()


@pytest.mark.django_db
def test_broadcast_page_refuses_another_commune(client, named):
    login_with_second_factor(client, named["agent.neighbour"])
    assert client.get(reverse("notifications:broadcast_new")).status_code == 200
    response = client.post(
        reverse("notifications:broadcast_new"),
        {
            "organisation": named["neighbour"].pk,
            "commune": named["commune"].pk,
            "topic": "alerts.roadworks",
            "title": "Travaux",
            "body": "Rue barrée",
            "channels": ["email"],
        },
    )
    assert response.status_code == 200
    assert "pas en charge de cette commune" in response.content.decode()
    assert not Broadcast.objects.exists()


def _subscribers(named):
    commune_sub = UserFactory(email="commune@example.org")
    subscription_create(actor=commune_sub, topic="alerts.water", commune=named["commune"])
    near = UserFactory(email="near@example.org")
    subscription_create(
        actor=near, topic="alerts.water", lat=NEAR_POINT[0], lon=NEAR_POINT[1], radius_m=200
    )
    # Both kinds of subscription: reached once only.
    both = UserFactory(email="both@example.org")
    subscription_create(actor=both, topic="alerts.water", commune=named["commune"])
    subscription_create(actor=both, topic="alerts.water", lat=POINT[0], lon=POINT[1], radius_m=100)
    other_topic = UserFactory(email="roadworks@example.org")
    subscription_create(actor=other_topic, topic="alerts.roadworks", commune=named["commune"])
    elsewhere = UserFactory(email="elsewhere@example.org")
    subscription_create(actor=elsewhere, topic="alerts.water", commune=named["neighbour"])
    quiet = UserFactory(email="quiet@example.org")
    subscription_create(actor=quiet, topic="alerts.water", commune=named["commune"])
    Preference.objects.create(user=quiet, topic="alerts.water", channel="email", enabled=False)


@pytest.mark.django_db
def test_fan_out_by_chunks_reaches_each_subscriber_once(named):
    _subscribers(named)
    broadcast = _broadcast(named["agent.commune"], named["commune"], named["commune"])
    rounds = 0
    while not broadcast_fan_out(public_id=str(broadcast.public_id), chunk=2):
        rounds += 1
    assert rounds == 3  # five people (with the territory's citizen), two by two
    broadcast.refresh_from_db()
    assert broadcast.status == "done" and broadcast.recipients_count == 5
    reached = sorted(
        Notification.objects.filter(broadcast=broadcast).values_list("recipient__email", flat=True)
    )
    assert reached == [
        "both@example.org",
        named["citizen"].email,
        "commune@example.org",
        "near@example.org",
        "quiet@example.org",
    ]
    # "quiet" turned e-mail off for water alerts: in-app only.
    assert sorted(Delivery.objects.values_list("to", flat=True)) == [
        "both@example.org",
        named["citizen"].email,
        "commune@example.org",
        "near@example.org",
    ]
    # Running again changes nothing.
    assert broadcast_fan_out(public_id=str(broadcast.public_id))
    assert Notification.objects.filter(broadcast=broadcast).count() == 5


@pytest.mark.django_db
def test_area_broadcast_reaches_nearby_circles_and_the_whole_commune_subscribers(named):
    _subscribers(named)
    far = UserFactory(email="far@example.org")
    # Still in the commune, but ~1.5 km away from the alert.
    subscription_create(actor=far, topic="alerts.water", lat=45.7250, lon=4.7950, radius_m=100)
    broadcast = _broadcast(
        named["agent.commune"], named["commune"], named["commune"], area=(POINT[0], POINT[1], 150)
    )
    assert broadcast_fan_out(public_id=str(broadcast.public_id)) is False
    assert broadcast_fan_out(public_id=str(broadcast.public_id)) is True
    reached = set(
        Notification.objects.filter(broadcast=broadcast).values_list("recipient__email", flat=True)
    )
    assert reached == {
        "both@example.org",
        named["citizen"].email,  # follows the whole commune
        "commune@example.org",
        "near@example.org",
        "quiet@example.org",
    }


@pytest.mark.django_db
def test_subscription_outside_the_territory_is_refused(named):
    with pytest.raises(ValidationError):
        subscription_create(
            actor=UserFactory(), topic="alerts.water", lat=48.85, lon=2.35, radius_m=500
        )
    with pytest.raises(ValidationError):
        subscription_create(actor=UserFactory(), topic="cases.update", commune=named["commune"])


@pytest.mark.django_db(transaction=True)
def test_broadcast_goes_out_through_the_worker(named, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _subscribers(named)
    mail.outbox.clear()
    _broadcast(
        named["agent.metropolis"], named["metropolis"], named["commune"], channels=["email", "sms"]
    )
    worker = GuichetWorker(worker_id="test", interval=0)
    for _round in range(3):
        worker.run_once()
    # (The worker also runs other apps' tasks: keep the alert's messages.)
    alerts = [m for m in mail.outbox if m.subject == "Coupure d'eau rue Pierre Sémard"]
    assert sorted(m.to[0] for m in alerts) == [
        "both@example.org",
        named["citizen"].email,
        "commune@example.org",
        "near@example.org",
    ]
    message = alerts[0]
    assert named["metropolis"].name in message.from_email
    html = message.alternatives[0][0]
    assert "L&#x27;eau sera coupée mardi" in html or "L'eau sera coupée mardi" in html
    assert (
        Delivery.objects.filter(notification__broadcast__isnull=False, status="sent").count() == 4
    )


@pytest.mark.django_db
def test_subscriptions_page(client, named):
    me = UserFactory()
    client.force_login(me)
    response = client.post(
        reverse("notifications:subscriptions"),
        {"topic": "alerts.roadworks", "where": "circle", "lat": "", "lon": "", "radius_m": ""},
    )
    assert response.status_code == 200
    assert "obligatoire pour un point" in response.content.decode()
    response = client.post(
        reverse("notifications:subscriptions"),
        {"topic": "alerts.roadworks", "where": "commune", "commune": named["commune"].pk},
    )
    assert response.status_code == 302
    subscription = me.notification_subscriptions.get()
    other = UserFactory()
    client.force_login(other)
    url = reverse("notifications:subscription_delete", args=[subscription.pk])
    assert client.post(url).status_code == 404
    assert me.notification_subscriptions.exists()
    client.force_login(me)
    assert client.post(url).status_code == 302
    assert not me.notification_subscriptions.exists()


@pytest.mark.django_db
def test_a_claimed_batch_reads_its_broadcast_and_organisation_once(named):
    """The rows of a batch share their broadcast and sending organisation: read once for the
    batch whatever its size, and each message still gets the broadcast's content."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guichet.notifications import outbox

    for n in range(12):
        subscription_create(
            actor=UserFactory(email=f"abonne{n}@example.org"),
            topic="alerts.water",
            commune=named["commune"],
        )
    broadcast = _broadcast(named["agent.commune"], named["commune"], named["commune"])
    while not broadcast_fan_out(public_id=str(broadcast.public_id)):
        pass
    counts = []
    for size in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            batch = outbox.deliveries_claim(channel="email", worker_id="w1", limit=size)
        counts.append(len(queries))
        assert len(batch) == size
        with CaptureQueriesContext(connection) as later:
            for delivery in batch:
                assert delivery.notification.broadcast.title == broadcast.title
                assert delivery.notification.organisation.name == named["commune"].name
        assert len(later) == 0  # given with the batch, not read per row
        # one object each for the whole batch (a join hydrated, and decoded, one per row)
        assert len({id(d.notification.broadcast) for d in batch}) == 1
        assert len({id(d.notification.organisation) for d in batch}) == 1
    assert counts[0] == counts[1]
    subjects = {outbox._content(d)[0] for d in batch}
    assert subjects == {broadcast.subject}
