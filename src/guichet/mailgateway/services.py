"""The e-mail channel: RFC 5322 messages from a Maildir become case messages or new cases.

- a message sent to a case's reply address (``<local>+<token>@<domain>``, the ``Reply-To`` of
  every mail the platform sends to that case's citizen, ``cases.replies``) joins that case as
  a citizen message (with its attachments). Its ``From:`` is recorded, never trusted: neither
  the sender's address nor a reference quoted in the subject places a mail in a case;
- any other message (the plain inbound address, an unknown or revoked token) opens a case in
  the contact service (``CASES_MAIL_SERVICE``, default ``contact``) of the organisation it was
  sent to (its ``To:`` matches ``Organisation.email``, or the ``--commune`` given to the
  command), as an *unverified contact*: never attached to an account by its ``From:``. The
  case, its files and the mail as its first message are recorded in one transaction
  (``case_submit``'s ``first_message``); a
  message to the assistance address (``SUPPORT_EMAIL``) opens a ticket of the assistance
  service (``SUPPORT_MAIL_SERVICE``) instead, routed territory-wide;
- a Message-ID already recorded is not processed twice: it is the idempotency key of the case
  it opens, so a mail redelivered while the first delivery is being filed files once too;
- processed messages move to the ``.traites`` folder; a message that cannot be parsed or placed
  moves to ``.erreurs`` and is reported; attachments refused by the upload checks are listed in
  the case message and the original is kept in ``.erreurs`` as well. Nothing is lost.
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError

from guichet.cases.errors import CaseInputError
from guichet.cases.messages import case_message_add
from guichet.cases.models import CaseMessage, Channel
from guichet.cases.replies import case_for_reply_token
from guichet.cases.submission import FirstMessage, Submission, case_submit
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.schema import iter_fields
from guichet.core.idempotency import IdempotencyKeyError, key_from_identifier
from guichet.core.policies import SYSTEM, policy_exempt, system_only
from guichet.core.uploads import check_upload
from guichet.mailgateway.selectors import reply_token_in
from guichet.territory.models import Organisation

DONE_FOLDER = "traites"
FAILED_FOLDER = "erreurs"


class MailError(Exception):
    pass


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    recipients: list[str]
    subject: str
    body: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def _html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


@policy_exempt("a computation: reads a message, writes nothing")
def parse_mail(raw: bytes) -> ParsedMail:
    """Parse an RFC 5322 message; MailError when it has no usable sender."""
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
        name, sender = parseaddr(str(message.get("From", "")))
        if "@" not in sender:
            raise MailError("expéditeur absent ou illisible")
        recipients = [
            addr.lower()
            for _n, addr in getaddresses(
                [str(v) for h in ("To", "Cc", "Delivered-To") for v in message.get_all(h, [])]
            )
            if "@" in addr
        ]
        body_part = message.get_body(preferencelist=("plain", "html"))
        body = ""
        if body_part is not None:
            content = body_part.get_content()
            body = _html_to_text(content) if body_part.get_content_subtype() == "html" else content
        attachments = []
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                attachments.append((part.get_filename() or "piece-jointe", payload))
        return ParsedMail(
            message_id=str(message.get("Message-ID", "")).strip()[:300],
            sender=sender.lower(),
            sender_name=name,
            recipients=recipients,
            subject=" ".join(str(message.get("Subject", "")).split())[:300],
            body=body.strip(),
            attachments=attachments,
        )
    except MailError:
        raise
    except Exception as exc:  # any defect of a hostile or broken message
        raise MailError(f"message illisible : {exc}") from exc


def _check_attachments(mail: ParsedMail) -> tuple[list[tuple[str, bytes]], list[str]]:
    kept, refused = [], []
    for name, content in mail.attachments:
        try:
            check_upload((name, content), accept=("pdf", "image"))
            kept.append((name, content))
        except ValidationError as exc:
            refused.append(f"{name} ({exc.messages[0]})")
    return kept, refused


def _body_with_refusals(mail: ParsedMail, refused: list[str]) -> str:
    body = mail.body or "(message vide)"
    if refused:
        body += (
            "\n\n[Pièces jointes non acceptées, conservées par le service : "
            + "; ".join(refused)
            + "]"
        )
    return body


def _contact_data(form: dict, mail: ParsedMail, body: str) -> tuple[dict, str]:
    """Map the mail onto the contact form: first short text <- subject, first long text <- body,
    first e-mail <- sender, required choices <- their last answer ("Autre"); the first file
    field receives the attachments."""
    data: dict = {}
    file_key = ""
    taken: set[str] = set()
    for _page, f in iter_fields(form):
        ftype = f["type"]
        if ftype in taken and ftype in ("text", "textarea", "email", "file"):
            continue
        if ftype == "text":
            data[f["key"]] = (mail.subject or "(sans objet)")[: f.get("max_length", 200)]
        elif ftype == "textarea":
            data[f["key"]] = body[: f.get("max_length", 10000)]
        elif ftype == "email":
            data[f["key"]] = mail.sender
        elif ftype == "file":
            file_key = f["key"]
        elif ftype == "choice" and f.get("required") and not f.get("show_if"):
            data[f["key"]] = f["choices"][-1]["value"]
        taken.add(ftype)
    return data, file_key


def _commune_for(mail: ParsedMail, default: Organisation | None) -> Organisation | None:
    if mail.recipients:
        org = Organisation.objects.filter(
            kind="commune", email__in=mail.recipients, is_active=True
        ).first()
        if org:
            return org
    return default


@system_only("the gateway (the ingest_mail command): files as SYSTEM through case_submit")
def mail_ingest(raw: bytes, *, default_commune: Organisation | None = None) -> tuple[str, str]:
    """Process one raw message -> (outcome, detail). Outcomes: ``message`` (joined a case),
    ``case`` (opened one), ``duplicate``; raises MailError when it cannot be placed."""
    mail = parse_mail(raw)
    if mail.message_id and CaseMessage.objects.filter(email_message_id=mail.message_id).exists():
        return "duplicate", mail.message_id
    kept, refused = _check_attachments(mail)
    body = _body_with_refusals(mail, refused)
    case = case_for_reply_token(reply_token_in(mail.recipients) or "")
    if case is not None:
        try:
            case_message_add(
                actor=SYSTEM,  # the gateway: the case's reply address placed the message
                case=case,
                body=body,
                from_citizen=True,
                channel=Channel.EMAIL,
                files=kept,
                email_message_id=mail.message_id,
                email_sender=mail.sender,
            )
        except CaseInputError as exc:
            raise MailError("message refusé : " + "; ".join(exc.errors.values())) from exc
        return ("message" if not refused else "message+refused"), case.reference
    submission = _case_open(mail, body, kept, default_commune)
    if submission.replayed:
        return "duplicate", mail.message_id
    return ("case" if not refused else "case+refused"), submission.case.reference


def _case_open(
    mail: ParsedMail, body: str, kept: list, default_commune: Organisation | None
) -> Submission:
    """A new case of the contact service for an unverified sender, with the mail as its first
    message, all in one transaction: a failure in between files nothing, so the retry of the
    mail files it once; its Message-ID is the key that makes a concurrent redelivery file
    nothing."""
    support = (getattr(settings, "SUPPORT_EMAIL", "") or "").lower()
    to_support = bool(support) and support in mail.recipients  # the assistance's tickets
    key = getattr(settings, "SUPPORT_MAIL_SERVICE" if to_support else "CASES_MAIL_SERVICE", "")
    definition = ServiceDefinition.objects.filter(key=key).first()
    if definition is None or definition.current_version is None:
        raise MailError(f"service « {key} » introuvable")
    commune = None if to_support else _commune_for(mail, default_commune)
    if commune is None and not to_support:
        raise MailError("destinataire inconnu : aucune commune pour " + ", ".join(mail.recipients))
    data, file_key = _contact_data(definition.current_version.form, mail, body)
    try:
        return case_submit(
            actor=SYSTEM,
            definition=definition,
            data=data,
            files={file_key: kept} if file_key and kept else {},
            channel=Channel.EMAIL,
            contact={"name": mail.sender_name, "email": mail.sender},
            commune=commune,
            # the original mail is the first message, so its Message-ID is remembered
            first_message=FirstMessage(
                body=body, email_message_id=mail.message_id, email_sender=mail.sender
            ),
            idempotency_key=key_from_identifier(mail.message_id) if mail.message_id else "",
        )
    except CaseInputError as exc:
        raise MailError("demande refusée : " + "; ".join(exc.errors.values())) from exc
    except IdempotencyKeyError as exc:
        raise MailError(f"Message-ID déjà utilisé par un autre message : {exc.message}") from exc


@system_only("the ingest_mail command")
def maildir_ingest(path: str, *, default_commune: Organisation | None = None) -> list[str]:
    """Process every message of a Maildir; returns one report line per message."""
    box = mailbox.Maildir(path, factory=None, create=False)
    done = box.add_folder(DONE_FOLDER)
    failed = box.add_folder(FAILED_FOLDER)
    report = []
    for key in list(box.iterkeys()):
        raw = box.get_bytes(key)
        try:
            outcome, detail = mail_ingest(raw, default_commune=default_commune)
        except MailError as exc:
            failed.add(raw)
            report.append(f"ERREUR {key} : {exc} (déplacé dans .{FAILED_FOLDER})")
        else:
            done.add(raw)
            if outcome.endswith("+refused"):
                failed.add(raw)
            report.append(f"{outcome} {key} : {detail}")
        box.remove(key)
    return report
