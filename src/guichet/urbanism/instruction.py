"""The instruction of a planning file by the commune's agents: pieces requested and received,
extension, consultations, the express decision, the display declared by the applicant, and
the agents' queue.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from guichet.core.audit import audit_log
from guichet.core.policies import PolicyDenied, policy_exempt
from guichet.urbanism import deadlines
from guichet.urbanism.decision_templates import decision_template_get
from guichet.urbanism.models import (
    InstructionEvent,
    PlanningApplication,
)
from guichet.urbanism.policies import application_policy
from guichet.urbanism.procedures import catalogue, procedure_get
from guichet.urbanism.progress import (
    InstructionRefused,
    StepResult,
    applicant_notify,
    application_compute,
    application_locked,
    case_move,
    event_add,
    open_locked,
    step_result,
    today_local,
)

CONSULTATION_SENT = "consultation_sent"
DECISION_KINDS = {
    "approval": PlanningApplication.Decision.APPROVAL,
    "approval_prescriptions": PlanningApplication.Decision.APPROVAL_PRESCRIPTIONS,
    "refusal": PlanningApplication.Decision.REFUSAL,
    "non_opposition": PlanningApplication.Decision.NON_OPPOSITION,
    "opposition": PlanningApplication.Decision.OPPOSITION,
}


@transaction.atomic
def pieces_request(
    *, actor, application: PlanningApplication, pieces: list[str], on: date | None = None
) -> StepResult:
    """Ask the applicant for the missing pieces, all of them in one request (R423-38). The
    engine decides whether it changes the deadline (only a first request within the first
    month, for pieces the code lists, does: R423-41)."""
    application_policy.require_act(actor, application, "instruct")
    application = open_locked(application)
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
    event_add(
        application,
        kind=deadlines.PIECES_REQUESTED,
        on=on or today_local(),
        data={"pieces": codes},
        actor=actor,
    )
    result = step_result(application, before)
    if result.computation.awaiting_pieces:
        case_move(application, "incomplete", _("Pièces manquantes demandées"))
    # every code is one of the procedure's pieces (the unknown ones were refused above)
    labels = [f"{c} — {piece.label}" for c in codes if (piece := procedure.piece(c)) is not None]
    applicant_notify(
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
    application = open_locked(application)
    before = application_compute(application)
    if not before.awaiting_pieces:
        raise InstructionRefused(_("Aucune demande de pièces n'est en attente."))
    event_add(
        application, kind=deadlines.PIECES_RECEIVED, on=on or today_local(), data={}, actor=actor
    )
    result = step_result(application, before)
    case_move(application, "instruction", _("Dossier complet"))
    applicant_notify(application, "urbanism/mail/complete", {"result": result.computation})
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
    application = open_locked(application)
    on = on or today_local()
    cat = catalogue()
    unknown = [g for g in grounds if g not in cat.majorations]
    if not grounds or unknown:
        raise InstructionRefused(_("Choisissez le motif de la majoration."))
    before = application_compute(application)
    event_add(
        application,
        kind=deadlines.EXTENSION_NOTIFIED,
        on=on,
        data={"grounds": list(grounds)},
        actor=actor,
    )
    result = step_result(application, before)
    # judged on the majorations applied, not the date: while pieces are awaited the date is
    # the R423-39 one, yet an extension notified in time counts for the complete file
    if not set(result.computation.majorations) - set(before.majorations):
        reasons = " ".join(r.text for r in result.reasons) or _(
            "Cette majoration ne change pas le délai."
        )
        raise InstructionRefused(reasons, code="extension_refused")  # rolls the event back
    case_move(application, "instruction", _("Délai d'instruction majoré"))
    applicant_notify(application, "urbanism/mail/extension", {"result": result.computation})
    return result


@transaction.atomic
def consultation_send(
    *, actor, application: PlanningApplication, consultee: str, on: date | None = None
) -> InstructionEvent:
    application_policy.require_act(actor, application, "instruct")
    application = open_locked(application)
    if consultee not in catalogue().consultees:
        raise InstructionRefused(_("Service consulté inconnu."))
    return event_add(
        application,
        kind=CONSULTATION_SENT,
        on=on or today_local(),
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
    application = open_locked(application)
    if consultation.application_id != application.pk or consultation.kind != CONSULTATION_SENT:
        raise PolicyDenied("not_found")
    if opinion not in ("favourable", "unfavourable"):
        raise InstructionRefused(_("Avis : favorable ou défavorable."))
    before = application_compute(application)
    event_add(
        application,
        kind=deadlines.CONSULTATION_ANSWERED,
        on=on or today_local(),
        data={
            "consultee": consultation.data["consultee"],
            "opinion": opinion,
            "sent_on": consultation.on.isoformat(),
        },
        actor=actor,
    )
    return step_result(application, before)


@transaction.atomic
def decision_take(
    *, actor, application: PlanningApplication, decision: str, text: str = "", signatory: str = ""
) -> PlanningApplication:
    """The express decision (approval with or without prescriptions, refusal with its reasons,
    (non-)opposition to a DP), signed by the mayor or their delegate; its PDF is made from the
    commune's template (``documents.decision_pdf``)."""
    application_policy.require_act(actor, application, "decide")
    application = open_locked(application)
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
    application.decided_on = today_local()
    application.decision_text = text.strip()[:8000]
    application.decision_signed_by = signatory[:200]
    application.is_open = False
    application.save(
        update_fields=["decision", "decided_on", "decision_text", "decision_signed_by", "is_open"]
    )
    case_move(application, "decided", str(kind.label), comment=text.strip())
    applicant_notify(application, "urbanism/mail/decision", {"decision": kind.label})
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
    application = application_locked(application)
    if not application.decision or on > today_local() or on < (application.decided_on or on):
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
