"""Every e-mail the platform sends to a case's citizen carries the case's reply address as its
``Reply-To`` (the only way a mail joins a case, ``mailgateway``); agents never get it."""

import pytest
from django.core import mail

from guichet.cases.handling import case_transition
from guichet.cases.messages import case_message_add
from guichet.cases.models import Channel
from guichet.cases.replies import case_reply_address
from guichet.cases.submission import case_submit

INBOUND = "demarches@metropole.example.org"


@pytest.fixture(autouse=True)
def _inbound_address(settings):
    settings.INBOUND_MAIL_ADDRESS = INBOUND


def _mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def _token_address(case) -> str:
    case.refresh_from_db()
    assert case.reply_token
    return f"demarches+{case.reply_token}@metropole.example.org"


def test_every_mail_to_the_citizen_about_her_case_has_its_reply_address(
    file_case, place, with_mfa, django_capture_on_commit_callbacks
):
    camille, agent = place.citizen, with_mfa(place.agent)
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case()  # receipt
        case_transition(actor=agent, case=case, transition="take")
        case_transition(actor=agent, case=case, transition="ask", comment="Votre date de naissance")
        case_message_add(actor=agent, case=case, body="Pouvez-vous préciser ?", from_citizen=False)
    sent = _mails_to(camille.email)
    assert len(sent) >= 3, [m.subject for m in mail.outbox]
    assert "Vous pouvez répondre directement à cet e-mail" in sent[-1].body
    assert {tuple(m.reply_to) for m in sent} == {(_token_address(case),)}
    assert case_reply_address(case) == _token_address(case)


def test_each_case_has_its_own_reply_address(file_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, second = file_case(), file_case()
    assert _token_address(first) != _token_address(second)
    assert {tuple(m.reply_to) for m in mail.outbox} == {
        (_token_address(first),),
        (_token_address(second),),
    }


def test_a_requester_without_account_gets_the_reply_address_too(
    contact, place, contact_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = case_submit(
            actor=None,
            definition=contact,
            data={**contact_data, "email": "anne@example.org"},
            channel=Channel.PHONE,
            contact={"name": "Anne Onyme", "email": "anne@example.org"},
            commune=place.commune,
        ).case
    [receipt] = _mails_to("anne@example.org")
    assert receipt.reply_to == [_token_address(case)]


def test_agents_never_get_the_citizen_reply_address(
    file_case, place, django_capture_on_commit_callbacks
):
    camille = place.citizen
    case = file_case()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_message_add(actor=camille, case=case, body="Oui : le 3 mars.", from_citizen=True)
    to_agents = [m for m in mail.outbox if camille.email not in m.to]
    assert to_agents
    assert all(not m.reply_to for m in to_agents)


def test_without_an_inbound_address_no_reply_to_is_sent(
    settings, file_case, place, with_mfa, django_capture_on_commit_callbacks
):
    settings.INBOUND_MAIL_ADDRESS = ""
    agent = with_mfa(place.agent)
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case()
    assert mail.outbox and all(not m.reply_to for m in mail.outbox)
    assert case_reply_address(case) == ""
    # nor is the citizen told she may answer by mail
    with django_capture_on_commit_callbacks(execute=True):
        case_message_add(actor=agent, case=case, body="Une question", from_citizen=False)
    assert "répondre" not in mail.outbox[-1].body


def test_a_case_filed_before_reply_addresses_gets_one_on_first_use(file_case):
    from guichet.cases.models import Case

    case = file_case()
    Case.objects.filter(pk=case.pk).update(reply_token="")
    case.refresh_from_db()
    address = case_reply_address(case)
    assert address.startswith("demarches+") and address == _token_address(case)


def test_the_reply_token_is_long_and_random(file_case):
    first, second = file_case(), file_case()
    token = case_reply_address(first).split("+")[1].split("@")[0]
    assert len(token) >= 26 and token == token.lower()  # >= 128 bits of base32
    assert case_reply_address(second) != case_reply_address(first)
    assert case_reply_address(first) == case_reply_address(first)  # stable until rotated
