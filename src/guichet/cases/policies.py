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
                from guichet.catalogue.registry import restricted_prefixes

                in_charge = Q(organisation_id__in=organisation_ids)
                for prefix in restricted_prefixes():  # their own app's doors only
                    in_charge &= ~Q(definition__key__startswith=prefix.rstrip("."))
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


class DraftPolicy(AccessPolicy):
    """A form being filled in: its owner's, or (without an account) whoever holds its token in
    their session, which the door checked (``selectors.draft_get``).

    The owner may invite people to complete it with them (``CaseDraftCollaborator``): once
    their invitation is accepted, and until the owner revokes it, a collaborator sees the draft
    and saves its pages and pieces (``"save"``), and may mark it ready for the owner's
    signature (``"ready"``); submitting it and managing its collaborators (``"submit"``,
    ``"share"``) stay the owner's. Anybody else, a revoked collaborator included, is told it
    does not exist."""

    name = "cases.draft"
    OWNER_ACTIONS = frozenset({"save", "submit", "share"})
    COLLABORATOR_ACTIONS = frozenset({"save", "ready"})

    @staticmethod
    def is_owner(actor, draft) -> bool:
        return bool(
            getattr(actor, "is_authenticated", False)
            and draft.owner_id is not None
            and draft.owner_id == actor.pk
        )

    @staticmethod
    def is_collaborator(actor, draft) -> bool:
        """Whether ``actor`` accepted an invitation to ``draft`` that was not revoked."""
        from guichet.cases.models import CaseDraftCollaborator

        if not getattr(actor, "is_authenticated", False) or draft.pk is None:
            return False
        return CaseDraftCollaborator.objects.filter(
            draft_id=draft.pk,
            user_id=actor.pk,
            accepted_at__isnull=False,
            revoked_at__isnull=True,
        ).exists()

    def _can_view(self, actor, draft) -> bool:
        if draft.owner_id is None:
            return True
        return self.is_owner(actor, draft) or self.is_collaborator(actor, draft)

    def _can_act(self, actor, draft, action: str) -> bool:
        if action not in self.OWNER_ACTIONS | self.COLLABORATOR_ACTIONS:
            raise ValueError(f"unknown draft action: {action!r}")
        if draft.owner_id is None:  # an anonymous draft: the session's token was checked
            return action in ("save", "submit")
        if self.is_owner(actor, draft):
            return action in self.OWNER_ACTIONS
        return action in self.COLLABORATOR_ACTIONS and self.is_collaborator(actor, draft)

    def scope(self, actor, queryset: QuerySet, *, role: str = "") -> QuerySet:
        """The drafts of ``queryset`` that ``actor`` may see: ``role="owner"`` their own,
        ``role="collaborator"`` those they complete for others, by default both."""
        from guichet.cases.models import CaseDraftCollaborator

        if actor is SYSTEM:
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        shared = Q(
            pk__in=CaseDraftCollaborator.objects.filter(
                user_id=actor.pk, accepted_at__isnull=False, revoked_at__isnull=True
            ).values("draft_id")
        )
        if role == "owner":
            return queryset.filter(owner_id=actor.pk)
        if role == "collaborator":
            return queryset.filter(shared).exclude(owner_id=actor.pk)
        return queryset.filter(Q(owner_id=actor.pk) | shared)


draft_policy = register_policy(DraftPolicy())


class DraftInvitationPolicy(AccessPolicy):
    """An invitation to complete a draft (``CaseDraftCollaborator``), reached by its link: the
    account of the invited address sees it while it is not revoked, and accepts it once,
    before it expires (``refusal`` says in French why it cannot). Anybody else is told it
    does not exist; the link's token was checked by the service that found the invitation."""

    name = "cases.draft_invitation"

    def refusal(self, actor, invitation) -> str:
        """Why ``actor`` cannot accept ``invitation`` (French), or "" when they can."""
        from django.utils import timezone
        from django.utils.translation import gettext as _

        if not getattr(actor, "is_authenticated", False):
            return _("Connectez-vous pour accepter cette invitation.")
        if invitation.revoked_at is not None:
            return _("Cette invitation a été retirée par la personne qui vous l'avait envoyée.")
        if invitation.accepted_at is not None:
            return _("Cette invitation a déjà été utilisée.")
        if invitation.expires_at <= timezone.now():
            return _("Cette invitation a expiré : demandez-en une nouvelle.")
        if (actor.email or "").strip().lower() != invitation.email:
            return _(
                "Cette invitation a été envoyée à une autre adresse électronique : "
                "connectez-vous avec le compte de cette adresse (ou créez-le), puis ouvrez de "
                "nouveau le lien."
            )
        if invitation.draft.owner_id == actor.pk:
            return _("Ce brouillon est déjà le vôtre.")
        return ""

    def _can_view(self, actor, invitation) -> bool:
        return bool(
            getattr(actor, "is_authenticated", False)
            and invitation.revoked_at is None
            and (actor.email or "").strip().lower() == invitation.email
        )

    def _can_act(self, actor, invitation, action: str) -> bool:
        if action != "accept":
            raise ValueError(f"unknown invitation action: {action!r}")
        return not self.refusal(actor, invitation)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(email=(actor.email or "").strip().lower(), revoked_at__isnull=True)


draft_invitation_policy = register_policy(DraftInvitationPolicy())
