"""The workflow engine: transitions as objects with ``check()`` and ``execute()``, shared by the
back-office, the API and the timers; the actions a definition attaches to statuses and
transitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.models import Case, CaseEvent, Channel
from guichet.catalogue.actions import action_kind
from guichet.catalogue.schema import SUBMITTER, transition_leaves
from guichet.catalogue.selectors import function_team
from guichet.core.audit import audit_log
from guichet.core.policies import SYSTEM, checked_by_caller, system_only
from guichet.territory.models import Team
from guichet.territory.selectors import agent_scope


class WorkflowError(Exception):
    """A transition that may not happen now; ``code`` for the API, message in French."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# SYSTEM, the actor of timers (and of every job without a person behind it), is the access
# policies' own: every policy allows it, and the workflow gives it every function.


def status_spec(workflow: dict, key: str) -> dict:
    return next(s for s in workflow["statuses"] if s["key"] == key)


def team_of_function(case: Case, function: str) -> Team:
    """The team holding ``function`` for the case's organisation; unmapped functions fall back
    to the team the case was routed to."""
    team = function_team(
        definition=case.definition, organisation_id=case.organisation_id, function=function
    )
    return team or case.team


def actor_functions(case: Case, actor) -> set[str]:
    if actor is SYSTEM:
        return {f["key"] for f in case.version.workflow["functions"]} | {SUBMITTER}
    if not getattr(actor, "is_authenticated", False):
        return set()
    functions = set()
    if case.requester_id and case.requester_id == actor.pk:
        functions.add(SUBMITTER)
    _org_ids, team_ids = agent_scope(actor)
    for function in case.version.workflow["functions"]:
        if team_of_function(case, function["key"]).pk in team_ids:
            functions.add(function["key"])
    return functions


@dataclass
class Transition:
    case: Case
    spec: dict

    @property
    def key(self) -> str:
        return self.spec["key"]

    @property
    def label(self) -> str:
        return self.spec["label"]

    @property
    def comment_required(self) -> bool:
        return bool(self.spec.get("comment_required"))

    @property
    def confirm(self) -> str:
        return self.spec.get("confirm") or ""

    def check(self, *, actor, comment: str = "") -> None:
        """Raise WorkflowError unless ``actor`` may take this transition now."""
        if not transition_leaves(self.spec, self.case.status):
            raise WorkflowError(
                "invalid_status",
                _("« %(label)s » n'est pas possible depuis le statut « %(status)s ».")
                % {"label": self.label, "status": self.case.status_label},
            )
        if not actor_functions(self.case, actor) & set(self.spec["functions"]):
            raise WorkflowError(
                "forbidden", _("Vous n'avez pas la fonction requise pour « %s ».") % self.label
            )
        if self.comment_required and not comment.strip():
            raise WorkflowError("comment_required", _("Un commentaire est obligatoire."))

    @transaction.atomic
    def execute(self, *, actor, channel: str, comment: str = "") -> Case:
        """Check under a row lock, move the case, record the event, run the actions."""
        case = (
            Case.objects.select_for_update()
            .select_related("version", "definition")
            .get(pk=self.case.pk)
        )
        self.case = case
        self.check(actor=actor, comment=comment)
        user = user_of(actor)
        previous = case.status
        _enter_status(case, self.spec["to"])
        case.save(
            update_fields=[
                "status",
                "is_closed",
                "status_entered_at",
                "timer_due_at",
                "closed_at",
                "updated_at",
            ]
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.TRANSITION,
            actor=user,
            channel=channel,
            status_from=previous,
            status_to=case.status,
            public=True,
            summary=self.label[:300],
            data={
                "transition": self.key,
                "comment": comment.strip(),
                "comment_public": bool(self.spec.get("comment_public")),
            },
        )
        context = {
            "comment": comment.strip(),
            "comment_public": bool(self.spec.get("comment_public")),
            "transition": self.label,
        }
        run_actions(case, self.spec.get("actions") or [], actor=actor, context=context)
        run_actions(
            case,
            status_spec(case.version.workflow, case.status).get("on_enter") or [],
            actor=actor,
            context=context,
        )
        audit_log(
            actor=user,
            action="cases.transition",
            obj=case,
            organisation_id=case.organisation_id,
            data={"transition": self.key, "from": previous, "to": case.status},
        )
        return case


def _enter_status(case: Case, key: str) -> None:
    spec = status_spec(case.version.workflow, key)
    now = timezone.now()
    case.status = key
    case.status_entered_at = now
    case.is_closed = bool(spec.get("closed"))
    case.closed_at = now if case.is_closed else None
    timer = spec.get("timer")
    case.timer_due_at = now + timedelta(days=timer["days"]) if timer else None


def transitions_for(case: Case) -> list[Transition]:
    """The transitions offered from the case's status (internal ones are not offered)."""
    return [
        Transition(case, spec)
        for spec in case.version.workflow.get("transitions", [])
        if not spec.get("internal") and transition_leaves(spec, case.status)
    ]


def transition_get(case: Case, key: str, *, internal: bool = False) -> Transition:
    """The transition ``key`` of the case's workflow; an internal one only when its service's
    own code asks for it (``internal=True``)."""
    spec = next((t for t in case.version.workflow.get("transitions", []) if t["key"] == key), None)
    if spec is None or (spec.get("internal") and not internal):
        raise WorkflowError("unknown_transition", _("Transition inconnue : « %s ».") % key)
    return Transition(case, spec)


def available_transitions(case: Case, actor) -> list[Transition]:
    """The transitions ``actor`` may take now (comment aside)."""
    allowed = []
    for transition in transitions_for(case):
        try:
            transition.check(actor=actor, comment="-")
        except WorkflowError:
            continue
        allowed.append(transition)
    return allowed


# --------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------


def message_context(case: Case, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What designer templates may use: plain values, never model objects."""
    context = {
        "reference": case.reference,
        "service": case.definition.name,
        "status": case.citizen_status_label,
        "status_internal": case.status_label,
        "organisation": case.organisation.name,
        "team": case.team.name,
        "requester": case.requester_display,
        "deadline": timezone.localtime(case.deadline).strftime("%d/%m/%Y") if case.deadline else "",
        "data": case.data,
    }
    context.update(extra or {})
    return context


def user_of(actor):
    """The user behind an actor (None for the engine's SYSTEM actor)."""
    return None if actor is SYSTEM else actor


@checked_by_caller(
    "case_submit", "case_transition", "timers_fire", reason="the actions of a checked transition"
)
def run_actions(case: Case, actions: list[dict], *, actor, context: dict | None = None) -> None:
    """Run each action through its registered kind (``guichet.catalogue.actions``)."""
    for params in actions:
        kind = action_kind(params["type"])
        if kind is None:  # validated at publication: only an app removed since gets here
            raise WorkflowError("unknown_action", _("Action inconnue : « %s ».") % params["type"])
        kind.run(case, params, actor=actor, context=context or {})


@checked_by_caller(
    "case_assign", "run_actions", "cases.handling.case_reroute", reason="callers check"
)
def case_set_assignment(*, case: Case, team: Team, assignee, actor) -> Case:
    """Set the team and the agent in charge (no permission check: callers check)."""
    changed = case.team_id != team.pk or case.assignee_id != (assignee.pk if assignee else None)
    if not changed:
        return case
    case.team = team
    case.assignee = assignee
    case.save(update_fields=["team", "assignee", "updated_at"])
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.ASSIGNED,
        actor=actor,
        channel=Channel.SYSTEM if actor is None else Channel.WEB,
        summary=(
            f"{team.name} — {assignee.get_full_name() or assignee.email}" if assignee else team.name
        )[:300],
        data={"team": team.pk, "assignee": assignee.pk if assignee else None},
    )
    return case


@checked_by_caller("case_deadline_set", "run_actions", reason="callers check")
def case_set_deadline(*, case: Case, deadline, actor) -> Case:
    case.deadline = deadline
    case.save(update_fields=["deadline", "updated_at"])
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.DEADLINE,
        actor=actor,
        channel=Channel.SYSTEM if actor is None else Channel.WEB,
        summary=timezone.localtime(deadline).strftime("%d/%m/%Y") if deadline else "—",
        data={"deadline": deadline.isoformat() if deadline else None},
    )
    return case


# --------------------------------------------------------------------------------------------
# Timers
# --------------------------------------------------------------------------------------------


@system_only("the periodic sweep of due timers (cases.tasks)")
def timers_fire(*, now=None, limit: int = 500) -> int:
    """Take the timer transition of each case whose timer is due; each case in its own
    transaction, claimed with SKIP LOCKED so that several workers share the work."""
    now = now or timezone.now()
    due = list(
        Case.objects.filter(timer_due_at__lte=now)
        .order_by("timer_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    fired = 0
    for pk in due:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(skip_locked=True)
                .select_related("version", "definition")
                .filter(pk=pk, timer_due_at__lte=now)
                .first()
            )
            if case is None:
                continue
            timer = status_spec(case.version.workflow, case.status).get("timer")
            if not timer:
                case.timer_due_at = None
                case.save(update_fields=["timer_due_at"])
                continue
            CaseEvent.objects.create(
                case=case,
                kind=CaseEvent.Kind.TIMER,
                channel=Channel.SYSTEM,
                summary=_("%(days)s jours dans le statut « %(status)s »")
                % {"days": timer["days"], "status": case.status_label},
            )
            transition_get(case, timer["transition"], internal=True).execute(
                actor=SYSTEM, channel=Channel.SYSTEM
            )
            fired += 1
    return fired
