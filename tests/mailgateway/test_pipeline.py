"""The mail gateway files through ``case_submit`` like every other door: a mail's Message-ID
is the idempotency key of the case it opens, and the service's own checks apply (a report,
which a mail cannot place, is refused clearly and nothing is filed)."""

from email.message import EmailMessage

import pytest

from guichet.cases.models import Case, CaseMessage
from guichet.core.models import IdempotencyKey
from guichet.publicspace.models import Report
from tests.factories.publicspace import report_service
from tests.factories.territory import OTHER_COMMUNE_EMAIL

# A streetlight category (the commune's competence), as in tests/cases/test_pipeline.py.
CATEGORY = "lampadaire-eteint"
DESCRIPTION = "Trois lampadaires éteints devant l'école"


def _mail(subject="Question", body="Bonjour, êtes-vous ouverts samedi ?", message_id=None):
    msg = EmailMessage()
    msg["From"] = "Anne <anne@example.org>"
    msg["To"] = OTHER_COMMUNE_EMAIL
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()


def test_a_mail_delivered_twice_at_once_opens_one_case(place, settings):
    """Its Message-ID is the case's key: a redelivery that passes the "already seen" check
    before the first delivery commits still files nothing (here: that check is skipped)."""
    from guichet.mailgateway.services import _case_open, parse_mail

    mail = parse_mail(_mail(message_id="<twice@example.org>"))
    before = Case.objects.count()
    first = _case_open(mail, mail.body, [], None)
    again = _case_open(mail, mail.body, [], None)
    assert not first.replayed and again.replayed
    assert first.case.reference == again.case.reference
    assert Case.objects.count() == before + 1
    assert CaseMessage.objects.filter(email_message_id="<twice@example.org>").count() == 1
    key = IdempotencyKey.objects.get(result_reference=first.case.reference)
    assert key.scope == "mail" and key.door == "email"


def test_a_message_id_reused_by_another_mail_is_refused(place):
    from guichet.mailgateway.services import MailError, _case_open, parse_mail

    _case_open(
        parse_mail(_mail(message_id="<same@example.org>")), "Bonjour, une question", [], None
    )
    other = parse_mail(_mail(subject="Autre", message_id="<same@example.org>"))
    before = Case.objects.count()
    with pytest.raises(MailError, match="Message-ID"):
        _case_open(other, "Une tout autre question", [], None)
    assert Case.objects.count() == before


def test_a_report_by_mail_is_refused_clearly_for_want_of_a_place(place, settings):
    """The mail gateway files into the configured service through the same pipeline: the
    public-space service's checks refuse a mail, which has no place, and nothing is filed."""
    from guichet.mailgateway.services import MailError, mail_ingest

    report_service(place)
    settings.CASES_MAIL_SERVICE = "publicspace"
    before = (Case.objects.count(), Report.objects.count())
    with pytest.raises(MailError, match="emplacement"):
        mail_ingest(_mail(subject=CATEGORY, body=DESCRIPTION, message_id="<lamp@example.org>"))
    assert (Case.objects.count(), Report.objects.count()) == before
