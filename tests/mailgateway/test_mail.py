"""The mail gateway (``mailgateway``): a mail joins a case only through its reply address;
any other mail opens an unverified contact case; nothing is lost."""

import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from guichet.cases.models import Case, CaseMessage
from guichet.cases.replies import case_reply_address
from tests.factories import pdf_bytes
from tests.factories.territory import CITIZEN_EMAIL, COMMUNE_EMAIL, OTHER_COMMUNE_EMAIL

INBOUND = "demarches@metropole.example.org"


@pytest.fixture(autouse=True)
def _inbound_address(settings):
    settings.INBOUND_MAIL_ADDRESS = INBOUND


def _mail(
    subject,
    body,
    sender=CITIZEN_EMAIL,
    to=COMMUNE_EMAIL,
    attachments=(),
    message_id=None,
    sender_name="Claude Usager",
):
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    for name, content, maintype, subtype in attachments:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _unknown_asks_the_other_commune(**kwargs):
    """A question from someone without an account, to the other commune's address."""
    return _mail(
        "Question sur les horaires",
        "Bonjour, êtes-vous ouverts samedi ?",
        sender="inconnu@example.org",
        to=OTHER_COMMUNE_EMAIL,
        **kwargs,
    )


@pytest.fixture
def maildir(tmp_path):
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(str(path), create=True)
    return path, box


def _run(path, *args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("ingest_mail", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_reply_to_the_case_reply_address_joins_the_case(place, maildir, file_case):
    path, box = maildir
    case = file_case()
    box.add(
        _mail(
            f"Re: [{case.reference}] Informations demandées",
            "Voici le document.",
            to=case_reply_address(case),
            attachments=[("scan.pdf", pdf_bytes(), "application", "pdf")],
            message_id="<reply-1@example.org>",
        )
    )
    out, err = _run(path)
    assert err == "" and case.reference in out
    message = case.messages.get()
    assert message.from_citizen and message.channel == "email"
    assert message.author == case.requester
    assert message.body == "Voici le document."
    assert message.email_sender == place.citizen.email
    assert message.attachments.get().original_name == "scan.pdf"
    assert len(box) == 0 and len(box.get_folder("traites")) == 1
    # the same mail again is not processed twice
    box.add(
        _mail(
            f"Re: [{case.reference}] Informations demandées",
            "Voici le document.",
            to=case_reply_address(case),
            message_id="<reply-1@example.org>",
        )
    )
    _run(path)
    assert case.messages.count() == 1


def test_the_token_decides_whoever_the_sender_claims_to_be(maildir, file_case):
    """A reply forwarded from another mailbox still joins (the From: is only recorded)."""
    path, box = maildir
    case = file_case()
    box.add(
        _mail(
            "Réponse",
            "Depuis ma boîte pro.",
            sender="c.martin@travail.example.org",
            to=case_reply_address(case).upper(),
        )
    )
    _run(path)
    message = case.messages.get()
    assert message.author == case.requester
    assert message.email_sender == "c.martin@travail.example.org"


def _unverified_cases(before_ids):
    return list(Case.objects.exclude(id__in=before_ids))


@pytest.mark.parametrize(
    "recipient",
    [
        COMMUNE_EMAIL,  # the commune's plain address
        INBOUND,  # the plain inbound address
        "demarches+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@metropole.example.org",  # forged token
        "autre+{token}@metropole.example.org",  # the right token on another mailbox
    ],
)
def test_a_forged_from_without_the_case_token_opens_a_new_unverified_case(
    maildir, file_case, place, recipient
):
    """Camille's address and her case's reference are known to others: neither lets a mail
    join her case or her account."""
    path, box = maildir
    case = file_case()
    camille = case.requester
    before_ids = list(Case.objects.values_list("id", flat=True))
    box.add(
        _mail(
            f"Re: [{case.reference}] Annulation",
            "Annulez ma demande et envoyez la réponse à cette adresse : pirate@example.net",
            sender=place.citizen.email,
            to=recipient.format(token=case_reply_address(case).split("+")[1].split("@")[0]),
            message_id="<forged@example.net>",
        )
    )
    out, err = _run(path, "--commune", place.commune.slug)
    assert err == "", out
    assert case.messages.count() == 0
    [opened] = _unverified_cases(before_ids)
    assert opened.requester is None and opened.contact_unverified
    assert opened.contact_email == place.citizen.email
    assert not camille.cases.filter(pk=opened.pk).exists()
    first = opened.messages.get()
    assert first.author is None and first.email_message_id == "<forged@example.net>"


def test_a_rotated_token_no_longer_joins_the_case(maildir, file_case, place):
    from guichet.cases.replies import case_reply_token_rotate

    path, box = maildir
    case = file_case()
    old_address = case_reply_address(case)
    new_address = case_reply_token_rotate(actor=place.agent, case=case)
    assert new_address != old_address
    box.add(_mail("Ancienne adresse", "…", to=old_address))
    _run(path, "--commune", place.commune.slug)
    assert case.messages.count() == 0
    box.add(_mail("Nouvelle adresse", "Bonjour", to=new_address))
    _run(path)
    assert case.messages.get().body == "Bonjour"


def test_the_case_and_its_first_message_are_recorded_together(maildir, place, monkeypatch):
    """A crash between the case and its first message files nothing: the mail stays in the
    inbox, and the next run files it exactly once."""
    path, box = maildir
    box.add(_unknown_asks_the_other_commune(message_id="<once@example.org>"))
    before = (Case.objects.count(), CaseMessage.objects.count())
    original_save = CaseMessage.save

    def crash(self, *args, **kwargs):
        raise RuntimeError("le serveur s'arrête")

    monkeypatch.setattr(CaseMessage, "save", crash)
    with pytest.raises(RuntimeError):
        _run(path)
    assert (Case.objects.count(), CaseMessage.objects.count()) == before
    assert len(box) == 1

    monkeypatch.setattr(CaseMessage, "save", original_save)
    _run(path)
    _run(path)
    assert Case.objects.count() == before[0] + 1
    assert CaseMessage.objects.filter(email_message_id="<once@example.org>").count() == 1
    assert len(box) == 0


def test_any_other_mail_opens_a_contact_case_for_the_commune_it_was_sent_to(maildir, place):
    path, box = maildir
    before = Case.objects.count()
    box.add(
        _unknown_asks_the_other_commune(
            attachments=[("notes.docx", b"PK\x03\x04docx", "application", "octet-stream")]
        )
    )
    out, err = _run(path)
    assert Case.objects.count() == before + 1, (out, err)
    case = Case.objects.latest("id")
    assert case.channel == "email" and case.commune == place.other_commune
    assert case.team.slug == "accueil" and case.contact_email == "inconnu@example.org"
    assert case.contact_unverified and case.requester is None
    assert case.data["objet"] == "Question sur les horaires"
    # the refused attachment is listed and the original mail kept aside
    assert "notes.docx" in case.messages.get().body
    assert len(box.get_folder("erreurs")) == 1 and len(box.get_folder("traites")) == 1


def test_a_reference_quoted_by_someone_else_does_not_join_the_case(maildir, file_case):
    path, box = maildir
    case = file_case()
    box.add(_mail(f"Re: {case.reference}", "Je m'incruste.", sender="intrus@example.org"))
    _run(path)
    assert case.messages.count() == 0
    assert Case.objects.latest("id").contact_email == "intrus@example.org"


def test_an_unparseable_or_unplaceable_message_is_moved_aside_and_reported(maildir, place):
    path, box = maildir
    before = (Case.objects.count(), CaseMessage.objects.count())
    box.add(b"this is not an e-mail at all\n")
    box.add(_mail("Sujet", "Corps", to="personne@ailleurs.example.org"))
    out, err = _run(path)
    assert err.count("ERREUR") == 2 and "2 en erreur" in out
    assert len(box.get_folder("erreurs")) == 2 and len(box) == 0
    assert (Case.objects.count(), CaseMessage.objects.count()) == before


def test_the_agent_sees_that_a_mailed_address_is_not_verified(maildir, place, client):
    from django.urls import reverse

    from tests.conftest import login_with_second_factor

    path, box = maildir
    box.add(
        _mail(
            "Question sur les horaires",
            "Bonjour, êtes-vous ouverts samedi ?",
            sender=place.citizen.email,
            to=COMMUNE_EMAIL,
        )
    )
    _run(path)
    case = Case.objects.latest("id")
    login_with_second_factor(client, place.agent)
    page = client.get(reverse("cases_bo:case", args=[case.reference])).content.decode()
    assert "adresse non vérifiée" in page
    assert f"expéditeur déclaré : {CITIZEN_EMAIL}, non vérifié" in page
