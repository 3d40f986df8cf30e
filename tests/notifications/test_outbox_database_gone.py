"""The database going away between the mail server's acceptance of a message and its ``sent``
mark (found by ``make reliability``: a PostgreSQL restart during a broadcast sent one message
twice, after the batch's lease ran out). The worker keeps the mark and writes it when the
database is back; the message is not sent again. Real SMTP server (the sink); the database's
disappearance made at the driver's edge (Django's ``execute_wrapper``)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from guichet.notifications import outbox
from guichet.notifications.models import Delivery
from tests.factories import UserFactory
from tests.factories.notifications import case_updates_by_email


@contextmanager
def database_gone_at_the_first_sent_mark():
    gone = []

    def refuse(execute, sql, params, many, context):
        is_sent_mark = sql.startswith("UPDATE") and "sent_at" in sql and " OR " not in sql
        if is_sent_mark and not gone:
            gone.append(sql)
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield gone


@pytest.fixture(autouse=True)
def _no_kept_marks():
    outbox._accepted_unmarked.clear()
    yield
    outbox._accepted_unmarked.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("swept_first", [False, True])
def test_a_message_accepted_while_the_database_went_away_is_not_sent_again(
    smtp_sink, smtp_settings, swept_first
):
    smtp_sink.start()
    case_updates_by_email(UserFactory.create_batch(3))

    with database_gone_at_the_first_sent_mark() as gone, pytest.raises(OperationalError):
        outbox.deliveries_process(worker_id="w1")
    assert gone
    assert len(smtp_sink.messages) == 1  # the server has it; its mark was lost with the database
    assert Delivery.objects.filter(status="sending").count() == 3

    # The database is back. Whether or not the lease sweep has put the batch back first, the
    # kept mark is written before anything is claimed again.
    later = timezone.now() + outbox.lease_duration() + timedelta(seconds=1)
    if not swept_first:  # the worker's next round comes before the sweep: only the mark
        assert outbox.deliveries_process(worker_id="w1", now=later) == 0
        assert Delivery.objects.filter(status="sent").count() == 1
        assert outbox.deliveries_requeue_expired(now=later) == 2
    else:
        assert outbox.deliveries_requeue_expired(now=later) == 3
    assert outbox.deliveries_process(worker_id="w1", now=later) == 2

    assert Delivery.objects.filter(status="sent").count() == 3
    ids = smtp_sink.message_ids()
    assert sorted(ids) == sorted(Delivery.objects.values_list("message_id", flat=True))
    assert len(ids) == len(set(ids)) == 3  # each message once
