import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from guichet.cases.models import Case, CaseMessage
from tests.factories import pdf_bytes


def _mail(
    subject,
    body,
    sender="camille.martin@example.org",
    to="mairie@oullins.example.org",
    attachments=(),
    message_id=None,
):
    msg = EmailMessage()
    msg["From"] = f"Camille Martin <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    for name, content, maintype, subtype in attachments:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg


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


def test_a_reply_quoting_a_reference_joins_the_case(maildir, file_case):
    path, box = maildir
    case = file_case()
    box.add(
        _mail(
            f"Re: [{case.reference}] Informations demandées",
            "Voici le document.",
            attachments=[("scan.pdf", pdf_bytes(), "application", "pdf")],
            message_id="<reply-1@example.org>",
        )
    )
    out, err = _run(path)
    assert err == "" and case.reference in out
    message = case.messages.get()
    assert message.from_citizen and message.channel == "email"
    assert message.body == "Voici le document."
    assert message.attachments.get().original_name == "scan.pdf"
    assert len(box) == 0 and len(box.get_folder("traites")) == 1
    # the same mail again is not processed twice
    box.add(
        _mail(
            f"Re: [{case.reference}] Informations demandées",
            "Voici le document.",
            message_id="<reply-1@example.org>",
        )
    )
    _run(path)
    assert case.messages.count() == 1


def test_any_other_mail_opens_a_contact_case_for_the_commune_it_was_sent_to(maildir, demo):
    path, box = maildir
    before = Case.objects.count()
    box.add(
        _mail(
            "Question sur les horaires",
            "Bonjour, êtes-vous ouverts samedi ?",
            sender="inconnu@example.org",
            to="mairie@bron.example.org",
            attachments=[("notes.docx", b"PK\x03\x04docx", "application", "octet-stream")],
        )
    )
    out, err = _run(path)
    assert Case.objects.count() == before + 1, (out, err)
    case = Case.objects.latest("id")
    assert case.channel == "email" and case.commune.slug == "bron"
    assert case.team.slug == "accueil" and case.contact_email == "inconnu@example.org"
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


def test_an_unparseable_or_unplaceable_message_is_moved_aside_and_reported(maildir, demo):
    path, box = maildir
    before = (Case.objects.count(), CaseMessage.objects.count())
    box.add(b"this is not an e-mail at all\n")
    box.add(_mail("Sujet", "Corps", to="personne@ailleurs.example.org"))
    out, err = _run(path)
    assert err.count("ERREUR") == 2 and "2 en erreur" in out
    assert len(box.get_folder("erreurs")) == 2 and len(box) == 0
    assert (Case.objects.count(), CaseMessage.objects.count()) == before
