"""Filing a case: ``case_submit``, the one pipeline every door calls (citizen form and API,
partner API, Open311, e-mail, back-office), with its idempotency keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _

from guichet.cases.attachments import attachment_store
from guichet.cases.claims import claim_url
from guichet.cases.drafts import draft_submitted
from guichet.cases.errors import already_submitted
from guichet.cases.models import Case, CaseDraft, CaseEvent, CaseMessage, Channel, PartnerApiKey
from guichet.cases.notify import case_notify, citizen_recipient
from guichet.cases.references import reference_reserved
from guichet.cases.replies import new_reply_token
from guichet.cases.submission_checks import CheckedSubmission, submission_checked
from guichet.cases.tracking_codes import hash_tracking_code, new_tracking_code
from guichet.cases.workflow import _enter_status, run_actions
from guichet.catalogue.models import ServiceDefinition
from guichet.core.audit import audit_log
from guichet.core.idempotency import KeyedRequest, key_scope
from guichet.core.policies import policy_exempt
from guichet.territory.models import Organisation
from guichet.wallet.pieces import WalletKeep, WalletPick


@dataclass(frozen=True)
class Submission:
    case: Case
    tracking_code: str  # empty for a case filed by an account, and for a replay
    replayed: bool = False  # the answer to a retry of an idempotency key: nothing filed now


@dataclass(frozen=True)
class FirstMessage:
    """A message recorded with the case it opens (the mail sent to the inbound address)."""

    body: str
    email_message_id: str = ""
    email_sender: str = ""


def _search_text(case: Case) -> str:
    parts = [
        case.reference,
        case.contact_name,
        case.contact_email,
        case.contact_phone,
        case.address,
        case.definition.name,
    ]
    if case.requester is not None:
        parts += [case.requester.email, case.requester.first_name, case.requester.last_name]
    for value in case.data.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            parts += [str(v) for v in value.values()]
    return " ".join(p for p in parts if p)[:4000]


@policy_exempt(
    "filing is open to everyone (citizens, agents for a caller, partners, the mail gateway): "
    "the channel's catalogue, the commune's offer and a partner key's scope decide, inside"
)
def case_submit(
    *,
    actor,
    definition: ServiceDefinition | str,
    data: dict[str, Any],
    channel: str,
    files: dict[str, list] | None = None,
    requester=None,
    contact: dict[str, str] | None = None,
    commune: Organisation | None = None,
    location: tuple[float, float] | None = None,
    address: str = "",
    partner_key: PartnerApiKey | None = None,
    portal: bool = False,
    draft: CaseDraft | None = None,
    subject: str = "",
    beneficiary=None,
    first_message: FirstMessage | None = None,
    idempotency_key: str = "",
) -> Submission:
    """File a case: validate against the service's published version, route it by competence
    rules, give it a reference, record the history and run the initial status's actions.
    Every door calls it (citizen form and API, partner API, Open311, e-mail, back-office).

    ``requester`` is the citizen's account; without one, ``contact`` (name, email, phone) is
    required and a tracking code is returned. ``actor`` is who files it (the citizen, an agent
    on someone's behalf, None for a partner or the mail gateway). ``subject`` routes by a finer
    competence key than the service key. ``beneficiary``: one of the requester's
    ``accounts.Dependant`` when the case is filed for them; its name and the relationship are
    copied onto the case. ``definition`` may be given by its key: it must then be in the
    catalogue of the channel (``portal``), else CaseInputError ``unknown_service``.
    ``first_message``: recorded as the case's first message (the mail that opened it; its
    sender is then an unverified contact).

    A specialised service's manifest (``services.registry``) parses its own input out of
    ``data`` and ``files`` before the checks (``prepare``) and records its own rows with the
    case (``record``, in the same transaction), so every door creates them.

    ``idempotency_key``: the client's key (ADR 0008), scoped to the account, the partner key,
    the mail gateway or the anonymous; the case is filed at most once per key and a retry gets
    ``Submission(replayed=True)`` for the first case. IdempotencyKeyError when the key is
    malformed or was used for another request.

    The input is checked first, outside any transaction; then the case and everything it
    writes are recorded in one transaction, ``reference_reserved`` (which says when the
    reference's number is taken: ADR 0014). Raises CaseInputError (field -> message); nothing
    is saved then.
    """
    arguments = {
        "actor": actor,
        "definition": definition,
        "data": data,
        "channel": channel,
        "files": files,
        "requester": requester,
        "contact": contact,
        "commune": commune,
        "location": location,
        "address": address,
        "partner_key": partner_key,
        "portal": portal,
        "draft": draft,
        "subject": subject,
        "beneficiary": beneficiary,
        "first_message": first_message,
    }
    keyed = None
    if idempotency_key:
        keyed = KeyedRequest.of(
            scope=_key_scope(actor=actor, partner_key=partner_key, channel=channel),
            key=idempotency_key,
            door=channel,
            payload=_request_payload(arguments),
        )
        replay = _replayed(keyed)
        if replay is not None:
            return replay
    checked = submission_checked(**arguments)
    claiming = False
    try:
        with reference_reserved(
            prefix=checked.definition.reference_prefix, year=checked.year, gapless=checked.gapless
        ) as reference:
            key_row = None
            if keyed is not None:
                # The first write: a concurrent twin waits here, and nothing else has run when
                # it fails.
                claiming = True
                key_row = keyed.claim()
                claiming = False
            submission = _submission_recorded(checked, reference)
            if keyed is not None and key_row is not None:
                keyed.fulfil(key_row, reference)
    except IntegrityError:
        replay = _replayed(keyed) if claiming and keyed is not None else None
        if replay is None:
            raise
        return replay
    return submission


def _key_scope(*, actor, partner_key: PartnerApiKey | None, channel: str) -> str:
    """Whose keys a key is among: the partner key's, the account's, the mail gateway's, or
    the anonymous (random UUIDs)."""
    if partner_key is not None:
        return f"partner:{partner_key.pk}"
    if channel == Channel.EMAIL and not getattr(actor, "is_authenticated", False):
        return "mail"
    return key_scope(actor)


def _upload_digest(upload) -> list[str]:
    """What a file given to ``case_submit`` stands for, in an idempotency fingerprint: its
    name and content's SHA-256; a wallet document chosen by its id; a wallet keep by its
    upload and what is kept."""
    if isinstance(upload, WalletPick):
        return ["wallet", str(upload.document_id)]
    if isinstance(upload, WalletKeep):
        kept = [upload.document_type, upload.issued_on, upload.expires_on, str(upload.keep)]
        return ["wallet-keep", *kept, *_upload_digest(upload.upload)]
    if isinstance(upload, tuple):
        name, content = upload
        return [name, hashlib.sha256(content).hexdigest()]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return [getattr(upload, "name", ""), digest.hexdigest()]


def _who_asks(*, requester, contact, beneficiary_id: str) -> dict[str, Any]:
    return {
        "requester": requester.pk if requester is not None else None,
        "contact": {k: v.strip() for k, v in (contact or {}).items() if (v or "").strip()},
        "beneficiary": beneficiary_id,
    }


def _request_payload(arguments: dict[str, Any]) -> dict[str, Any]:
    """What a request asks, for its key's fingerprint. A draft stands for its data and files
    (it is filed once, then gone: ``draft_submission_replayed`` answers its retries)."""
    beneficiary, draft = arguments["beneficiary"], arguments["draft"]
    asked = _who_asks(
        requester=arguments["requester"],
        contact=arguments["contact"],
        beneficiary_id=str(beneficiary.pk) if beneficiary is not None else "",
    )
    if draft is not None:
        return {**asked, "draft": str(draft.token)}
    definition, commune = arguments["definition"], arguments["commune"]
    first_message = arguments["first_message"]
    return {
        **asked,
        "service": definition if isinstance(definition, str) else definition.key,
        "data": arguments["data"],
        "files": {
            key: [_upload_digest(upload) for upload in uploads]
            for key, uploads in (arguments["files"] or {}).items()
        },
        "commune": commune.pk if commune is not None else None,
        "location": list(arguments["location"] or []),
        "address": arguments["address"],
        "subject": arguments["subject"],
        "first_message": first_message.body if first_message else "",
    }


def _replayed(keyed: KeyedRequest) -> Submission | None:
    reference = keyed.first_reference()
    if not reference:
        return None
    case = Case.objects.select_related("definition").get(reference=reference)
    return Submission(case=case, tracking_code="", replayed=True)


@policy_exempt(
    "reads what a key of the actor's own scope filed (the scope is the actor's account or "
    "the anonymous random keys); files nothing"
)
def draft_submission_replayed(
    *,
    actor,
    channel: str,
    idempotency_key: str,
    draft_token: str,
    requester,
    contact: dict[str, str] | None,
    beneficiary_id: str,
) -> Submission | None:
    """The answer to the retry of a draft's submission, which may find the draft gone: the
    case the key filed, or None when the key was not used. Same arguments as the
    ``case_submit`` that files the draft (``beneficiary_id``: the chosen dependant's id as
    text, or ""). Raises IdempotencyKeyError like ``case_submit``."""
    keyed = KeyedRequest.of(
        scope=_key_scope(actor=actor, partner_key=None, channel=channel),
        key=idempotency_key,
        door=channel,
        payload={
            **_who_asks(requester=requester, contact=contact, beneficiary_id=beneficiary_id),
            "draft": str(draft_token),
        },
    )
    return _replayed(keyed)


def _submission_recorded(checked: CheckedSubmission, reference: str) -> Submission:
    """Write the checked submission under ``reference``: the case, its files, its first
    message, its history, the initial status's actions, what its service records with it, the
    audit entry and the receipt (in the caller's transaction)."""
    actor, definition, version = checked.actor, checked.definition, checked.version
    channel, requester, contact = checked.channel, checked.requester, checked.contact
    commune, location, address = checked.commune, checked.location, checked.address
    partner_key, draft, beneficiary = checked.partner_key, checked.draft, checked.beneficiary
    cleaned, clean_files = checked.cleaned, checked.clean_files
    organisation, team = checked.organisation, checked.team
    first_message = checked.first_message
    if draft is not None:
        # Locked until the commit: a double submission of the same draft files one case.
        draft = CaseDraft.objects.select_for_update().filter(pk=draft.pk).first()
        if draft is None:
            raise already_submitted()
    tracking_code = "" if requester is not None else new_tracking_code()
    case = Case(
        reference=reference,
        definition=definition,
        version=version,
        channel=channel,
        requester=requester,
        contact_name=contact.get("name", "")[:200],
        contact_email=contact.get("email", "")[:254],
        contact_phone=contact.get("phone", "")[:30],
        contact_sms_consent_at=checked.now if contact.get("sms_consent") else None,
        # the contact is a mail's From: (never attached to an account by it)
        contact_unverified=bool(first_message and first_message.email_sender),
        beneficiary_name=beneficiary.full_name[:300] if beneficiary else "",
        beneficiary_relationship=beneficiary.relationship if beneficiary else "",
        tracking_hash=hash_tracking_code(tracking_code) if tracking_code else "",
        reply_token=new_reply_token(),
        filed_by=actor
        if getattr(actor, "is_authenticated", False) and actor != requester
        else None,
        partner_key=partner_key,
        data=cleaned,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        address=address[:300],
        commune=commune,
        organisation=organisation,
        team=team,
    )
    _enter_status(case, version.workflow["initial"])
    case.search_text = _search_text(case)
    case.save()
    user = actor if getattr(actor, "is_authenticated", False) else None
    for key, cleans in clean_files.items():
        for clean in cleans:
            attachment_store(clean=clean, case=case, field_key=key, uploaded_by=user)
    if draft is not None:
        draft_submitted.send(sender=CaseDraft, draft=draft, case=case)
        draft.attachments.update(case=case, draft=None)
        draft.delete()
    if first_message is not None:
        CaseMessage.objects.create(
            case=case,
            from_citizen=True,
            channel=channel,
            body=first_message.body,
            email_message_id=first_message.email_message_id[:300],
            email_sender=first_message.email_sender[:254],
        )
    CaseEvent.objects.bulk_create(  # one INSERT for both
        [
            CaseEvent(
                case=case,
                kind=CaseEvent.Kind.SUBMITTED,
                actor=user,
                channel=channel,
                status_to=case.status,
                public=True,
                summary=_("Demande déposée"),
            ),
            CaseEvent(
                case=case,
                kind=CaseEvent.Kind.ROUTED,
                channel=Channel.SYSTEM,
                summary=f"{organisation.name} — {team.name}"[:300],
                data={
                    "organisation": organisation.pk,
                    "team": team.pk,
                    "commune": commune.pk if commune else None,
                    "subject": checked.routing_subject,
                    "explanation": checked.routing_reason,
                },
            ),
        ]
    )
    run_actions(
        case,
        (
            next(s for s in version.workflow["statuses"] if s["key"] == case.status).get("on_enter")
            or []
        ),
        actor=user,
    )
    for manifest, prepared in checked.recorders:
        assert manifest.record is not None  # only the manifests that record are kept
        manifest.record(case=case, prepared=prepared)
    audit_log(
        actor=user,
        action="cases.submitted",
        obj=case,
        organisation_id=organisation.pk,
        data={"reference": case.reference, "channel": channel},
    )
    case_notify(
        case=case,
        recipients=[citizen_recipient(case)],
        template="cases/mail/receipt",
        context={
            "case": case,
            "reference": case.reference,
            "service": definition.name,
            "tracking_code": tracking_code,
            # Filed for the person by a partner: never attached to an account by its e-mail;
            # the person claims it with this link (cases.claims).
            "claim_url": claim_url(case) if partner_key and case.contact_email else "",
        },
    )
    return Submission(case=case, tracking_code=tracking_code)
