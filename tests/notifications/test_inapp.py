import json

import pytest
from django.urls import reverse

from guichet.notifications.models import Delivery, Notification, Preference, PushSubscription
from guichet.notifications.selectors import unread_count
from guichet.notifications.services import notification_create
from tests.factories import UserFactory


def _notify(user, title="Demande traitée", **kwargs):
    return notification_create(
        recipient=user,
        topic=kwargs.pop("topic", "cases.update"),
        template="generic",
        context={"title": title, "body": "Votre demande a avancé."},
        **kwargs,
    )


@pytest.mark.django_db
def test_notification_records_in_app_and_one_delivery_per_enabled_channel(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example.org/abc", p256dh="k", auth="a"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        notification = _notify(user, url="/demandes/42/")
    assert notification.recipient == user
    assert notification.subject == "Demande traitée"
    assert "Votre demande a avancé." in notification.body_text
    assert "http://127.0.0.1:8000/demandes/42/" in notification.body_text
    # cases.update defaults: e-mail and push (no phone, and SMS is off by default).
    assert sorted(notification.deliveries.values_list("channel", "to")) == [
        ("email", user.email),
        ("push", "https://push.example.org/abc"),
    ]
    # The worker's wake-up task is a row of this same transaction (database task backend), not
    # an after-commit callback: see test_the_wake_up_task_is_written_in_the_changes_own_transaction.
    assert len(callbacks) == 0


@pytest.mark.django_db
def test_nothing_is_recorded_when_the_causing_transaction_rolls_back():
    from django.db import transaction

    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(user)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("topic", "prefs", "expected"),
    [
        ("cases.update", {}, ["email"]),
        ("cases.update", {"email": False}, []),
        ("cases.update", {"sms": True}, ["email", "sms"]),
        ("cases.update", {"email": False, "sms": True}, ["sms"]),
        ("account.security", {"email": False}, ["email"]),  # mandatory: always by e-mail
        ("unregistered.topic", {}, ["email"]),
    ],
)
@pytest.mark.django_db
def test_preferences_decide_the_channels(topic, prefs, expected):
    from guichet.notifications.models import ContactSettings

    user = UserFactory()
    ContactSettings.objects.create(user=user, mobile_phone="+33612345678")
    for channel, enabled in prefs.items():
        Preference.objects.create(user=user, topic=topic, channel=channel, enabled=enabled)
    notification = _notify(user, topic=topic)
    assert sorted(notification.deliveries.values_list("channel", flat=True)) == expected


@pytest.mark.django_db
def test_contact_without_account_gets_email_and_sms():
    notification = notification_create(
        recipient={"email": "anne@example.org", "phone": "06 12 34 56 78", "name": "Anne"},
        topic="cases.update",
        template="generic",
        context={"title": "Suivi", "body": "Code de suivi ABC"},
        channels=["email", "sms"],
    )
    assert notification.recipient is None
    assert sorted(notification.deliveries.values_list("channel", "to")) == [
        ("email", "anne@example.org"),
        ("sms", "+33612345678"),
    ]


@pytest.mark.django_db
def test_message_ids_are_unique_and_stored_at_creation():
    users = UserFactory.create_batch(3)
    for user in users:
        _notify(user)
    ids = list(Delivery.objects.values_list("message_id", flat=True))
    assert len(set(ids)) == 3
    assert all(i.startswith("<") and i.endswith("@127.0.0.1>") for i in ids)


@pytest.mark.django_db
def test_branding_dresses_the_html_email():
    from guichet.notifications.models import Branding
    from tests.factories import CommuneFactory

    commune = CommuneFactory(name="Oullins-Pierre-Bénite")
    Branding.objects.create(
        organisation=commune, colour="#7a1f5c", logo_url="https://oullins.example.org/logo.png"
    )
    notification = _notify(UserFactory(), organisation=commune)
    assert "#7a1f5c" in notification.body_html
    assert 'src="https://oullins.example.org/logo.png"' in notification.body_html
    assert "Oullins-Pierre-Bénite" in notification.body_html


@pytest.mark.django_db
def test_a_branding_changed_after_a_message_dresses_the_next_one():
    """Brandings are cached (one query less per receipt): a change must still show at once."""
    from guichet.notifications.models import Branding
    from tests.factories import CommuneFactory

    commune = CommuneFactory(name="Oullins")
    branding = Branding.objects.create(organisation=commune, colour="#7a1f5c")
    assert "#7a1f5c" in _notify(UserFactory(), organisation=commune).body_html
    branding.colour = "#123456"
    branding.display_name = "Mairie d'Oullins"
    branding.save()
    changed = _notify(UserFactory(), organisation=commune)
    assert "#123456" in changed.body_html
    assert "Mairie d'Oullins" in changed.body_text
    branding.delete()
    commune.name = "Oullins-Pierre-Bénite"
    commune.save()
    renamed = _notify(UserFactory(), organisation=commune)
    assert "#123456" not in renamed.body_html
    assert "Oullins-Pierre-Bénite" in renamed.body_text


@pytest.mark.django_db
def test_each_push_endpoint_of_the_person_gets_its_delivery_per_their_choices():
    user, other = UserFactory(), UserFactory()
    phone = PushSubscription.objects.create(
        user=user, endpoint="https://push.example.org/phone", p256dh="k", auth="a"
    )
    laptop = PushSubscription.objects.create(
        user=user, endpoint="https://push.example.org/laptop", p256dh="k", auth="a"
    )
    PushSubscription.objects.create(
        user=other, endpoint="https://push.example.org/other", p256dh="k", auth="a"
    )
    Preference.objects.create(user=user, topic="cases.update", channel="email", enabled=False)
    Preference.objects.create(user=other, topic="cases.update", channel="push", enabled=False)
    mine = _notify(user)
    assert sorted(mine.deliveries.values_list("channel", "to", "push_subscription_id")) == [
        ("push", "https://push.example.org/laptop", laptop.pk),
        ("push", "https://push.example.org/phone", phone.pk),
    ]
    Preference.objects.filter(user=user, channel="email").update(enabled=True)
    Preference.objects.create(user=user, topic="cases.update", channel="push", enabled=False)
    assert list(_notify(user).deliveries.values_list("channel", flat=True)) == ["email"]
    # in-app only: no delivery at all
    assert not _notify(user, channels=[]).deliveries.exists()
    # the other person's own choice (push off) is theirs only
    assert list(_notify(other).deliveries.values_list("channel", flat=True)) == ["email"]


@pytest.mark.django_db
def test_notification_centre_lists_only_mine_and_marks_read(client):
    me, other = UserFactory(), UserFactory()
    mine = _notify(me, title="Pour moi", url="/demandes/1/")
    theirs = _notify(other, title="Pas pour moi")
    client.force_login(me)
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    assert "Pour moi" in page.content.decode()
    assert "Pas pour moi" not in page.content.decode()
    assert unread_count(actor=me) == 1

    response = client.post(reverse("notifications:open", args=[mine.public_id]))
    assert response.status_code == 302 and response["Location"] == "/demandes/1/"
    assert unread_count(actor=me) == 0

    # Someone else's notification: the same 404 as a missing one, and it stays unread.
    assert client.post(reverse("notifications:open", args=[theirs.public_id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_the_notification_centre_reads_the_same_whatever_the_number_of_notifications(
    client, django_assert_max_num_queries
):
    """Twenty a page, the latest first, one count of the unread (the header reuses it)."""
    from datetime import timedelta

    from django.utils import timezone

    me = UserFactory()
    for n in range(45):
        notification = _notify(me, title=f"Avis {n:02d}")
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - timedelta(minutes=45 - n)
        )
    client.force_login(me)
    client.get(reverse("notifications:list"))  # the session's first request records it
    # session, user, agent or not, page count, page rows, unread count (the header's too)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("notifications:list")).content.decode()
    assert html.index("Avis 44") < html.index("Avis 25")
    assert "Avis 24" not in html
    assert '<span class="badge">45<span class="visually-hidden"> non lues</span>' in html
    older = client.get(reverse("notifications:list"), {"page": 3}).content.decode()
    assert "Avis 04" in older and "Avis 05" not in older


@pytest.mark.django_db
def test_header_shows_the_unread_count(client):
    me = UserFactory()
    _notify(me)
    _notify(me)
    client.force_login(me)
    html = client.get(reverse("notifications:list")).content.decode()
    assert '<span class="badge">2<span class="visually-hidden"> non lues</span>' in html


@pytest.mark.django_db
def test_api_list_unread_count_and_mark_read(client):
    me, other = UserFactory(), UserFactory()
    first = _notify(me, title="Un")
    _notify(me, title="Deux")
    _notify(other, title="Autre")
    assert client.get("/api/v1/notifications/unread-count").status_code == 401
    client.force_login(me)
    listing = client.get("/api/v1/notifications/?limit=10").json()
    assert listing["count"] == 2 and listing["unread"] == 2
    assert [i["title"] for i in listing["items"]] == ["Deux", "Un"]
    client.get("/")  # sets the CSRF cookie
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(me)
    assert csrf_client.post(f"/api/v1/notifications/{first.public_id}/read").status_code == 403
    response = client.post(f"/api/v1/notifications/{first.public_id}/read")
    assert response.status_code == 200 and response.json()["read"] is True
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    other_one = Notification.objects.get(recipient=other)
    assert client.post(f"/api/v1/notifications/{other_one.public_id}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"unread": 0}
    other_one.refresh_from_db()
    assert other_one.read_at is None


@pytest.mark.django_db
def test_preferences_page_saves_channels_and_rejects_a_bad_phone(client):
    me = UserFactory()
    client.force_login(me)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    response = client.post(
        reverse("notifications:preferences"),
        {"cases.update:sms": "on", "mobile_phone": "12"},
    )
    assert response.status_code == 200
    assert "Numéro de mobile invalide" in response.content.decode()
    assert not Preference.objects.filter(user=me).exists()

    response = client.post(
        reverse("notifications:preferences"),
        {"cases.update:sms": "on", "mobile_phone": "06 12 34 56 78"},
    )
    assert response.status_code == 302
    assert Preference.objects.get(user=me, topic="cases.update", channel="sms").enabled
    assert not Preference.objects.get(user=me, topic="cases.update", channel="email").enabled
    assert me.notification_contact.mobile_phone == "+33612345678"
    notification = _notify(me)
    assert list(notification.deliveries.values_list("channel", flat=True)) == ["sms"]


@pytest.mark.django_db
def test_push_subscription_endpoint_is_csrf_protected_and_saves(client):
    from django.test import Client

    me = UserFactory()
    payload = {
        "endpoint": "https://push.example.org/sub/1",
        "keys": {"p256dh": "BPk", "auth": "secret"},
    }
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(me)
    response = strict.post(
        reverse("notifications:push_subscribe"),
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not PushSubscription.objects.exists()

    client.force_login(me)
    response = client.post(
        reverse("notifications:push_subscribe"),
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert PushSubscription.objects.get().user == me
    bad = client.post(
        reverse("notifications:push_subscribe"), "nope", content_type="application/json"
    )
    assert bad.status_code == 400
    insecure = client.post(
        reverse("notifications:push_subscribe"),
        json.dumps({**payload, "endpoint": "http://push.example.org/x"}),
        content_type="application/json",
    )
    assert insecure.status_code == 400


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "showNotification" in response.content.decode()


@pytest.mark.django_db
def test_empty_channels_means_in_app_only():
    notification = _notify(UserFactory(), channels=[])
    assert not notification.deliveries.exists()


@pytest.mark.django_db
def test_demo_gives_camille_notifications_and_sends_nothing(demo, client):
    from guichet.accounts.models import User

    camille = User.objects.get(email="camille.martin@example.org")
    assert unread_count(actor=camille) == 2
    assert not Delivery.objects.exists()
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Notification.objects.filter(recipient=camille).count() == 2
    client.force_login(camille)
    assert "Bienvenue sur votre espace" in client.get("/notifications/").content.decode()


@pytest.mark.django_db
def test_the_centre_shows_the_text_without_the_email_footer(client):
    me = UserFactory()
    _notify(me, url="/demandes/3/")
    client.force_login(me)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Votre demande a avancé." in html
    assert "Gérer mes notifications" not in html
    assert Notification.objects.get().body_text.count("Gérer mes notifications") == 1
