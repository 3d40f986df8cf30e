"""The daily alerts before a tacit decision: one set-based pass, one alert per planning team
listing its files (numbers and dates, no personal data), an event on each file, once."""

from datetime import timedelta

import pytest

from guichet.cases.models import CaseEvent
from guichet.notifications.models import Notification
from guichet.urbanism import timers

pytestmark = pytest.mark.django_db


def test_one_alert_per_team_lists_every_file_due_once(file_pcmi, instructor):
    first, second, third = file_pcmi(), file_pcmi(), file_pcmi()
    # the third one's deadline is far away
    type(third).objects.filter(pk=third.pk).update(
        decision_due_on=third.decision_due_on + timedelta(days=60)
    )
    day = first.decision_due_on - timedelta(days=timers.ALERT_DAYS)
    before = Notification.objects.filter(recipient=instructor).count()

    assert timers.alerts_sweep(today=day) == 2

    alerts = list(Notification.objects.filter(recipient=instructor).order_by("id"))[before:]
    assert len(alerts) == 1
    alert = alerts[0]
    assert "2 dossiers" in alert.title
    assert first.number in alert.body_text and second.number in alert.body_text
    assert third.number not in alert.body_text
    assert "Camille" not in alert.title + alert.body_text  # numbers and dates, no personal data
    for application in (first, second):
        assert CaseEvent.objects.filter(
            case=application.case, kind="notified", summary__startswith="Agents alertés"
        ).exists()
    assert timers.alerts_sweep(today=day) == 0  # once per file
    assert timers.alerts_sweep(today=day + timedelta(days=1)) == 0


def test_an_alert_goes_to_the_team_of_the_file_only(file_pcmi, demo):
    from guichet.accounts.models import User

    application = file_pcmi()
    lyon_agent = User.objects.get(email="agent.lyon@example.org")
    day = application.decision_due_on - timedelta(days=1)
    assert timers.alerts_sweep(today=day) == 1
    assert not Notification.objects.filter(
        recipient=lyon_agent, url="/urbanisme/instruction/"
    ).exists()
