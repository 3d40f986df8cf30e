"""Who may see and instruct planning applications: the agents (second factor passed) of the
team the file was routed to, that is the planning team of the commune in charge; the applicant
sees their own and declares its display on the site, nothing else. The commune's decision
template is edited by the agents of that commune."""

from __future__ import annotations

from django.db.models import QuerySet

from guichet.core.policies import SYSTEM, AccessPolicy, PolicyDenied, register_policy
from guichet.territory.selectors import agent_scope


def _agent_scope(actor) -> tuple[frozenset[int], frozenset[int]]:
    """(organisation ids, team ids) the actor works for now (empty without second factor)."""
    if not getattr(actor, "is_authenticated", False):
        return frozenset(), frozenset()
    organisations, teams = agent_scope(actor)
    return frozenset(organisations), frozenset(teams)


class PlanningApplicationPolicy(AccessPolicy):
    name = "urbanism.application"

    def _team_ids(self, actor) -> frozenset[int]:
        return _agent_scope(actor)[1]

    def _is_applicant(self, actor, obj) -> bool:
        return bool(getattr(actor, "is_authenticated", False) and obj.case.requester_id == actor.pk)

    def _can_view(self, actor, obj) -> bool:
        return obj.case.team_id in self._team_ids(actor) or self._is_applicant(actor, obj)

    def _can_act(self, actor, obj, action: str) -> bool:
        # the applicant's own acts: the display on the site (R600-2), a permis modificatif,
        # the consent to a transfer
        if action in ("declare_display", "modify", "transfer"):
            return self._is_applicant(actor, obj)
        return obj.case.team_id in self._team_ids(actor)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        return queryset.filter(case__team_id__in=list(self._team_ids(actor)))

    def require_back_office(self, actor) -> None:
        """The planning back-office is for agents who work for a team now (second factor
        passed): ``PolicyDenied("not_found")`` for anybody else (it is not there for them)."""
        if actor is SYSTEM:
            return
        if not self._team_ids(actor):
            raise PolicyDenied("not_found", action="back_office")


application_policy = register_policy(PlanningApplicationPolicy())


class DecisionTemplatePolicy(AccessPolicy):
    """The decision template of a commune (``obj``: the commune, an Organisation): seen and
    edited by the agents who work for that commune now."""

    name = "urbanism.decision_template"

    def _can_view(self, actor, obj) -> bool:
        return obj.pk in _agent_scope(actor)[0]

    def _can_act(self, actor, obj, action: str) -> bool:
        return obj.kind == "commune" and obj.pk in _agent_scope(actor)[0]

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        """The communes whose template ``actor`` may edit."""
        if actor is SYSTEM:
            return queryset.filter(kind="commune")
        return queryset.filter(kind="commune", pk__in=list(_agent_scope(actor)[0]))


template_policy = register_policy(DecisionTemplatePolicy())


class TransferConsentPolicy(AccessPolicy):
    """A holder's consent to transfer their permit: the new holder it names (signed in with
    that address) accepts it; nobody else knows it exists."""

    name = "urbanism.transfer_consent"

    def _is_new_holder(self, actor, obj) -> bool:
        email = (getattr(actor, "email", "") or "").strip().lower()
        return bool(
            getattr(actor, "is_authenticated", False)
            and email
            and obj.new_holder_email.lower() == email
        )

    def _can_view(self, actor, obj) -> bool:
        return self._is_new_holder(actor, obj) or obj.given_by_id == getattr(actor, "pk", None)

    def _can_act(self, actor, obj, action: str) -> bool:
        return action == "accept" and self._is_new_holder(actor, obj)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        email = (getattr(actor, "email", "") or "").strip()
        if not getattr(actor, "is_authenticated", False) or not email:
            return queryset.none()
        return queryset.filter(new_holder_email__iexact=email)


consent_policy = register_policy(TransferConsentPolicy())
