from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.core.gdpr import gdpr_parts
from guichet.notifications.models import (
    Delivery,
    Notification,
    Preference,
    PushSubscription,
    Subscription,
)
from guichet.notifications.services import notification_create, subscription_create
from guichet.notifications.sweep import notifications_sweep
from tests.factories import UserFactory


def _notify(user):
    return notification_create(
        recipient=user,
        topic="cases.update",
        template="generic",
        context={"title": "Titre", "body": "Corps"},
        channels=["email"],
    )


@pytest.mark.django_db
def test_the_sweep_requeues_expired_leases_and_enqueues_processing():
    _notify(UserFactory())
    stale = timezone.now() - timedelta(minutes=1)
    Delivery.objects.update(status="sending", worker_id="dead", lease_expires_at=stale)
    DBTaskResult.objects.all().delete()

    notifications_sweep()

    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.lease_expires_at is None
    assert "bail expiré" in delivery.last_error
    assert DBTaskResult.objects.filter(
        task_path="guichet.notifications.tasks.deliveries_process_task"
    ).exists()


@pytest.mark.django_db
def test_the_sweep_leaves_live_leases_alone():
    _notify(UserFactory())
    Delivery.objects.update(
        status="sending", worker_id="alive", lease_expires_at=timezone.now() + timedelta(minutes=4)
    )
    notifications_sweep()
    assert Delivery.objects.get().status == "sending"


@pytest.mark.django_db
def test_gdpr_export_and_erase(place):
    user = UserFactory()
    _notify(user)
    Preference.objects.create(user=user, topic="cases.update", channel="sms", enabled=True)
    subscription_create(actor=user, topic="alerts.water", commune=place.commune)
    PushSubscription.objects.create(
        user=user, endpoint="https://p.example.org/1", p256dh="k", auth="a"
    )
    other = UserFactory()
    _notify(other)
    part = next(p for p in gdpr_parts() if p.name == "notifications")

    exported = part.export(user)
    assert [n["title"] for n in exported["notifications"]] == ["Titre"]
    assert exported["subscriptions"][0]["commune__name"] == place.commune.name
    assert len(exported["push_devices"]) == 1

    part.erase(user)
    assert not Notification.objects.filter(recipient=user).exists()
    assert not Subscription.objects.filter(user=user).exists()
    assert not PushSubscription.objects.filter(user=user).exists()
    assert Notification.objects.filter(recipient=other).exists()
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_admin_lists_deliveries_and_requeues_failed_ones(platform_admin_client):
    _notify(UserFactory())
    Delivery.objects.update(status="failed", attempts=8, last_error="550 boîte inconnue")
    assert (
        platform_admin_client.get("/admin/notifications/delivery/?status=failed").status_code == 200
    )
    delivery = Delivery.objects.get()
    assert (
        platform_admin_client.get(
            f"/admin/notifications/delivery/{delivery.pk}/change/"
        ).status_code
        == 200
    )
    response = platform_admin_client.post(
        "/admin/notifications/delivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    for path in [
        "/admin/notifications/notification/",
        "/admin/notifications/broadcast/",
        "/admin/notifications/branding/add/",
    ]:
        assert platform_admin_client.get(path).status_code == 200, path


PROCESS_TASK = "guichet.notifications.tasks.deliveries_process_task"


@pytest.mark.django_db
def test_a_notification_writes_no_task_the_outbox_poll_wakes_one_worker_up():
    """With the database task backend a change pays for its deliveries only: the workers'
    round hook enqueues the processing once they are due, and only when none is waiting."""
    from guichet.notifications.sweep import outbox_poll

    DBTaskResult.objects.all().delete()
    assert outbox_poll() is False  # nothing due
    _notify(UserFactory())
    assert not DBTaskResult.objects.exists()
    assert outbox_poll() is True
    assert outbox_poll() is False  # one is waiting already
    assert DBTaskResult.objects.filter(task_path=PROCESS_TASK, status="READY").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_notification_is_sent_by_the_next_worker_round(settings):
    from django.core import mail

    from guichet.operations.worker import GuichetWorker

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _notify(UserFactory(email="sans.tache@example.org"))
    GuichetWorker(worker_id="poll", interval=0).run_once()
    assert [m.to for m in mail.outbox if m.subject == "Titre"] == [["sans.tache@example.org"]]
    assert Delivery.objects.get().status == "sent"
