"""Who sees a disability file and its pieces (health data, GDPR art. 9).

Only *named* agents of the house see its files: an agent acting for the organisation in
charge (``territory.selectors.agent_scope``: a membership and a passed second factor) who also
holds a ``HouseGrant`` of that organisation. Medical pieces are opened only by the roles that
need them (evaluation team, doctor), never by reception. Everyone else (commune agents, other
metropolitan agents, the platform admin without a grant, the auditor, partners) is told the
file does not exist (``not_found``). The person who filed sees their own file, through the
citizen doors, and acts on it (comment on the plan, send pieces, appeal).
"""

from __future__ import annotations

import contextlib

from django.db.models import QuerySet

from guichet.core.policies import SYSTEM, AccessPolicy, PolicyDenied, register_policy
from guichet.territory.selectors import agent_scope

RECEPTION, EVALUATION, DOCTOR = "reception", "evaluation", "doctor"
MEDICAL_ROLES = frozenset({EVALUATION, DOCTOR})

#: Which role takes which workflow transition (the workflow's own functions aside).
TRANSITION_ROLES = {
    "declare_admissible": {RECEPTION, EVALUATION},
    "ask_pieces": {RECEPTION, EVALUATION},
    "start_evaluation": {EVALUATION, DOCTOR},
    "propose_plan": {EVALUATION, DOCTOR},
    "to_commission": {EVALUATION, DOCTOR},
    "notify_decision": {EVALUATION, DOCTOR},
    "examine_appeal": {EVALUATION, DOCTOR},
    "decide_appeal": {EVALUATION, DOCTOR},
}
CITIZEN_ACTIONS = frozenset({"comment_plan", "send_pieces", "appeal"})

_GRANTS_ATTR = "_disability_grants"


def house_roles(actor) -> dict[int, frozenset[str]]:
    """{organisation id: roles} of the houses ``actor`` is a named agent of, now (agent scope
    and grant both needed), read once per request."""
    if not getattr(actor, "is_authenticated", False):
        return {}
    roles = getattr(actor, _GRANTS_ATTR, None)
    if roles is None:
        from guichet.disability.models import HouseGrant

        org_ids = agent_scope(actor)[0]
        found: dict[int, set[str]] = {}
        if org_ids:
            for org_id, role in HouseGrant.objects.filter(
                user=actor, organisation_id__in=org_ids
            ).values_list("organisation_id", "role"):
                found.setdefault(org_id, set()).add(role)
        roles = {k: frozenset(v) for k, v in found.items()}
        with contextlib.suppress(AttributeError):
            setattr(actor, _GRANTS_ATTR, roles)
    return roles


def forget_house_roles(actor) -> None:
    if hasattr(actor, _GRANTS_ATTR):
        delattr(actor, _GRANTS_ATTR)


def _is_owner(actor, file) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and file.case.requester_id == actor.pk)


class FilePolicy(AccessPolicy):
    """A disability file (``DisabilityFile``)."""

    name = "disability.file"

    def _can_view(self, actor, file) -> bool:
        return bool(house_roles(actor).get(file.organisation_id)) or _is_owner(actor, file)

    def _can_act(self, actor, file, action: str) -> bool:
        roles = house_roles(actor).get(file.organisation_id, frozenset())
        if action in CITIZEN_ACTIONS:
            return _is_owner(actor, file)
        if action == "view_medical":
            return bool(roles & MEDICAL_ROLES)
        return bool(roles & TRANSITION_ROLES.get(action, frozenset()))

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        return queryset.filter(organisation_id__in=list(house_roles(actor)))


class PiecePolicy(AccessPolicy):
    """A piece of a file: a named agent of the house, a medical piece only the medical roles;
    and the person who filed the file (or their representative, who filed it), every piece
    of it. A draft's pieces: nobody through this policy (the draft is its owner's)."""

    name = "disability.piece"

    def _can_view(self, actor, piece) -> bool:
        if piece.file_id is None:
            return False
        if _is_owner(actor, piece.file):
            return True
        roles = house_roles(actor).get(piece.file.organisation_id, frozenset())
        if not roles:
            return False
        return not piece.is_medical or bool(roles & MEDICAL_ROLES)

    def _can_act(self, actor, piece, action: str) -> bool:
        return action == "download"

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        from django.db.models import Q

        from guichet.disability import rules

        roles = house_roles(actor)
        medical_orgs = [o for o, r in roles.items() if r & MEDICAL_ROLES]
        as_agent = Q(file__organisation_id__in=list(roles)) & (
            ~Q(kind__in=rules.MEDICAL_KINDS) | Q(file__organisation_id__in=medical_orgs)
        )
        if getattr(actor, "is_authenticated", False):
            return queryset.filter(as_agent | Q(file__case__requester=actor))
        return queryset.filter(as_agent)


class DraftPolicy(AccessPolicy):
    """A filing draft (``FilingDraft``): its owner only, who creates, edits and files it; the
    rest of the world is told it does not exist."""

    name = "disability.draft"

    def _can_view(self, actor, draft) -> bool:
        return bool(getattr(actor, "is_authenticated", False) and draft.owner_id == actor.pk)

    def _can_act(self, actor, draft, action: str) -> bool:
        return action in {"create", "edit", "file"}

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(owner=actor)

    def can_represent(self, actor, dependant) -> bool:
        """Whether ``actor`` files for ``dependant`` (one of their "people I act for")."""
        return bool(getattr(actor, "is_authenticated", False) and dependant.owner_id == actor.pk)

    def require_represent(self, actor, dependant) -> None:
        if not self.can_represent(actor, dependant):
            raise PolicyDenied("not_found")


file_policy = register_policy(FilePolicy())
piece_policy = register_policy(PiecePolicy())
draft_policy = register_policy(DraftPolicy())
