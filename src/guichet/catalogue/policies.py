"""Who may design, publish and offer an organisation's services: its designers
(``Membership.Role.DESIGNER``) and the platform admins, with a second factor passed
(``services.permissions``). The objects guarded are organisations: a designer acts on every
service definition their organisation owns."""

from __future__ import annotations

from django.db.models import QuerySet

from guichet.catalogue.permissions import can_design, designer_organisation_ids
from guichet.core.policies import SYSTEM, AccessPolicy, PolicyDenied, register_policy

DESIGN_ACTIONS = frozenset({"import", "publish", "availability", "map_function"})


class DesignPolicy(AccessPolicy):
    """The service designers' policy (see the module's docstring)."""

    name = "services.design"

    def _can_view(self, actor, organisation) -> bool:
        return can_design(actor, organisation)

    def _can_act(self, actor, organisation, action: str) -> bool:
        if action not in DESIGN_ACTIONS:
            raise ValueError(f"unknown design action: {action!r}")
        return True

    def scope(self, actor, queryset: QuerySet, *, field: str = "organisation_id") -> QuerySet:
        """The rows of ``queryset`` (definitions by default; ``field`` names the organisation's
        column, ``"pk"`` for organisations) owned by an organisation ``actor`` designs for."""
        if actor is SYSTEM:
            return queryset
        return queryset.filter(**{f"{field}__in": designer_organisation_ids(actor)})

    def require_designer(self, actor) -> None:
        """Raise ``PolicyDenied("not_found")`` unless ``actor`` designs for an organisation."""
        if actor is not SYSTEM and not designer_organisation_ids(actor):
            raise PolicyDenied("not_found", action="design")


design_policy = register_policy(DesignPolicy())
