"""Writes of urbanism: filing a planning application, its registration number, the
instruction's events (pieces, extension, consultations, decision) and the tacit decisions.

A planning application is a case of the engine (``urbanism.<procedure>``: the form checks,
files, routing to the commune's planning team, history and receipt) plus a
``PlanningApplication`` row recorded in the same transaction. The coupling to the case engine
is here and in ``apps.py`` only: ``case_submit`` with the manifest's ``prepare`` and
``record``, ``draft_save``, ``Transition(...).execute`` to move the case, ``case_notify``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guichet.cases.drafts import draft_save
from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft, CaseEvent, Channel
from guichet.cases.notify import (
    case_notify,
    citizen_recipient,
    render_message,
    team_recipients,
)
from guichet.cases.submission import case_submit
from guichet.cases.workflow import SYSTEM as ENGINE_SYSTEM
from guichet.cases.workflow import Transition
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.registry import ServiceInput
from guichet.core.audit import audit_log
from guichet.core.policies import PolicyDenied, checked_by_caller, policy_exempt, system_only
from guichet.notifications.services import notification_create
from guichet.territory.models import Organisation, Team
from guichet.urbanism import cerfa, deadlines
from guichet.urbanism.definitions import STATUSES
from guichet.urbanism.models import (
    DecisionTemplate,
    InstructionEvent,
    PlanningApplication,
    RegistrationCounter,
    TransferConsent,
)
from guichet.urbanism.policies import application_policy, consent_policy, template_policy
from guichet.urbanism.procedures import Procedure, catalogue, procedure_get
from guichet.urbanism.selectors import transfer_consent_for

ALERT_DAYS = 10  # agents are alerted this many days before a tacit decision
CONSULTATION_SENT = "consultation_sent"
DECISION_KINDS = {
    "approval": PlanningApplication.Decision.APPROVAL,
    "approval_prescriptions": PlanningApplication.Decision.APPROVAL_PRESCRIPTIONS,
    "refusal": PlanningApplication.Decision.REFUSAL,
    "non_opposition": PlanningApplication.Decision.NON_OPPOSITION,
    "opposition": PlanningApplication.Decision.OPPOSITION,
}


class InstructionRefused(Exception):
    """The engine or the rules refuse an instruction step; ``message`` says why (French)."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------------------------
# Registration number (A423-1 to A423-3)
# --------------------------------------------------------------------------------------------


@policy_exempt("a computation: formats a number")
def registration_number(prefix: str, insee: str, year: int, sequence: int) -> str:
    """``PC 069 149 26 00012``: type, department on 3 characters, commune on 3, the year's
    last two digits and the file number on 5 (its first digit is the instructing service's:
    0 for the commune's own service)."""
    return f"{prefix} {insee[:2].rjust(3, '0')} {insee[2:]} {year % 100:02d} {sequence:05d}"


def _sequence_next(insee: str, year: int) -> int:
    """The next file number of (commune, year), in the caller's transaction: the counter row
    stays locked until it commits, so concurrent filings wait for each other (no number shared)
    and a rolled-back filing gives its number back (no gap)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_sequence_next runs in the filing's transaction")
    counters = RegistrationCounter.objects.filter(commune_insee=insee, year=year)
    if not counters.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                RegistrationCounter.objects.create(commune_insee=insee, year=year, last=0)
        except IntegrityError:
            pass  # created meanwhile by a concurrent filing
        counters.update(last=F("last") + 1)
    return counters.values_list("last", flat=True).get()


# --------------------------------------------------------------------------------------------
# Validation of the Cerfa answers (the manifest's ``validate``: every door of the engine)
# --------------------------------------------------------------------------------------------


@policy_exempt("checks any door's Cerfa fields; writes nothing")
def manifest_prepare(*, data: dict, files: dict, location=None, requester=None) -> ServiceInput:
    """The manifest's ``prepare``, for every door: the Cerfa fields the form cannot check
    (parcels, SIRET, the permit a DOC or DAACT follows)."""
    errors: dict[str, str] = {}
    if data.get("parcels"):
        try:
            cerfa.parcels_clean(data["parcels"])
        except ValidationError as exc:
            errors["parcels"] = exc.messages[0]
    if data.get("siret"):
        try:
            cerfa.siret_clean(data["siret"])
        except ValidationError as exc:
            errors["siret"] = exc.messages[0]
    if data.get("permit_number") and not _permit_of(data["permit_number"]):
        errors["permit_number"] = _("Aucune autorisation accordée ne porte ce numéro.")
    return ServiceInput(data=data, files=files, errors=errors)


def _permit_of(number: str) -> PlanningApplication | None:
    normalised = " ".join((number or "").upper().split())
    return (
        PlanningApplication.objects.filter(number=normalised)
        .exclude(decision__in=["refusal", "opposition"])
        .first()
    )


# --------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------


@policy_exempt("reads the public catalogue")
def definition_get(procedure: Procedure) -> ServiceDefinition | None:
    return ServiceDefinition.objects.filter(key=procedure.service_key, is_active=True).first()


def _procedure_or_error(code: str) -> tuple[Procedure, ServiceDefinition]:
    procedure = procedure_get(code)
    definition = definition_get(procedure) if procedure else None
    if procedure is None or definition is None:
        raise CaseInputError(
            {"procedure": _("Procédure d'urbanisme inconnue : « %s ».") % str(code)[:20]},
            code="unknown_procedure",
        )
    return procedure, definition


def _flags_of(data: dict) -> list[str]:
    return sorted(k for k in catalogue().flags if data.get(k) is True)


@policy_exempt("a computation of the deadline engine; writes nothing")
def application_compute(application: PlanningApplication) -> deadlines.Computation:
    """The engine's answer for the file as it stands (its recorded events)."""
    events = [
        deadlines.Event(
            kind=e.kind,
            on=e.on,
            pieces=tuple(e.data.get("pieces", ())),
            grounds=tuple(e.data.get("grounds", ())),
            consultee=e.data.get("consultee", ""),
            opinion=e.data.get("opinion", ""),
            sent_on=date.fromisoformat(e.data["sent_on"]) if e.data.get("sent_on") else None,
        )
        for e in application.events.all()
        if e.kind in deadlines.EVENT_KINDS
    ]
    procedure = procedure_get(application.procedure)
    assert procedure is not None  # recorded from the catalogue (application_record)
    if procedure.deadline_of_permit:
        procedure = _with_permit_deadline(procedure, application.permit_number)
    return deadlines.compute(
        procedure,
        filed_on=application.filed_on,
        flags=set(application.flags),
        events=events,
    )


def _with_permit_deadline(procedure: Procedure, permit_number: str) -> Procedure:
    """A modification or a transfer is instructed within the base deadline of the permit it
    follows (R423-23: 2 months for a PCMI or a PD, 3 for a PC or a PA)."""
    permit_code = (
        PlanningApplication.objects.filter(number=permit_number)
        .values_list("procedure", flat=True)
        .first()
    )
    permit_procedure = procedure_get(permit_code or "")
    assert permit_procedure is not None  # checked when the file was recorded (_record)
    return replace(
        procedure,
        base_months=permit_procedure.base_months,
        base_article=permit_procedure.base_article,
    )


GRANTED = Q(decision__in=["approval", "approval_prescriptions"]) | Q(
    decision="tacit", tacit_outcome="tacit_approval"
)


def _granted_permit(number: str, follows: tuple[str, ...]) -> PlanningApplication | None:
    """The granted permit of ``number`` among the procedures ``follows``, locked until the
    caller's transaction ends (its modifications and transfers are numbered one at a time)."""
    normalised = " ".join((number or "").upper().split())
    return (
        PlanningApplication.objects.select_for_update(of=("self",))
        .filter(GRANTED, number=normalised, procedure__in=follows)
        .first()
    )


def _store_computation(application: PlanningApplication) -> deadlines.Computation:
    result = application_compute(application)
    application.ends_on = result.ends_on
    application.decision_due_on = result.decision_on
    application.tacit_outcome = result.outcome
    application.articles = result.articles[:200]
    application.save(update_fields=["ends_on", "decision_due_on", "tacit_outcome", "articles"])
    return result


@checked_by_caller(
    "cases.submission.case_submit",
    reason="the manifest's record, run by case_submit in its recording transaction",
)
def application_record(*, case, prepared=None) -> PlanningApplication | None:
    """The manifest's ``record``: in the submission's transaction, whatever the door
    (the citizen's form and drafts, the agent's filing, the API), record the planning
    application of ``case``: its registration number, its deadline, and the AEE."""
    procedure = catalogue().by_service_key.get(case.definition.key)
    if procedure is None:
        return None
    return _record(procedure, case)


def _record(procedure: Procedure, case) -> PlanningApplication:
    data = case.data
    filed_at = case.created_at or timezone.now()
    filed_on = timezone.localdate(filed_at)
    commune = case.commune
    number, sequence, permit_number = "", None, ""
    consent = None
    if procedure.number_suffix:
        permit = _granted_permit(data.get("permit_number", ""), procedure.follows)
        if permit is None:
            raise CaseInputError(
                {
                    "permit_number": _(
                        "Une modification ou un transfert suit un permis accordé : aucun "
                        "permis accordé ne porte ce numéro."
                    )
                },
                code="permit_not_granted",
            )
        if procedure.code == "TR":
            consent = _consent_for(permit, case)
        permit_number = permit.number
        sequence = (
            PlanningApplication.objects.filter(
                permit_number=permit.number, procedure=procedure.code
            ).count()
            + 1
        )
        if sequence > 99:
            raise CaseInputError({"permit_number": _("Trop de demandes pour ce permis.")})
        number = f"{permit.number} {procedure.number_suffix}{sequence:02d}"
    elif procedure.number_prefix:
        sequence = _sequence_next(commune.insee_code, filed_on.year)
        number = registration_number(
            procedure.number_prefix, commune.insee_code, filed_on.year, sequence
        )
    else:
        permit = _permit_of(data.get("permit_number", ""))
        assert permit is not None  # required by the form, checked by manifest_prepare
        permit_number = permit.number
    area = data.get("floor_area_created")
    application = PlanningApplication.objects.create(
        case=case,
        procedure=procedure.code,
        commune=commune,
        team_id=case.team_id,
        number=number,
        year=filed_on.year,
        sequence=sequence,
        permit_number=permit_number,
        filed_at=filed_at,
        filed_on=filed_on,
        applicant_name=(data.get("company_name") or data.get("applicant_name") or "")[:200],
        siret=cerfa.siret_clean(data["siret"]) if data.get("siret") else "",
        land_address=data.get("land_address", "")[:300],
        parcels=cerfa.parcels_clean(data["parcels"]) if data.get("parcels") else [],
        works_nature=data.get("works_nature", ""),
        floor_area_created=cerfa.floor_area_clean(area) if area not in (None, "") else None,
        flags=_flags_of(data),
    )
    if consent is not None:
        consent.transfer = application
        consent.save(update_fields=["transfer"])
    result = _store_computation(application)
    if not procedure.base_months and not procedure.deadline_of_permit:  # a DOC
        application.is_open = False
        application.save(update_fields=["is_open"])
        _case_move(application, "declared", _("Déclaration enregistrée"))
    audit_log(
        actor=case.filed_by or case.requester,
        action="urbanism.filed",
        obj=case,
        organisation_id=case.organisation_id,
        data={"number": number, "procedure": procedure.code},
    )
    _notify_applicant(
        application,
        "urbanism/mail/aee",
        {"result": result, "outcome_label": deadlines.outcome_label(result.outcome)},
    )
    return application


@policy_exempt("a filing door open to everyone, like the catalogue's forms: case_submit checks it")
def application_file(
    *,
    actor,
    procedure: str,
    commune: Organisation | None,
    data: dict[str, Any],
    files: dict[str, list] | None = None,
    draft: CaseDraft | None = None,
    contact: dict[str, str] | None = None,
) -> PlanningApplication:
    """File a planning application of ``procedure`` in ``commune``: the case engine checks the
    form and the PDF pieces (each under its code) and routes it to the commune's planning
    team; in the same transaction the file gets its registration number (A423-1 to A423-3),
    its deadline from the engine and the AEE e-mail. Raises CaseInputError (French, by
    field); nothing is recorded then. (The manifest's ``record`` records the
    application: ``application_record``.)"""
    _found, definition = _procedure_or_error(procedure)
    requester = actor if getattr(actor, "is_authenticated", False) else None
    submission = case_submit(
        actor=actor,
        definition=definition,
        data=data,
        channel=Channel.WEB,
        files=files,
        requester=requester,
        contact=contact,
        commune=commune,
        address=str(data.get("land_address", ""))[:300],
        draft=draft,
        portal=True,
    )
    return PlanningApplication.objects.select_related("case", "commune").get(case=submission.case)


# --------------------------------------------------------------------------------------------
# After a granted permit: modifications (M01...) and transfers (T01...)
# --------------------------------------------------------------------------------------------


def _consent_for(permit: PlanningApplication, case) -> TransferConsent:
    """The holder's unused consent to transfer ``permit`` to the person filing ``case``."""
    email = (getattr(case.requester, "email", "") or "").strip().lower()
    consent = (
        TransferConsent.objects.select_for_update()
        .filter(permit=permit, transfer__isnull=True, new_holder_email__iexact=email)
        .order_by("-given_at")
        .first()
    )
    if not email or consent is None:
        raise CaseInputError(
            {
                "permit_number": _(
                    "Le titulaire de ce permis n'a pas accepté de vous le transférer."
                )
            },
            code="transfer_without_consent",
        )
    return consent


def _permit_granted_or_refused(permit: PlanningApplication) -> None:
    if not PlanningApplication.objects.filter(GRANTED, pk=permit.pk).exists() or (
        permit.procedure not in ("PCMI", "PC", "PA", "PD")
    ):
        raise InstructionRefused(
            _("Seul un permis accordé peut être modifié ou transféré."), code="not_granted"
        )


def _draft_for(actor, code: str, permit: PlanningApplication, data: dict) -> CaseDraft:
    procedure = procedure_get(code)
    assert procedure is not None  # PM and TR are in the catalogue's data
    definition = definition_get(procedure)
    if definition is None or definition.current_version is None:
        raise InstructionRefused(_("Cette démarche n'est pas ouverte dans la commune."))
    return draft_save(
        actor=actor,
        version=definition.current_version,
        data={"permit_number": permit.number, **data},
        page="",
        commune=permit.commune,
    )


@transaction.atomic
def modification_start(*, actor, permit: PlanningApplication) -> CaseDraft:
    """The holder starts a permis modificatif (Cerfa 13411) of their granted permit: a draft of
    the ``PM`` procedure, the permit's number filled in, filed through the usual form."""
    application_policy.require_act(actor, permit, "modify")
    _permit_granted_or_refused(permit)
    return _draft_for(
        actor,
        "PM",
        permit,
        {"applicant_kind": "person", "applicant_name": permit.applicant_name},
    )


@transaction.atomic
def transfer_consent_give(
    *, actor, permit: PlanningApplication, new_holder_email: str
) -> TransferConsent:
    """The holder agrees to transfer their granted permit to the person of
    ``new_holder_email``, who is told by e-mail and files the transfer (Cerfa 13412)."""
    from django.core.validators import validate_email

    application_policy.require_act(actor, permit, "transfer")
    _permit_granted_or_refused(permit)
    email = (new_holder_email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InstructionRefused(_("Adresse électronique invalide.")) from None
    if email == (actor.email or "").lower():
        raise InstructionRefused(_("Indiquez l'adresse du nouveau titulaire."))
    consent = TransferConsent.objects.create(
        token=uuid.uuid4(), permit=permit, new_holder_email=email, given_by=actor
    )
    subject, body = render_message(
        "urbanism/mail/transfer_offer", {"permit": permit, "consent": consent}
    )
    notification_create(
        recipient={"email": email},
        topic="cases.update",
        template="generic",
        context={"title": subject, "body": body},
        organisation=permit.commune,
        url=f"/urbanisme/transferts/{consent.token}/",
    )
    audit_log(
        actor=actor,
        action="urbanism.transfer_consent",
        obj=permit.case,
        organisation_id=permit.case.organisation_id,
        data={"number": permit.number},
    )
    return consent


@transaction.atomic
def transfer_accept(*, actor, token: str) -> CaseDraft:
    """The new holder, signed in with the address the holder gave, accepts the transfer: a
    draft of the ``TR`` procedure for the permit, which they complete and file."""
    consent = transfer_consent_for(actor=actor, token=token)
    consent_policy.require_act(actor, consent, "accept")
    name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    name = name or consent.new_holder_email
    return _draft_for(
        actor, "TR", consent.permit, {"applicant_kind": "person", "applicant_name": name}
    )


# --------------------------------------------------------------------------------------------
# Instruction
# --------------------------------------------------------------------------------------------


def _case_move(application: PlanningApplication, status: str, label: str, comment: str = ""):
    """Move the file's case to ``status`` (the urbanism services decide; the engine records)."""
    case = application.case
    if case.status == status:
        return
    spec = {
        "key": f"urbanisme_{status}",
        "label": label,
        "from": [s["key"] for s in STATUSES],
        "to": status,
        "functions": ["receiver"],
        "comment_public": True,
    }
    # the case engine's own system actor (urbanism's policy was asked by the caller)
    application.case = Transition(case, spec).execute(
        actor=ENGINE_SYSTEM, channel=Channel.SYSTEM, comment=comment
    )


def _notify_applicant(application: PlanningApplication, template: str, context: dict) -> None:
    case = application.case
    case_notify(
        case=case,
        recipients=[citizen_recipient(case)],
        template=template,
        context={"application": application, "case": case, **context},
        topic="cases.update",
    )


def _locked(application: PlanningApplication) -> PlanningApplication:
    return (
        PlanningApplication.objects.select_for_update()
        .select_related("case", "commune")
        .get(pk=application.pk)
    )


def _open_locked(application: PlanningApplication) -> PlanningApplication:
    """The application locked for a step of its instruction; refused once it is closed."""
    application = _locked(application)
    if not application.is_open:
        raise InstructionRefused(_("Ce dossier est clos."), code="closed")
    return application


def _add_event(application, *, kind: str, on: date, data: dict, actor) -> InstructionEvent:
    return InstructionEvent.objects.create(
        application=application,
        kind=kind,
        on=on,
        data=data,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _today() -> date:
    return timezone.localdate()


@dataclass(frozen=True)
class StepResult:
    application: PlanningApplication
    computation: deadlines.Computation
    moved: bool  # whether the step changed the deadline
    reasons: tuple[deadlines.Reason, ...]


def _step(application, before: deadlines.Computation) -> StepResult:
    after = _store_computation(application)
    new_ignored = tuple(r for r in after.ignored if r not in before.ignored)
    moved = (after.decision_on, after.outcome) != (before.decision_on, before.outcome)
    return StepResult(application, after, moved, new_ignored)


@transaction.atomic
def pieces_request(
    *, actor, application: PlanningApplication, pieces: list[str], on: date | None = None
) -> StepResult:
    """Ask the applicant for the missing pieces, all of them in one request (R423-38). The
    engine decides whether it changes the deadline (only a first request within the first
    month, for pieces the code lists, does: R423-41)."""
    application_policy.require_act(actor, application, "instruct")
    application = _open_locked(application)
    procedure = procedure_get(application.procedure)
    assert procedure is not None  # recorded from the catalogue (application_record)
    codes = list(dict.fromkeys(p.strip().upper() for p in pieces if p.strip()))
    if not codes:
        raise InstructionRefused(_("Cochez les pièces manquantes (toutes, en une seule demande)."))
    unknown = [c for c in codes if procedure.piece(c) is None]
    if unknown:
        raise InstructionRefused(
            _("Pièces non prévues par le code pour cette procédure : %s.") % ", ".join(unknown)
        )
    before = application_compute(application)
    _add_event(
        application,
        kind=deadlines.PIECES_REQUESTED,
        on=on or _today(),
        data={"pieces": codes},
        actor=actor,
    )
    result = _step(application, before)
    if result.computation.awaiting_pieces:
        _case_move(application, "incomplete", _("Pièces manquantes demandées"))
    # every code is one of the procedure's pieces (the unknown ones were refused above)
    labels = [f"{c} — {piece.label}" for c in codes if (piece := procedure.piece(c)) is not None]
    _notify_applicant(
        application,
        "urbanism/mail/pieces_requested",
        {"pieces": labels, "result": result.computation, "moved": result.moved},
    )
    audit_log(
        actor=actor,
        action="urbanism.pieces_requested",
        obj=application.case,
        organisation_id=application.case.organisation_id,
        data={"pieces": codes, "moved": result.moved},
    )
    return result


@transaction.atomic
def pieces_receive(
    *, actor, application: PlanningApplication, on: date | None = None
) -> StepResult:
    """The file is complete: the deadline runs again from this day (R423-19)."""
    application_policy.require_act(actor, application, "instruct")
    application = _open_locked(application)
    before = application_compute(application)
    if not before.awaiting_pieces:
        raise InstructionRefused(_("Aucune demande de pièces n'est en attente."))
    _add_event(application, kind=deadlines.PIECES_RECEIVED, on=on or _today(), data={}, actor=actor)
    result = _step(application, before)
    _case_move(application, "instruction", _("Dossier complet"))
    _notify_applicant(application, "urbanism/mail/complete", {"result": result.computation})
    return result


@transaction.atomic
def extension_notify(
    *,
    actor,
    application: PlanningApplication,
    grounds: list[str],
    on: date | None = None,
) -> StepResult:
    """Notify a longer deadline (R423-24 to R423-28). The engine refuses it, with its reason,
    after the first month (R423-42, R423-43) or on a ground that does not apply."""
    application_policy.require_act(actor, application, "instruct")
    application = _open_locked(application)
    on = on or _today()
    cat = catalogue()
    unknown = [g for g in grounds if g not in cat.majorations]
    if not grounds or unknown:
        raise InstructionRefused(_("Choisissez le motif de la majoration."))
    before = application_compute(application)
    _add_event(
        application,
        kind=deadlines.EXTENSION_NOTIFIED,
        on=on,
        data={"grounds": list(grounds)},
        actor=actor,
    )
    result = _step(application, before)
    # judged on the majorations applied, not the date: while pieces are awaited the date is
    # the R423-39 one, yet an extension notified in time counts for the complete file
    if not set(result.computation.majorations) - set(before.majorations):
        reasons = " ".join(r.text for r in result.reasons) or _(
            "Cette majoration ne change pas le délai."
        )
        raise InstructionRefused(reasons, code="extension_refused")  # rolls the event back
    _case_move(application, "instruction", _("Délai d'instruction majoré"))
    _notify_applicant(application, "urbanism/mail/extension", {"result": result.computation})
    return result


@transaction.atomic
def consultation_send(
    *, actor, application: PlanningApplication, consultee: str, on: date | None = None
) -> InstructionEvent:
    application_policy.require_act(actor, application, "instruct")
    application = _open_locked(application)
    if consultee not in catalogue().consultees:
        raise InstructionRefused(_("Service consulté inconnu."))
    return _add_event(
        application,
        kind=CONSULTATION_SENT,
        on=on or _today(),
        data={"consultee": consultee},
        actor=actor,
    )


@policy_exempt("a computation on a date")
def consultation_due_on(event: InstructionEvent) -> date:
    consultee = catalogue().consultees[event.data["consultee"]]
    return deadlines.add_months(event.on, consultee.months)


@transaction.atomic
def consultation_answer(
    *,
    actor,
    application: PlanningApplication,
    consultation: InstructionEvent,
    opinion: str,
    on: date | None = None,
) -> StepResult:
    application_policy.require_act(actor, application, "instruct")
    application = _open_locked(application)
    if consultation.application_id != application.pk or consultation.kind != CONSULTATION_SENT:
        raise PolicyDenied("not_found")
    if opinion not in ("favourable", "unfavourable"):
        raise InstructionRefused(_("Avis : favorable ou défavorable."))
    before = application_compute(application)
    _add_event(
        application,
        kind=deadlines.CONSULTATION_ANSWERED,
        on=on or _today(),
        data={
            "consultee": consultation.data["consultee"],
            "opinion": opinion,
            "sent_on": consultation.on.isoformat(),
        },
        actor=actor,
    )
    return _step(application, before)


@policy_exempt("the commune's decision template (public wording), created on first use")
def decision_template_get(commune: Organisation) -> DecisionTemplate:
    template = DecisionTemplate.objects.filter(commune=commune).first()
    if template is None:
        template = DecisionTemplate(commune=commune, body=DEFAULT_DECISION_BODY, signatory="")
    return template


DEFAULT_DECISION_BODY = (
    "Le maire de {{ commune }},\n"
    "Vu la demande {{ procedure }} n° {{ number }} déposée le {{ filed_on }} par "
    "{{ applicant }}, pour : {{ works }} ;\n"
    "Vu le Code de l'urbanisme ;\n\n"
    "ARRÊTE\n\n"
    "Article 1 : {{ decision }}.\n"
    "{% if text %}Article 2 : {{ text }}{% endif %}"
)


def decision_template_commune(actor) -> Organisation:
    """The commune whose decision template ``actor`` edits: the first one they work for
    (PolicyDenied when none)."""
    commune = template_policy.scope(actor, Organisation.objects.all()).order_by("pk").first()
    if commune is None:
        raise PolicyDenied("not_found", action="decision_template")
    return commune


@transaction.atomic
def decision_template_save(*, actor, commune: Organisation, body: str, signatory: str):
    """Save the commune's decision template (checked as a Django template first)."""
    from django.template import Template, TemplateSyntaxError

    template_policy.require_act(actor, commune, "edit")
    try:
        Template(body)
    except TemplateSyntaxError as exc:
        raise InstructionRefused(_("Modèle invalide : %s") % exc) from None
    template, _created = DecisionTemplate.objects.update_or_create(
        commune=commune, defaults={"body": body[:20000], "signatory": signatory[:200]}
    )
    return template


@transaction.atomic
def decision_take(
    *, actor, application: PlanningApplication, decision: str, text: str = "", signatory: str = ""
) -> PlanningApplication:
    """The express decision (approval with or without prescriptions, refusal with its reasons,
    (non-)opposition to a DP), signed by the mayor or their delegate; its PDF is made from the
    commune's template (``documents.decision_pdf``)."""
    application_policy.require_act(actor, application, "decide")
    application = _open_locked(application)
    kind = DECISION_KINDS.get(decision)
    dp = application.procedure == "DP"
    if kind is None or (dp != (decision in ("non_opposition", "opposition"))):
        raise InstructionRefused(_("Décision inconnue pour cette procédure."))
    if decision in ("refusal", "opposition", "approval_prescriptions") and not text.strip():
        raise InstructionRefused(_("Motivez la décision (motifs du refus ou prescriptions)."))
    signatory = signatory.strip() or decision_template_get(application.commune).signatory
    if not signatory:
        raise InstructionRefused(_("Indiquez le signataire (le maire ou son délégataire)."))
    application.decision = kind
    application.decided_on = _today()
    application.decision_text = text.strip()[:8000]
    application.decision_signed_by = signatory[:200]
    application.is_open = False
    application.save(
        update_fields=["decision", "decided_on", "decision_text", "decision_signed_by", "is_open"]
    )
    _case_move(application, "decided", str(kind.label), comment=text.strip())
    _notify_applicant(application, "urbanism/mail/decision", {"decision": kind.label})
    audit_log(
        actor=actor,
        action="urbanism.decided",
        obj=application.case,
        organisation_id=application.case.organisation_id,
        data={"decision": decision},
    )
    return application


@transaction.atomic
def display_declare(*, actor, application: PlanningApplication, on: date) -> PlanningApplication:
    """The applicant declares the first day of the decision's display on the site (R600-2)."""
    application_policy.require_act(actor, application, "declare_display")
    application = _locked(application)
    if not application.decision or on > _today() or on < (application.decided_on or on):
        raise InstructionRefused(_("Date d'affichage invalide."))
    application.display_started_on = on
    application.save(update_fields=["display_started_on"])
    return application


@policy_exempt("a computation on dates")
def appeal_ends_on(application: PlanningApplication) -> date | None:
    """Two months from the first day of continuous display on the site (R600-2)."""
    if application.display_started_on is None:
        return None
    return deadlines.add_months(application.display_started_on, 2)


# --------------------------------------------------------------------------------------------
# Timers: the tacit decisions and the agents' alerts
# --------------------------------------------------------------------------------------------


@system_only("the tacit decisions, a periodic job")
def tacit_sweep(today: date | None = None) -> int:
    """Give their tacit decision to the open files whose deadline has passed in silence
    (R424-1; R423-39 for pieces never supplied). Idempotent, one transaction per file."""
    today = today or _today()
    due = PlanningApplication.objects.filter(is_open=True, decision_due_on__lte=today).values_list(
        "pk", flat=True
    )
    done = 0
    for pk in list(due.iterator()):
        with transaction.atomic():
            application = (
                PlanningApplication.objects.select_for_update(skip_locked=True)
                .select_related("case", "commune")
                .filter(pk=pk, is_open=True)
                .first()
            )
            if application is None:
                continue
            result = _store_computation(application)
            if result.decision_on is None or result.decision_on > today:
                continue
            application.decision = PlanningApplication.Decision.TACIT
            application.decided_on = result.decision_on
            application.is_open = False
            application.save(update_fields=["decision", "decided_on", "is_open"])
            label = deadlines.outcome_label(result.outcome)
            _case_move(application, "tacit", label)
            _notify_applicant(application, "urbanism/mail/tacit", {"outcome_label": label})
            done += 1
    return done


ALERT_DIGEST_LINES = 100  # files listed in a team's alert; the queue has the rest


@system_only("the agents' alerts before a tacit decision, a periodic job")
def alerts_sweep(today: date | None = None, days: int = ALERT_DAYS) -> int:
    """Warn the planning teams of the open files whose tacit decision is ``days`` away or less
    (once per file and deadline): one set-based pass in one transaction, the files marked
    alerted by one UPDATE, one alert per team listing its files (nearest first) and one
    event on each file's history. Returns the number of files alerted."""
    today = today or _today()
    horizon = today + timedelta(days=days)
    with transaction.atomic():
        due = list(
            PlanningApplication.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(is_open=True, decision_due_on__lte=horizon, alerted_on__isnull=True)
            .order_by("decision_due_on", "pk")
            .values_list("pk", "case_id", "case__team_id", "number", "decision_due_on")
        )
        if not due:
            return 0
        pks = [row[0] for row in due]
        for start in range(0, len(pks), 1000):
            PlanningApplication.objects.filter(pk__in=pks[start : start + 1000]).update(
                alerted_on=today
            )
        by_team: dict[int, list[tuple]] = {}
        for row in due:
            by_team.setdefault(row[2], []).append(row)
        events = []
        for team in Team.objects.filter(pk__in=list(by_team)).select_related("organisation"):
            rows = by_team[team.pk]
            files = [
                {"number": number, "due_on": due_on, "days": (due_on - today).days}
                for _pk, _case, _team, number, due_on in rows
            ]
            context = {
                "files": files[:ALERT_DIGEST_LINES],
                "count": len(files),
                "more": max(len(files) - ALERT_DIGEST_LINES, 0),
                "days": days,
            }
            subject, body = render_message("urbanism/mail/alerts", context)
            recipients = team_recipients(team)
            for recipient in recipients:
                notification_create(
                    recipient=recipient,
                    topic="cases.update",
                    template="generic",
                    context={"title": subject, "body": body},
                    organisation=team.organisation,
                    url="/urbanisme/instruction/",
                )
            addresses = sorted(
                (r["email"] if isinstance(r, dict) else r.email).lower() for r in recipients
            )
            summary = _("Agents alertés : décision tacite le %(day)s")
            events += [
                CaseEvent(
                    case_id=case_id,
                    kind=CaseEvent.Kind.NOTIFIED,
                    channel=Channel.SYSTEM,
                    summary=summary % {"day": date_format(due_on, "j F Y")},
                    data={"recipients": addresses, "sent": bool(addresses)},
                )
                for _pk, case_id, _team, _number, due_on in rows
            ]
        CaseEvent.objects.bulk_create(events, batch_size=1000)
    return len(due)


@system_only("a signal: a case moved to another team (cases' case_set_assignment)")
def application_team_follow(sender, instance, created=False, update_fields=None, **kwargs):
    """Keep the file's copy of its case's team equal to it (the queue's index)."""
    if created or (update_fields is not None and "team" not in update_fields):
        return
    PlanningApplication.objects.filter(case_id=instance.pk).exclude(
        team_id=instance.team_id
    ).update(team_id=instance.team_id)


def queue_list(actor):
    """The planning queue of ``actor``: open files of their teams, nearest tacit date first
    (PolicyDenied for anybody who is not an agent now)."""
    application_policy.require_back_office(actor)
    teams = list(_agent_teams(actor))
    return (
        application_policy.scope(
            actor, PlanningApplication.objects.filter(is_open=True, team_id__in=teams)
        )
        .select_related("case")
        .only(
            "number",
            "procedure",
            "applicant_name",
            "filed_on",
            "decision_due_on",
            "case__reference",
        )
        .order_by(F("decision_due_on").asc(nulls_last=True), "pk")
    )


def _agent_teams(actor) -> frozenset[int]:
    from guichet.territory.selectors import agent_scope

    return agent_scope(actor)[1] if getattr(actor, "is_authenticated", False) else frozenset()


def application_get(*, actor, number_or_pk) -> PlanningApplication:
    """A file of ``actor``'s teams by its case reference (PolicyDenied("not_found") for a
    file that does not exist and one of another team alike)."""
    queryset = application_policy.scope(
        actor, PlanningApplication.objects.select_related("case", "commune", "case__team")
    )
    application = queryset.filter(case__reference=str(number_or_pk)).first()
    if application is None:
        raise PolicyDenied("not_found", action="view")
    return application
