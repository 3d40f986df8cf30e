"""Writes on cases. Every door (citizen pages, back-office, API, e-mail, timers) calls these."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
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
from guichet.cases.permissions import agent_can_access
from guichet.cases.references import reference_give_back, reference_next, reference_take
from guichet.cases.replies import inbound_address, new_reply_token
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
from guichet.services.models import ServiceDefinition, ServiceVersion
from guichet.services.registry import manifests_for
from guichet.services.schema import clean_fields, iter_fields, unknown_keys
from guichet.services.selectors import (
    definition_for_filing,
    offered_in_commune,
    version_cached,
)
from guichet.territory.models import Membership, Organisation, Team
from guichet.territory.selectors import commune_at, competence_route

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
    tracking_code: str  # empty for a case filed by an account


def hash_tracking_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


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
        limit = field.get("max_size_mb")
        try:
            cleaned[key] = [
                check_upload(
                    upload,
                    accept=tuple(field.get("accept", ["pdf", "image"])),
                    max_bytes=limit * 1024 * 1024 if limit else None,
                )
                for upload in uploads
            ]
        except ValidationError as exc:
            errors[key] = exc.messages[0]
    return cleaned, errors


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
    also_record: Callable[[Submission], Any] | None = None,
) -> Submission:
    """File a case: validate against the service's published version, route it by competence
    rules, give it a reference, record the history and run the initial status's actions.

    ``requester`` is the citizen's account; without one, ``contact`` (name, email, phone) is
    required and a tracking code is returned. ``actor`` is who files it (the citizen, an agent
    on someone's behalf, None for a partner or the mail gateway). ``subject`` routes by a finer
    competence key than the service key (a report's category, ``publicspace.roads.pothole``).
    ``beneficiary``: one of the requester's ``accounts.Dependant`` when the case is filed for
    them; its name and the relationship are copied onto the case.
    ``definition`` may be given by its key: it must then be in the catalogue of the channel
    (``portal``), else CaseInputError ``unknown_service``.
    ``also_record(submission)`` is called in the recording transaction, once the case and all
    it writes are there: what a service records with its cases, committed or rolled back with
    them (a report and its photos).
    Raises CaseInputError (field -> message); nothing is saved then.

    The input is checked first, outside any transaction; then the case and everything it
    writes are recorded in one transaction. The number of its reference is taken just before,
    in a transaction of its own (``reference_take``): the counter row of a service is locked
    for one statement, not for the whole recording, so concurrent submissions to one service
    record in parallel. When the caller already holds a transaction (an idempotency key's, a
    test's), or a draft is submitted (locked from the check to the recording, so that a double
    click files one case), everything runs in one transaction and the number is taken in it.
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
    }
    if draft is not None or transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            checked = _submission_checked(**arguments)
            return _submission_recorded(
                checked,
                reference_next(prefix=checked.definition.reference_prefix, year=checked.year),
                also_record,
            )
    checked = _submission_checked(**arguments)
    prefix, year = checked.definition.reference_prefix, checked.year
    reference = reference_take(prefix=prefix, year=year)
    recording = False
    try:
        with transaction.atomic():
            recording = True
            submission = _submission_recorded(checked, reference, also_record)
            recording = False  # from here, the commit: its failure leaves the outcome unknown
    except BaseException:
        if recording:  # rolled back: the number goes back unless a later one was taken
            reference_give_back(reference, prefix=prefix, year=year)
        raise
    return submission


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
) -> _CheckedSubmission:
    """Every check of ``case_submit``'s input; writes nothing (a draft is locked: the caller
    holds a transaction then). Raises CaseInputError."""
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
        # Locked: a double submission of the same draft files one case, not two.
        draft = CaseDraft.objects.select_for_update().filter(pk=draft.pk).first()
        if draft is None:
            raise CaseInputError(
                {"__all__": _("Cette demande a déjà été envoyée.")}, code="already_submitted"
            )
        for att in draft.attachments.all():
            draft_files[att.field_key] = draft_files.get(att.field_key, 0) + 1
    errors: dict[str, str] = {}
    for key in unknown_keys(version.form, data):
        errors[key] = _("Champ inconnu pour ce service.")
    clean_files, file_errors = _check_files(version, files)
    errors.update(file_errors)
    counts = {k: len(v) + draft_files.get(k, 0) for k, v in clean_files.items()}
    for key, n in draft_files.items():
        counts.setdefault(key, n)
    cleaned, field_errors = clean_fields(version.form, data, files=counts)
    errors.update(field_errors)
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
    for manifest in manifests_for(definition.key):
        if manifest.validate:
            errors.update(manifest.validate(version=version, data=cleaned, location=location))
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
    )


def _submission_recorded(
    checked: _CheckedSubmission,
    reference: str,
    also_record: Callable[[Submission], Any] | None = None,
) -> Submission:
    """Write the checked submission under ``reference``: the case, its files, its history, the
    initial status's actions, the audit entry and the receipt (in the caller's transaction)."""
    actor, definition, version = checked.actor, checked.definition, checked.version
    channel, requester, contact = checked.channel, checked.requester, checked.contact
    commune, location, address = checked.commune, checked.location, checked.address
    partner_key, draft, beneficiary = checked.partner_key, checked.draft, checked.beneficiary
    cleaned, clean_files = checked.cleaned, checked.clean_files
    organisation, team = checked.organisation, checked.team
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
    for manifest in manifests_for(definition.key):
        if manifest.on_submitted:
            manifest.on_submitted(case=case)
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
    submission = Submission(case=case, tracking_code=tracking_code)
    if also_record is not None:
        also_record(submission)
    return submission


def _require_agent(actor, case: Case) -> None:
    if not agent_can_access(actor, case):
        from django.http import Http404

        raise Http404("case")


def case_transition(
    *, actor, case: Case, transition: str, channel: str = Channel.WEB, comment: str = ""
) -> Case:
    """Take a workflow transition (see ``Transition.check``/``execute``)."""
    return transition_get(case, transition).execute(actor=actor, channel=channel, comment=comment)


@transaction.atomic
def case_assign(*, actor, case: Case, assignee=None, team: Team | None = None) -> Case:
    """Give the case to an agent (and/or a team) of the organisation in charge."""
    _require_agent(actor, case)
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
def case_deadline_set(*, actor, case: Case, deadline) -> Case:
    """Set (or clear, with None) the case's deadline."""
    _require_agent(actor, case)
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
    _require_agent(actor, case)
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
    optional attachments; the other side is notified."""
    if not from_citizen:
        _require_agent(actor, case)
    clean = []
    for upload in files or []:
        try:
            clean.append(check_upload(upload))
        except ValidationError as exc:
            raise CaseInputError({"files": exc.messages[0]}) from None
    if not body.strip() and not clean:
        raise CaseInputError({"body": _("Le message est vide.")})
    user = actor if getattr(actor, "is_authenticated", False) else None
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
    if not name.strip():
        raise CaseInputError({"name": _("Donnez un nom au filtre.")})
    return SavedFilter.objects.create(owner=actor, name=name.strip()[:100], query=query[:1000])


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
    "partner_api_key_create",
    "saved_filter_create",
]
