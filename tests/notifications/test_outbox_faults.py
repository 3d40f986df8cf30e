"""Fault tests of the outbox: mail server outage, worker killed mid-batch (real SMTP server,
real worker process killed with SIGKILL)."""

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from guichet.notifications import outbox
from guichet.notifications.models import Delivery
from tests.factories import UserFactory
from tests.factories.notifications import case_updates_by_email


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_queues_then_delivers_each_message_exactly_once(smtp_sink, smtp_settings):
    users = UserFactory.create_batch(6)
    case_updates_by_email(users)

    # The server is down: nothing is sent, nothing is lost, no attempt is used up.
    assert outbox.deliveries_process(worker_id="w1") == 0
    assert Delivery.objects.filter(status="pending", attempts=0).count() == 6
    assert "injoignable" in Delivery.objects.first().last_error

    smtp_sink.start()
    # The queue waits for the outage delay, then delivers everything once.
    assert outbox.deliveries_process(worker_id="w1") == 0
    later = timezone.now() + timedelta(minutes=5)
    assert outbox.deliveries_process(worker_id="w1", now=later) == 6
    assert outbox.deliveries_process(worker_id="w1", now=later + timedelta(hours=1)) == 0

    assert Delivery.objects.filter(status="sent").count() == 6
    stored_ids = set(Delivery.objects.values_list("message_id", flat=True))
    assert sorted(smtp_sink.message_ids()) == sorted(stored_ids)
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(u.email for u in users)


@pytest.mark.django_db(transaction=True)
def test_a_batch_shares_one_smtp_connection(smtp_sink, smtp_settings):
    sessions = []
    original = smtp_sink.handle_DATA

    async def handle_DATA(server, session, envelope):
        sessions.append(id(session))
        return await original(server, session, envelope)

    smtp_sink.handle_DATA = handle_DATA
    smtp_sink.start()
    case_updates_by_email(UserFactory.create_batch(5))
    assert outbox.deliveries_process(worker_id="w1") == 5
    assert len(set(sessions)) == 1


def _database_url() -> str:
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{cfg['NAME']}"
    host = cfg.get("HOST") or "127.0.0.1"
    port = cfg.get("PORT") or 5432
    return f"postgres://{cfg['USER']}@{host}:{port}/{cfg['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_killing_a_worker_mid_batch_resends_only_the_message_in_flight(smtp_sink, smtp_settings):
    users = UserFactory.create_batch(8)
    case_updates_by_email(users)
    in_flight_rank = 4
    smtp_sink.hold_at = in_flight_rank
    smtp_sink.start()

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "GUICHET_VAR_DIR": str(settings.VAR_DIR),
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "guichet", "worker", "--interval", "0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        held = smtp_sink.holding.wait(timeout=90)
        assert held, worker.stderr.read1().decode() if worker.poll() is not None else "timeout"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.stderr.close()
    smtp_sink.release.set()

    # Three were sent and recorded; the fourth was in the server's hands when the worker died;
    # the others of the batch were claimed but never sent.
    assert Delivery.objects.filter(status="sent").count() == in_flight_rank - 1
    assert Delivery.objects.filter(status="sending").count() == 8 - (in_flight_rank - 1)
    in_flight_id = smtp_sink.messages[in_flight_rank - 1]["Message-ID"]

    # Nothing moves before the lease expires; then the sweep gives the rows back.
    assert outbox.deliveries_requeue_expired() == 0
    after_lease = timezone.now() + outbox.lease_duration() + timedelta(seconds=1)
    assert outbox.deliveries_requeue_expired(now=after_lease) == 8 - (in_flight_rank - 1)
    smtp_sink.hold_at = None
    assert outbox.deliveries_process(worker_id="w2", now=after_lease) == 8 - (in_flight_rank - 1)

    assert Delivery.objects.filter(status="sent").count() == 8
    received = Counter(smtp_sink.message_ids())
    assert set(received) == set(Delivery.objects.values_list("message_id", flat=True))
    assert {mid: n for mid, n in received.items() if n > 1} == {in_flight_id: 2}


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_is_retried_with_backoff_then_failed(smtp_sink, smtp_settings):
    smtp_settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    refused = {"count": 0}

    async def handle_DATA(server, session, envelope):
        refused["count"] += 1
        return "451 Try again later"

    smtp_sink.handle_DATA = handle_DATA
    smtp_sink.start()
    case_updates_by_email(UserFactory.create_batch(1))
    delivery = Delivery.objects.get()

    now = timezone.now()
    outbox.deliveries_process(worker_id="w", now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at >= now + timedelta(seconds=59)
    # Not due yet: nothing happens.
    outbox.deliveries_process(worker_id="w", now=now + timedelta(seconds=30))
    assert refused["count"] == 1
    outbox.deliveries_process(worker_id="w", now=now + timedelta(minutes=2))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=119)
    outbox.deliveries_process(worker_id="w", now=now + timedelta(hours=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "451" in delivery.last_error
    assert refused["count"] == 3


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (10, 6 * 3600)],
)
def test_backoff_doubles_and_is_capped(attempts, seconds):
    assert outbox.backoff(attempts) == timedelta(seconds=seconds)


@pytest.mark.django_db(transaction=True)
def test_broadcast_copies_over_smtp_differ_only_by_recipient_and_message_id(
    smtp_sink, smtp_settings, place
):
    from guichet.notifications.models import Branding
    from guichet.notifications.services import (
        broadcast_create,
        broadcast_fan_out,
        subscription_create,
    )

    Branding.objects.create(
        organisation=place.commune, display_name="Ville de Bourg", colour="#6b2b5e"
    )
    subscribers = [UserFactory(email=f"abonne{n}@exemple.fr") for n in range(5)]
    for user in subscribers:
        subscription_create(actor=user, topic="alerts.roadworks", commune=place.commune)
    broadcast = broadcast_create(
        actor=place.agent,
        organisation=place.commune,
        commune=place.commune,
        topic="alerts.roadworks",
        title="Travaux Grande Rue : circulation alternée",
        body="Du lundi 7 au vendredi 18 décembre.",
        channels=["email"],
    )
    assert broadcast_fan_out(public_id=str(broadcast.public_id)) is False
    smtp_sink.start()
    assert outbox.deliveries_process(worker_id="w") == 5

    by_to = {m["To"]: m for m in smtp_sink.messages}
    assert sorted(by_to) == sorted(u.email for u in subscribers)
    expected_ids = dict(Delivery.objects.values_list("to", "message_id"))
    for to, message in by_to.items():
        assert message["Message-ID"] == expected_ids[to]
        assert message["Subject"] == "Travaux Grande Rue : circulation alternée"
        assert message["From"].addresses[0].display_name == "Ville de Bourg"  # branding
        html = message.get_body(("html",)).get_content()
        assert "Du lundi 7 au vendredi 18 décembre." in html
        text = message.get_body(("plain",)).get_content()
        assert "Du lundi 7 au vendredi 18 décembre." in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_marks_are_committed_asynchronously_during_a_batch_only(
    smtp_sink, smtp_settings, monkeypatch
):
    """The per-message ``sent`` marks skip the WAL flush wait (ADR 0009), and the worker's
    connection is back to synchronous commits afterwards, for every other write it makes."""
    seen = []
    smtp_sink.start()
    case_updates_by_email(UserFactory.create_batch(3))

    real_mark_sent = outbox._mark_sent

    def mark_sent_and_look(delivery, worker_id, cursor):
        with connection.cursor() as cursor_of_the_test:
            cursor_of_the_test.execute("SHOW synchronous_commit")
            seen.append(cursor_of_the_test.fetchone()[0])
        real_mark_sent(delivery, worker_id, cursor)

    monkeypatch.setattr(outbox, "_mark_sent", mark_sent_and_look)
    assert outbox.deliveries_process(worker_id="w1") == 3
    assert seen == ["off", "off", "off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert Delivery.objects.filter(status="sent").count() == 3
