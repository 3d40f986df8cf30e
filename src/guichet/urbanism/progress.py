"""A planning file's progress on the case engine and its deadline: the helpers the urbanism
services share (the case moved along the urbanism statuses, the applicant's e-mails, the
deadline engine's answer stored on the file, a step's result).

Not a service module: nothing here asks a policy; every caller in ``filing``,
``instruction``, ``after_permit`` and ``timers`` asked ``application_policy`` first, or is a
system job. ``application_compute`` is a pure read of the deadline engine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Channel
from guichet.cases.notify import (
    case_notify,
    citizen_recipient,
)
from guichet.cases.workflow import SYSTEM as ENGINE_SYSTEM
from guichet.cases.workflow import Transition
from guichet.core.policies import policy_exempt
from guichet.urbanism import deadlines
from guichet.urbanism.definitions import STATUSES
from guichet.urbanism.models import (
    InstructionEvent,
    PlanningApplication,
)
from guichet.urbanism.procedures import Procedure, procedure_get


class InstructionRefused(Exception):
    """The engine or the rules refuse an instruction step; ``message`` says why (French)."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------------------------
# Registration number (A423-1 to A423-3)
# --------------------------------------------------------------------------------------------


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


def computation_store(application: PlanningApplication) -> deadlines.Computation:
    result = application_compute(application)
    application.ends_on = result.ends_on
    application.decision_due_on = result.decision_on
    application.tacit_outcome = result.outcome
    application.articles = result.articles[:200]
    application.save(update_fields=["ends_on", "decision_due_on", "tacit_outcome", "articles"])
    return result


def case_move(application: PlanningApplication, status: str, label: str, comment: str = ""):
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


def applicant_notify(application: PlanningApplication, template: str, context: dict) -> None:
    case = application.case
    case_notify(
        case=case,
        recipients=[citizen_recipient(case)],
        template=template,
        context={"application": application, "case": case, **context},
        topic="cases.update",
    )


def application_locked(application: PlanningApplication) -> PlanningApplication:
    return (
        PlanningApplication.objects.select_for_update()
        .select_related("case", "commune")
        .get(pk=application.pk)
    )


def open_locked(application: PlanningApplication) -> PlanningApplication:
    """The application locked for a step of its instruction; refused once it is closed."""
    application = application_locked(application)
    if not application.is_open:
        raise InstructionRefused(_("Ce dossier est clos."), code="closed")
    return application


def event_add(application, *, kind: str, on: date, data: dict, actor) -> InstructionEvent:
    return InstructionEvent.objects.create(
        application=application,
        kind=kind,
        on=on,
        data=data,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def today_local() -> date:
    return timezone.localdate()


@dataclass(frozen=True)
class StepResult:
    application: PlanningApplication
    computation: deadlines.Computation
    moved: bool  # whether the step changed the deadline
    reasons: tuple[deadlines.Reason, ...]


def step_result(application, before: deadlines.Computation) -> StepResult:
    after = computation_store(application)
    new_ignored = tuple(r for r in after.ignored if r not in before.ignored)
    moved = (after.decision_on, after.outcome) != (before.decision_on, before.outcome)
    return StepResult(application, after, moved, new_ignored)
