"""Who may see and instruct planning applications: the agents (second factor passed) of the
team the file was routed to, that is the planning team of the commune in charge; the applicant
sees their own and declares its display on the site, nothing else."""

from __future__ import annotations

from django.db.models import QuerySet

from guichet.core.policies import AccessPolicy, register_policy
from guichet.territory.selectors import agent_scope


class PlanningApplicationPolicy(AccessPolicy):
    name = "urbanism.application"

    def _team_ids(self, actor) -> frozenset[int]:
        if not getattr(actor, "is_authenticated", False):
            return frozenset()
        return agent_scope(actor)[1]

    def _is_applicant(self, actor, obj) -> bool:
        return bool(getattr(actor, "is_authenticated", False) and obj.case.requester_id == actor.pk)

    def _can_view(self, actor, obj) -> bool:
        return obj.case.team_id in self._team_ids(actor) or self._is_applicant(actor, obj)

    def _can_act(self, actor, obj, action: str) -> bool:
        if action == "declare_display":  # the applicant's own declaration (R600-2)
            return self._is_applicant(actor, obj)
        return obj.case.team_id in self._team_ids(actor)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        from guichet.core.policies import SYSTEM

        if actor is SYSTEM:
            return queryset
        return queryset.filter(case__team_id__in=list(self._team_ids(actor)))


application_policy = register_policy(PlanningApplicationPolicy())
