"""Writes on cases. Every door (citizen pages, back-office, API, e-mail, timers) calls these."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.claims import claim_url
from guichet.cases.models import (
    Case,
    CaseAttachment,
    CaseDraft,
    CaseEvent,
    CaseMessage,
    CaseNote,
    Channel,
    PartnerApiKey,
    SavedFilter,
)
from guichet.cases.notify import AGENTS, case_notify, citizen_recipient, team_recipients
from guichet.cases.partner_keys import api_key_hash, partner_key_scope_refusal
from guichet.cases.policies import case_policy, draft_policy
from guichet.cases.references import reference_reserved
from guichet.cases.replies import inbound_address, new_reply_token
from guichet.cases.routing import routing_subject
from guichet.cases.scanning import attachment_scan_later, initial_scan_state
from guichet.cases.uploads import CleanFile, check_upload
from guichet.cases.workflow import (
    Transition,
    WorkflowError,
    _enter_status,
    case_set_assignment,
    case_set_deadline,
    run_actions,
    transition_get,
)
from guichet.core.audit import audit_log
from guichet.core.idempotency import KeyedRequest, key_scope
from guichet.core.policies import (
    SYSTEM,
    checked_by_caller,
    forget_policy_answers,
    policy_exempt,
    system_only,
)
from guichet.services.models import ServiceDefinition, ServiceVersion
from guichet.services.registry import ServiceInput, ServiceManifest, manifests_for
from guichet.services.schema import clean_fields, iter_fields, unknown_keys
from guichet.services.selectors import (
    definition_for_filing,
    offered_in_commune,
    version_cached,
)
from guichet.territory.models import Membership, Organisation, Team
from guichet.territory.selectors import (
    commune_at,
    competence_reason,
    competence_reason_of,
    competence_route,
)
from guichet.wallet.pieces import WALLET_PIECES, WalletCopy, WalletKeep, WalletPick

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class CaseInputError(Exception):
    """Bad input for a case; ``errors`` maps a field key (or ``__all__``) to a French message."""

    def __init__(self, errors: dict[str, str], code: str = "invalid"):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.code = code


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


@policy_exempt("a computation: writes nothing")
def hash_tracking_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


@policy_exempt("a computation: writes nothing")
def new_tracking_code() -> str:
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _location_from_data(version: ServiceVersion, data: dict) -> tuple[float, float] | None:
    for _page, field in iter_fields(version.form):
        if field["type"] == "location" and data.get(field["key"]):
            return data[field["key"]]["lat"], data[field["key"]]["lon"]
    return None


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


def _check_files(
    version: ServiceVersion, files: dict[str, list]
) -> tuple[dict[str, list[CleanFile]], dict[str, str]]:
    fields = {f["key"]: f for _p, f in iter_fields(version.form) if f["type"] == "file"}
    cleaned: dict[str, list[CleanFile]] = {}
    errors: dict[str, str] = {}
    for key, uploads in files.items():
        field = fields.get(key)
        if field is None:
            errors[key] = _("Ce formulaire n'a pas de champ fichier « %s ».") % key
            continue
        try:
            cleaned[key] = [_file_or_wallet_piece_checked(upload, field) for upload in uploads]
        except ValidationError as exc:
            errors[key] = exc.messages[0]
    return cleaned, errors


def _file_or_wallet_piece_checked(upload, field: dict) -> CleanFile:
    """One file of a file field: an upload checked by ``check_upload``, or, from the document
    wallet (``guichet.wallet``), a copy of a document the person chose (refused when expired or
    not theirs) or an upload they asked to keep there. A wallet copy is stored like any file;
    ``attachment_store`` then hands it back to the wallet, which records the use."""
    limit = field.get("max_size_mb")
    accept = tuple(field.get("accept", ["pdf", "image"]))
    max_bytes = limit * 1024 * 1024 if limit else None
    if isinstance(upload, WALLET_PIECES):
        from guichet.wallet.services import wallet_piece_checked

        return wallet_piece_checked(upload, field=field, accept=accept, max_bytes=max_bytes)
    return check_upload(upload, accept=accept, max_bytes=max_bytes)


@checked_by_caller(
    "case_submit",
    "case_message_add",
    "draft_save",
    "publicspace.services.report_submit",
    reason="stores a file its caller has already been allowed to add",
)
def attachment_store(
    *,
    clean: CleanFile,
    case: Case | None = None,
    draft: CaseDraft | None = None,
    message: CaseMessage | None = None,
    field_key: str = "",
    uploaded_by=None,
    public: bool = True,
) -> CaseAttachment:
    attachment = CaseAttachment(
        case=case,
        draft=draft,
        message=message,
        field_key=field_key,
        created_at=timezone.now(),
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
        original_name=clean.name,
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        public=public,
        scan_state=initial_scan_state(),
    )
    attachment.file.save("upload", ContentFile(clean.content), save=False)
    attachment.save()
    attachment_scan_later(attachment)
    if isinstance(clean, WalletCopy):  # from the wallet (_file_or_wallet_piece_checked)
        from guichet.wallet.services import wallet_piece_stored

        wallet_piece_stored(copy=clean, attachment=attachment)
    return attachment


def _route(
    *, definition: ServiceDefinition, commune: Organisation | None, subject: str = ""
) -> tuple[Organisation, Team]:
    route = competence_route(subject=subject or definition.key, commune=commune)
    if route is None:
        raise CaseInputError(
            {"commune": _("Aucune organisation ne traite ce service pour cette commune.")},
            code="no_competence",
        )
    return route


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
    checked = _submission_checked(**arguments)
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


@dataclass
class _CheckedSubmission:
    """A submission whose input passed every check, ready to record."""

    actor: Any
    definition: ServiceDefinition
    version: ServiceVersion
    channel: str
    requester: Any
    contact: dict[str, str]
    commune: Organisation | None
    location: tuple[float, float] | None
    address: str
    partner_key: PartnerApiKey | None
    draft: CaseDraft | None
    beneficiary: Any
    cleaned: dict[str, Any]
    clean_files: dict[str, list[CleanFile]]
    organisation: Organisation
    team: Team
    now: datetime
    first_message: FirstMessage | None
    #: each manifest that records rows with the case, with what its ``prepare`` made
    recorders: list[tuple[ServiceManifest, ServiceInput | None]]
    gapless: bool
    #: what routed it (the competence subject) and the rule's reason, told to the person
    routing_subject: str = ""
    routing_reason: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def year(self) -> int:
        return timezone.localtime(self.now).year


def _submission_checked(
    *,
    actor,
    definition: ServiceDefinition | str,
    data: dict[str, Any],
    channel: str,
    files: dict[str, list] | None,
    requester,
    contact: dict[str, str] | None,
    commune: Organisation | None,
    location: tuple[float, float] | None,
    address: str,
    partner_key: PartnerApiKey | None,
    portal: bool,
    draft: CaseDraft | None,
    subject: str,
    beneficiary,
    first_message: FirstMessage | None,
) -> _CheckedSubmission:
    """Every check of ``case_submit``'s input, the service's own (its manifest's
    ``prepare``) included; writes nothing. Raises CaseInputError."""
    # The definition as it is now (the caller's object may be stale); its published version
    # from the per-process cache (published versions are immutable). In the same query,
    # whether the commune given by the caller offers the service (checked below unless a
    # location puts the case in another commune).
    current: tuple[Any, ...] | None
    if isinstance(definition, str):
        # A key (the API): the channel's catalogue decides (a cached read).
        found = definition_for_filing(key=definition, portal=portal, commune=commune)
        if found is None:
            raise CaseInputError(
                {"__all__": _("Service inconnu : « %s ».") % definition}, code="unknown_service"
            )
        definition, offered = found
        current = (definition.current_version_id, definition.is_active)
        if commune is not None:
            current += (offered,)
    else:
        rows = ServiceDefinition.objects.filter(pk=definition.pk)
        if commune is not None:
            rows = rows.annotate(offered=offered_in_commune(commune, portal=portal))
        current = rows.values_list(
            "current_version_id", "is_active", *(["offered"] if commune is not None else [])
        ).first()
    version_id, is_active = (current or (None, False))[:2]
    # with a commune, the last column is whether the service is offered there
    offered_in = {commune.pk: current[-1]} if current and commune is not None else {}
    version = version_cached(version_id) if version_id else None
    if not is_active or version is None or not version.is_published:
        raise CaseInputError({"__all__": _("Ce service n'est pas ouvert.")}, code="unknown_service")
    data = dict(data or {})
    files = dict(files or {})
    draft_files: dict[str, int] = {}
    if draft is not None:
        if not CaseDraft.objects.filter(pk=draft.pk).exists():
            raise _already_submitted()
        for att in draft.attachments.all():
            draft_files[att.field_key] = draft_files.get(att.field_key, 0) + 1
    errors: dict[str, str] = {}
    manifests = manifests_for(definition.key)
    recorders: list[tuple[ServiceManifest, ServiceInput | None]] = []
    for manifest in manifests:
        prepared = None
        if manifest.prepare:
            prepared = manifest.prepare(
                data=data, files=files, location=location, requester=requester
            )
            data, files = prepared.data, prepared.files
            errors.update(prepared.errors)
            subject = subject or prepared.subject
        if manifest.record:
            recorders.append((manifest, prepared))
    for key in unknown_keys(version.form, data):
        errors[key] = _("Champ inconnu pour ce service.")
    clean_files, file_errors = _check_files(version, files)
    errors.update(file_errors)
    counts = {k: len(v) + draft_files.get(k, 0) for k, v in clean_files.items()}
    for key, n in draft_files.items():
        counts.setdefault(key, n)
    cleaned, field_errors = clean_fields(version.form, data, files=counts)
    for key, message in field_errors.items():  # a refused file keeps its own message
        errors.setdefault(key, message)
    contact = {k: (v or "").strip() for k, v in (contact or {}).items()}
    # A partner's key answers for the cases it files: the person's contact details are then
    # optional (Open311 GeoReport v2 makes e-mail and phone optional).
    if (
        requester is None
        and partner_key is None
        and not (contact.get("email") or contact.get("phone"))
    ):
        errors["contact_email"] = _(
            "Sans compte, indiquez une adresse e-mail ou un téléphone pour être recontacté."
        )
    if contact.get("email"):
        from django.core.validators import validate_email

        try:
            validate_email(contact["email"])
        except ValidationError:
            errors["contact_email"] = _("Saisissez une adresse e-mail valide.")
    if contact.get("sms_consent"):  # followed by SMS: a mobile number, kept in E.164
        from guichet.notifications.sms import mobile_number

        mobile = mobile_number(contact.get("phone", ""))
        if mobile is None:
            errors["contact_phone"] = _(
                "Pour le suivi par SMS, indiquez un numéro de mobile, par exemple 06 12 34 56 78."
            )
        else:
            contact["phone"] = mobile
    location = location or _location_from_data(version, cleaned)
    if location is not None:
        located = commune_at(lat=location[0], lon=location[1])
        if located is None:
            errors["location"] = _("Ce lieu est en dehors du territoire de la Métropole.")
        else:
            commune = located
    if commune is not None and not errors:
        offered = offered_in.get(commune.pk)
        if offered is None:  # a commune found from the location
            offered = (
                ServiceDefinition.objects.filter(pk=definition.pk)
                .filter(offered_in_commune(commune, portal=portal))
                .exists()
            )
        if not offered:
            errors["commune"] = _("Ce service n'est pas proposé dans la commune %s.") % commune.name
    if beneficiary is not None and (requester is None or beneficiary.owner_id != requester.pk):
        errors["beneficiary"] = _("Choisissez une personne que vous représentez.")
    if errors:
        raise CaseInputError(errors)
    organisation, team = _route(definition=definition, commune=commune, subject=subject)
    if partner_key is not None:
        # After routing, before any number is taken: the key's organisation bounds what it
        # files, whatever the payload's commune, location or address.
        refusal = partner_key_scope_refusal(partner_key, commune=commune, organisation=organisation)
        if refusal:
            raise CaseInputError({"__all__": refusal}, code="out_of_scope")

    return _CheckedSubmission(
        actor=actor,
        definition=definition,
        version=version,
        channel=channel,
        requester=requester,
        contact=contact,
        commune=commune,
        location=location,
        address=address,
        partner_key=partner_key,
        draft=draft,
        beneficiary=beneficiary,
        cleaned=cleaned,
        clean_files=clean_files,
        organisation=organisation,
        team=team,
        now=timezone.now(),
        first_message=first_message,
        recorders=recorders,
        gapless=any(m.gapless_references for m in manifests),
        routing_subject=subject or definition.key,
        routing_reason=competence_reason(subject=subject or definition.key, commune=commune),
    )


def _already_submitted() -> CaseInputError:
    return CaseInputError(
        {"__all__": _("Cette demande a déjà été envoyée.")}, code="already_submitted"
    )


def _submission_recorded(checked: _CheckedSubmission, reference: str) -> Submission:
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
            raise _already_submitted()
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


def case_transition(
    *, actor, case: Case, transition: str, channel: str = Channel.WEB, comment: str = ""
) -> Case:
    """Take a workflow transition (see ``Transition.check``/``execute``): agents of the
    organisation in charge, or the requester for the submitter's transitions."""
    case_policy.require_act(actor, case, "transition")
    return transition_get(case, transition).execute(actor=actor, channel=channel, comment=comment)


@transaction.atomic
def case_assign(*, actor, case: Case, assignee=None, team: Team | None = None) -> Case:
    """Give the case to an agent (and/or a team) of the organisation in charge."""
    case_policy.require_act(actor, case, "assign")
    case = Case.objects.select_for_update().get(pk=case.pk)
    team = team or case.team
    if team.organisation_id != case.organisation_id:
        raise WorkflowError(
            "invalid_team", _("Cette équipe n'est pas de l'organisation en charge.")
        )
    if (
        assignee is not None
        and not Membership.objects.filter(
            user=assignee, team__organisation_id=case.organisation_id
        ).exists()
    ):
        raise WorkflowError(
            "invalid_assignee", _("Cet agent n'appartient pas à l'organisation en charge.")
        )
    case_set_assignment(case=case, team=team, assignee=assignee, actor=actor)
    audit_log(
        actor=actor,
        action="cases.assigned",
        obj=case,
        organisation_id=case.organisation_id,
        data={"team": team.pk, "assignee": assignee.pk if assignee else None},
    )
    return case


@transaction.atomic
def case_reroute(*, actor, case: Case, team: Team, reason: str) -> Case:
    """Send a misrouted case to another team, of any organisation (agents of the organisation
    in charge): the case, and with it the access of agents, moves to the team's organisation;
    the reason stays in the history and the audit log."""
    case_policy.require_act(actor, case, "reroute")
    reason = (reason or "").strip()
    if not reason:
        raise CaseInputError({"reason": _("Indiquez le motif de la réorientation.")})
    case = Case.objects.select_for_update().select_related("organisation", "team").get(pk=case.pk)
    if team.pk == case.team_id:
        raise CaseInputError({"team": _("La demande est déjà chez cette équipe.")})
    if not team.organisation.is_active:
        raise CaseInputError({"team": _("Cette organisation n'est plus active.")})
    previous = f"{case.organisation.name} — {case.team.name}"
    subject = routing_subject(case)
    case.organisation = team.organisation
    case.save(update_fields=["organisation", "updated_at"])
    case_set_assignment(case=case, team=team, assignee=None, actor=actor)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.ROUTED,
        actor=actor,
        channel=Channel.WEB,
        summary=f"{team.organisation.name} — {team.name}"[:300],
        data={
            "organisation": team.organisation_id,
            "team": team.pk,
            "previous": previous,
            "reason": reason,
            # what the person is told: the new organisation's own rule for the subject
            "subject": subject,
            "explanation": competence_reason_of(subject=subject, organisation=team.organisation),
        },
    )
    audit_log(
        actor=actor,
        action="cases.rerouted",
        obj=case,
        organisation_id=team.organisation_id,
        data={"reason": reason, "team": team.pk, "previous": previous},
    )
    # the access moved with the case: the actor's cached answers about it are stale
    forget_policy_answers(actor)
    return case


@transaction.atomic
def case_deadline_set(*, actor, case: Case, deadline) -> Case:
    """Set (or clear, with None) the case's deadline."""
    case_policy.require_act(actor, case, "deadline")
    case = Case.objects.select_for_update().get(pk=case.pk)
    case_set_deadline(case=case, deadline=deadline, actor=actor)
    audit_log(
        actor=actor,
        action="cases.deadline_set",
        obj=case,
        organisation_id=case.organisation_id,
        data={"deadline": deadline.isoformat() if deadline else None},
    )
    return case


@transaction.atomic
def case_bulk_assign(*, actor, cases: list[Case], assignee) -> int:
    """Give every case to ``assignee``; refused as a whole if one of them is not the actor's."""
    for case in cases:
        case_policy.require_act(actor, case, "assign")
    for case in cases:
        case_assign(actor=actor, case=case, assignee=assignee)
    return len(cases)


def case_bulk_transition(
    *, actor, cases: list[Case], transition: str, comment: str = ""
) -> tuple[list[Case], dict[str, str]]:
    """Take ``transition`` on each case; each in its own transaction, failures reported by
    reference (a refused case is left unchanged)."""
    done, failed = [], {}
    for case in cases:
        case_policy.require_act(actor, case, "transition")
    for case in cases:
        try:
            done.append(
                case_transition(actor=actor, case=case, transition=transition, comment=comment)
            )
        except WorkflowError as exc:
            failed[case.reference] = exc.message
    return done, failed


@transaction.atomic
def case_note_add(*, actor, case: Case, body: str) -> CaseNote:
    """An internal note (never shown to the citizen)."""
    case_policy.require_act(actor, case, "note")
    if not body.strip():
        raise CaseInputError({"body": _("La note est vide.")})
    note = CaseNote.objects.create(case=case, author=actor, body=body.strip())
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.NOTE,
        actor=actor,
        channel=Channel.WEB,
        summary=body.strip()[:120],
    )
    return note


@transaction.atomic
def case_message_add(
    *,
    actor,
    case: Case,
    body: str,
    from_citizen: bool,
    channel: str = Channel.WEB,
    files: list | None = None,
    email_message_id: str = "",
    email_sender: str = "",
    notify: bool = True,
) -> CaseMessage:
    """A message on the case, from the citizen or from an agent (who must be in charge), with
    optional attachments; the other side is notified.

    ``from_citizen``: written by the requester (their account, or a ``TrackingCodeHolder``
    of this case), checked here like the agent's side; the mail gateway passes ``SYSTEM``
    once the case's reply address placed the message, which then is the requester's."""
    case_policy.require_act(actor, case, "message_from_citizen" if from_citizen else "message")
    clean = []
    for upload in files or []:
        try:
            clean.append(check_upload(upload))
        except ValidationError as exc:
            raise CaseInputError({"files": exc.messages[0]}) from None
    if not body.strip() and not clean:
        raise CaseInputError({"body": _("Le message est vide.")})
    user = actor if getattr(actor, "is_authenticated", False) else None
    if actor is SYSTEM and from_citizen:
        user = case.requester
    message = CaseMessage.objects.create(
        case=case,
        author=user,
        from_citizen=from_citizen,
        channel=channel,
        body=body.strip(),
        email_message_id=email_message_id[:300],
        email_sender=email_sender[:254],
    )
    for item in clean:
        attachment_store(clean=item, case=case, message=message, uploaded_by=user)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.MESSAGE,
        actor=user,
        channel=channel,
        public=True,
        summary=(_("Message de l'usager") if from_citizen else _("Message du service")),
        data={"message": message.pk, "attachments": len(clean)},
    )
    if notify:
        if from_citizen:
            recipients = [case.assignee] if case.assignee_id else team_recipients(case.team)
            audience = {"audience": AGENTS, "topic": "cases.team"}
        else:
            recipients = [citizen_recipient(case)]
            audience = {"topic": "cases.message"}
        case_notify(
            case=case,
            recipients=recipients,
            **audience,
            template="cases/mail/message",
            context={
                "case": case,
                "reference": case.reference,
                "service": case.definition.name,
                "body": message.body,
                "from_citizen": from_citizen,
                # only the case's reply address takes a reply in (cases.replies)
                "reply_by_mail": inbound_address() is not None,
            },
            actor=user,
        )
    return message


@transaction.atomic
def draft_save(
    *,
    actor,
    version: ServiceVersion,
    data: dict,
    page: str,
    draft: CaseDraft | None = None,
    commune: Organisation | None = None,
    files: dict[str, list] | None = None,
) -> CaseDraft:
    """Save a form being filled in (page by page) so the citizen can resume it."""
    if draft is not None:
        draft_policy.require_act(actor, draft, "save")
    owner = actor if getattr(actor, "is_authenticated", False) else None
    clean_files, errors = _check_files(version, files or {})
    if errors:
        raise CaseInputError(errors)
    if draft is None:
        draft = CaseDraft.objects.create(
            owner=owner, version=version, data=data, page=page, commune=commune
        )
    else:
        draft.data = data
        draft.page = page
        draft.commune = commune or draft.commune
        draft.save(update_fields=["data", "page", "commune", "updated_at"])
    for key, cleans in clean_files.items():
        for clean in cleans:
            attachment_store(clean=clean, draft=draft, field_key=key, uploaded_by=owner)
    return draft


@transaction.atomic
def saved_filter_create(*, actor, name: str, query: str) -> SavedFilter:
    """A named search of the back-office queue, the agent's own."""
    case_policy.require_back_office(actor)
    if not name.strip():
        raise CaseInputError({"name": _("Donnez un nom au filtre.")})
    return SavedFilter.objects.create(owner=actor, name=name.strip()[:100], query=query[:1000])


@system_only("the partner_key management command")
@transaction.atomic
def partner_api_key_create(
    *, actor, organisation: Organisation, name: str
) -> tuple[PartnerApiKey, str]:
    """Create a partner API key for ``organisation``; returns the key (shown once) — only
    its hash is stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = PartnerApiKey.objects.create(
        organisation=organisation, name=name, prefix=prefix, key_hash=api_key_hash(secret)
    )
    audit_log(
        actor=actor,
        action="cases.api_key_created",
        obj=key,
        organisation_id=organisation.pk,
        data={"name": name},
    )
    return key, f"{prefix}.{secret}"


__all__ = [
    "CaseInputError",
    "FirstMessage",
    "Submission",
    "Transition",
    "WorkflowError",
    "case_assign",
    "case_bulk_assign",
    "case_bulk_transition",
    "case_deadline_set",
    "case_message_add",
    "case_note_add",
    "case_submit",
    "case_transition",
    "draft_save",
    "draft_submission_replayed",
    "partner_api_key_create",
    "saved_filter_create",
]
