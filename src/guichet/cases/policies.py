"""Who may see a case and what they may do to it: the one access policy of the case engine.

Asked by the services and selectors of ``cases`` (and of the services built on cases, through
policies derived from this one, such as ``publicspace.policies.ReportPolicy``); the doors only
turn its refusal into their answer.

- An **agent** sees the cases their organisations are in charge of (``territory.selectors.
  agent_scope``: memberships other than the auditor's, with a second factor passed) and may
  take every agent action on them.
- The **requester** (the citizen's account) sees their own cases and may take the citizen's
  actions: write a message, take a transition of the submitter's function (the workflow then
  says which), open a public attachment.
- A person who proved a case's **tracking code** (``TrackingCodeHolder``) is the requester of
  that one case, without an account.
- ``SYSTEM`` (timers, the mail gateway, commands) may do everything; anybody else is told the
  case does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from guichet.core.policies import SYSTEM, AccessPolicy, PolicyDenied, register_policy
from guichet.territory.selectors import organisation_ids_of

#: What an agent of the organisation in charge may do to a case.
AGENT_ACTIONS = frozenset(
    {
        "assign",
        "deadline",
        "note",
        "message",
        "transition",
        "reroute",
        "attachment",
        "state",
        "duplicate",
        "moderate",
    }
)
#: What the requester may do to their own case.
CITIZEN_ACTIONS = frozenset({"message_from_citizen", "transition", "attachment"})
ACTIONS = AGENT_ACTIONS | CITIZEN_ACTIONS


class TrackingCodeHolder:
    """Somebody without an account who proved the tracking code of one case (the door checked
    it: ``selectors.case_get_by_tracking``); the requester of that case and of no other."""

    is_authenticated = False
    is_anonymous = True
    pk = None

    def __init__(self, case_pk: int):
        self.case_pk = case_pk

    def __repr__(self) -> str:
        return f"<TrackingCodeHolder case={self.case_pk}>"


class CasePolicy(AccessPolicy):
    """The case engine's access policy (see the module's docstring)."""

    name = "cases.case"

    def is_agent_for(self, actor, case) -> bool:
        """Whether ``actor`` works for the organisation in charge of ``case``. Never for a case
        of a restricted service (disability files): only its own app's policy lets its named
        agents in, through its own doors."""
        from guichet.catalogue.registry import is_restricted

        if not (
            getattr(actor, "is_authenticated", False)
            and case.organisation_id in organisation_ids_of(actor)
        ):
            return False
        definition = getattr(case, "definition", None)  # (a case being built may have none)
        return not (definition is not None and is_restricted(definition.key))

    def is_requester(self, actor, case) -> bool:
        """Whether ``actor`` is the person who asked: their account, or their tracking code."""
        if isinstance(actor, TrackingCodeHolder):
            return actor.case_pk == case.pk
        return bool(
            getattr(actor, "is_authenticated", False)
            and case.requester_id is not None
            and case.requester_id == actor.pk
        )

    def _can_view(self, actor, case) -> bool:
        return self.is_agent_for(actor, case) or self.is_requester(actor, case)

    def _can_act(self, actor, case, action: str) -> bool:
        if action not in ACTIONS:
            raise ValueError(f"unknown case action: {action!r}")
        return (action in AGENT_ACTIONS and self.is_agent_for(actor, case)) or (
            action in CITIZEN_ACTIONS and self.is_requester(actor, case)
        )

    def scope(self, actor, queryset: QuerySet, *, role: str = "") -> QuerySet:
        """The cases of ``queryset`` that ``actor`` may see. ``role="agent"``: only those their
        organisations are in charge of (queues); ``role="requester"``: only their own (the
        citizen's lists); by default, both."""
        if actor is SYSTEM:
            return queryset
        where = Q()
        if role in ("", "agent"):
            organisation_ids = organisation_ids_of(actor)
            if organisation_ids:
                from guichet.catalogue.selectors import restricted_definition_ids

                in_charge = Q(organisation_id__in=organisation_ids)
                restricted = restricted_definition_ids()  # their own app's doors only
                if restricted is not None:
                    # NOT IN (a hashed list of ids), not a join to the definitions in each count
                    in_charge &= ~Q(definition_id__in=restricted)
                where |= in_charge
        if role in ("", "requester"):
            if isinstance(actor, TrackingCodeHolder):
                where |= Q(pk=actor.case_pk)
            elif getattr(actor, "is_authenticated", False):
                where |= Q(requester_id=actor.pk)
        if not where:
            return queryset.none()
        return queryset.filter(where)

    def require_back_office(self, actor) -> None:
        """Raise ``PolicyDenied("not_found")`` unless ``actor`` is an agent now (with a second
        factor) or the system: the back-office is not there for anybody else."""
        if actor is SYSTEM:
            return
        if not organisation_ids_of(actor):
            raise PolicyDenied("not_found", action="back_office")


case_policy = register_policy(CasePolicy())


@dataclass(frozen=True)
class DraftAccess:
    """Who besides its owner may see a draft or act on it, as an app above the engine says
    (``register_draft_access``; the ``sharing`` app: the people the owner invited).

    ``actions``: the actions it adds to the engine's (``"save"``, ``"submit"``);
    ``allows(actor, draft, action)``: whether ``actor`` may take ``action`` on ``draft``
    (``"view"`` to see it; asked for the owner too, for the actions it adds);
    ``drafts(actor)``: the ``Q`` of the drafts it opens to ``actor`` (an authenticated user)."""

    actions: frozenset[str]
    allows: Callable[[Any, Any, str], bool]
    drafts: Callable[[Any], Q]


_draft_accesses: list[DraftAccess] = []


def register_draft_access(access: DraftAccess) -> DraftAccess:
    """Plug ``access`` into ``draft_policy`` (from an ``AppConfig.ready()``)."""
    if access not in _draft_accesses:
        _draft_accesses.append(access)
    return access


class DraftPolicy(AccessPolicy):
    """A form being filled in: its owner's, or (without an account) whoever holds its token in
    their session, which the door checked (``selectors.draft_get``). The owner saves and
    submits it. The accesses registered by the apps above (``register_draft_access``) may open
    it to other people and add actions; submitting it stays the owner's (they sign the form's
    commitments). Anybody else is told it does not exist."""

    name = "cases.draft"
    ACTIONS = frozenset({"save", "submit"})

    @staticmethod
    def is_owner(actor, draft) -> bool:
        return bool(getattr(actor, "is_authenticated", False) and draft.owner_id == actor.pk)

    @staticmethod
    def _others_allow(actor, draft, action: str) -> bool:
        signed_in = getattr(actor, "is_authenticated", False) and draft.pk is not None
        return bool(signed_in) and any(a.allows(actor, draft, action) for a in _draft_accesses)

    def _can_view(self, actor, draft) -> bool:
        if draft.owner_id is None or self.is_owner(actor, draft):
            return True
        return self._others_allow(actor, draft, "view")

    def _can_act(self, actor, draft, action: str) -> bool:
        if action not in self.ACTIONS.union(*(a.actions for a in _draft_accesses)):
            raise ValueError(f"unknown draft action: {action!r}")
        if draft.owner_id is None:  # an anonymous draft: the session's token was checked
            return action in self.ACTIONS
        if self.is_owner(actor, draft) and action in self.ACTIONS:
            return True
        return action != "submit" and self._others_allow(actor, draft, action)

    def scope(self, actor, queryset: QuerySet, *, role: str = "") -> QuerySet:
        """The drafts of ``queryset`` that ``actor`` may see: ``role="owner"`` their own,
        ``role="others"`` those the registered accesses open to them, ``""`` both."""
        if actor is SYSTEM:
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        if role == "owner":
            return queryset.filter(owner_id=actor.pk)
        opened = Q()
        for access in _draft_accesses:
            opened |= access.drafts(actor)
        if role == "others":
            return queryset.filter(opened).exclude(owner_id=actor.pk) if opened else queryset.none()
        return queryset.filter(Q(owner_id=actor.pk) | opened)


draft_policy = register_policy(DraftPolicy())
