"""What agents do to a case in their organisation's charge: take a workflow transition,
assign, reroute to another team, set the deadline (one case or many)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Case, CaseEvent, Channel
from guichet.cases.policies import case_policy
from guichet.cases.routing import routing_subject
from guichet.cases.workflow import (
    WorkflowError,
    case_set_assignment,
    case_set_deadline,
    transition_get,
)
from guichet.core.audit import audit_log
from guichet.core.policies import forget_policy_answers
from guichet.territory.models import Membership, Team
from guichet.territory.selectors import competence_reason_of


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
