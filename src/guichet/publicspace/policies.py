"""Who may see a report's record and act on it: the case policy, since a report is a case's
public face (``Report.case``).

What the public sees of a report (``selectors.public_reports``: its public text, visible photos
and updates) needs no policy; this one guards the record behind it: the state, rerouting,
duplicates, moderation, hidden photos and the agents' lists. An agent of the organisation in
charge of the case may take every agent action; the reporter sees their report's record and
acts on it only as a citizen acts on their case.
"""

from __future__ import annotations

from django.db.models import QuerySet

from guichet.cases.policies import CasePolicy, case_policy
from guichet.core.policies import SYSTEM, AccessPolicy, OwnerPolicy, register_policy
from guichet.territory.selectors import organisation_ids_of


class ReportPolicy(AccessPolicy):
    """A report is guarded by its case (see the module's docstring)."""

    name = "publicspace.report"

    def __init__(self, cases: CasePolicy):
        self.cases = cases

    def _can_view(self, actor, report) -> bool:
        return self.cases.can_view(actor, report.case)

    def _can_act(self, actor, report, action: str) -> bool:
        return self.cases.can_act(actor, report.case, action)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        """Reports whose case the agent's organisations are in charge of."""
        if actor is SYSTEM:
            return queryset
        return queryset.filter(case__organisation_id__in=organisation_ids_of(actor))

    def require_back_office(self, actor) -> None:
        self.cases.require_back_office(actor)


report_policy = register_policy(ReportPolicy(case_policy))

#: A person's alerts on new reports: theirs alone.
alert_policy = register_policy(OwnerPolicy("publicspace.alert", owner_field="user_id"))
