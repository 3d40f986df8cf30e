"""Filing a planning application: the manifest's ``prepare`` and ``record`` (every door of the
engine), the registration number (A423-1 to A423-3) and the filing door of the portal.

A planning application is a case of the engine (``urbanism.<procedure>``: the form checks,
files, routing to the commune's planning team, history and receipt) plus a
``PlanningApplication`` row recorded in the same transaction: ``case_submit`` with the
manifest's ``prepare`` and ``record`` (registered in ``apps.py``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft, Channel
from guichet.cases.submission import case_submit
from guichet.catalogue.models import ServiceDefinition
from guichet.catalogue.registry import ServiceInput
from guichet.core.audit import audit_log
from guichet.core.policies import checked_by_caller, policy_exempt
from guichet.territory.models import Organisation
from guichet.urbanism import cerfa, deadlines
from guichet.urbanism.models import (
    PlanningApplication,
    RegistrationCounter,
    TransferConsent,
)
from guichet.urbanism.procedures import Procedure, catalogue, procedure_get
from guichet.urbanism.progress import (
    applicant_notify,
    case_move,
    computation_store,
)

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
    result = computation_store(application)
    if not procedure.base_months and not procedure.deadline_of_permit:  # a DOC
        application.is_open = False
        application.save(update_fields=["is_open"])
        case_move(application, "declared", _("Déclaration enregistrée"))
    audit_log(
        actor=case.filed_by or case.requester,
        action="urbanism.filed",
        obj=case,
        organisation_id=case.organisation_id,
        data={"number": number, "procedure": procedure.code},
    )
    applicant_notify(
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
