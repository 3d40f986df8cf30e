"""No health data leaves by e-mail, SMS, push or the notification centre: every notification
of a whole file's life (receipt, each step, plan comment, RAPO, silence alert) is rendered on
every channel and scanned for health terms and for what the file says."""

import datetime
import logging
import re

import pytest

from guichet.disability import rules
from tests.disability.conftest import DIAGNOSIS

pytestmark = pytest.mark.django_db

HEALTH_TERMS = [
    "handicap",
    "invalidit",
    "médic",
    "medic",
    "certificat",
    "autis",
    "diagnost",
    "allocation",
    "prestation",
    "compensation",
    "scolarisation",
    "AESH",
    "orientation",
    "CDAPH",
    *[str(label) for label in rules.RIGHTS.values()],
]
HEALTH_WORDS = ["AAH", "PCH", "RQTH", "AEEH", "CMI"]  # whole words (not inside others)


def _leaks(text: str, file) -> list[str]:
    found = [t for t in HEALTH_TERMS if t.lower() in text.lower()]
    found += [w for w in HEALTH_WORDS if re.search(rf"\b{w}\b", text)]
    for own in (DIAGNOSIS, file.daily_life, file.schooling_or_work, file.caregiver):
        if own and own.lower() in text.lower():
            found.append(own)
    return found


def test_every_channel_of_every_disability_notification_is_free_of_health_terms(
    filed, parent_client, as_agent, caplog
):
    from guichet.cases.models import CaseEvent
    from guichet.disability.instruction import silence_alerts_send
    from guichet.notifications.models import Delivery, Notification
    from guichet.notifications.rendering import render_notification

    caplog.set_level(logging.DEBUG)
    evaluation = as_agent("evaluation")
    ref = filed.case.reference
    for transition in ("declare_admissible", "start_evaluation", "propose_plan"):
        evaluation.post(f"/mdmph/instruction/{ref}/transition/", {"transition": transition})
    parent_client.post(f"/mdmph/dossiers/{ref}/observations/", {"body": f"Pour son {DIAGNOSIS}"})
    for transition in ("to_commission", "notify_decision"):
        evaluation.post(f"/mdmph/instruction/{ref}/transition/", {"transition": transition})
    parent_client.post(f"/mdmph/dossiers/{ref}/recours/", {"reason": "AEEH refusée"})
    filed.refresh_from_db()
    from guichet.disability.models import DisabilityFile

    appeal = DisabilityFile.objects.get(kind="appeal")
    # the appeal, open, made to look like a request whose silence date has come: the alert
    DisabilityFile.objects.filter(pk=appeal.pk).update(
        kind="request", silence_date=datetime.date.today()
    )
    assert silence_alerts_send() == 1

    notifications = list(
        Notification.objects.filter(organisation__slug="mdmph").select_related("organisation")
    )
    assert len(notifications) >= 8  # receipt, 5 steps, agents' news, RAPO receipt, alert
    assert any(
        n.recipient_id and n.recipient.email.endswith("mdmph@example.org") for n in notifications
    )
    for n in notifications:
        stored = [n.subject, n.body_text, n.body_html, n.sms_text, n.summary]
        rendered = render_notification(
            template=n.template,
            context={"title": n.subject, "body": n.body_text},
            organisation=n.organisation,
            url=n.url,
        )
        texts = stored + [
            rendered.subject,
            rendered.text,
            rendered.html,
            rendered.sms,
            rendered.inapp,
        ]
        for text in texts:
            assert _leaks(text, filed) == [], (n.subject, text)
    for delivery in Delivery.objects.filter(notification__in=notifications):
        assert _leaks(str(getattr(delivery, "to", "")), filed) == []
    notified = CaseEvent.objects.filter(
        case__disability_file__isnull=False, kind=CaseEvent.Kind.NOTIFIED
    )
    assert notified.exists()
    for event in notified:
        assert _leaks(event.summary, filed) == [], event.summary
    assert _leaks(caplog.text, filed) == []


def test_the_scan_would_see_a_leak(filed):
    assert _leaks("Votre demande d'AAH est acceptée", filed) == ["AAH"]
    assert _leaks(f"Au sujet de : {DIAGNOSIS}", filed)
