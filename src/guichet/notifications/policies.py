"""Who may see and act on notifications, subscriptions and broadcast alerts.

A person's notifications and subscriptions are theirs alone (``OwnerPolicy``). A broadcast
alert is sent on behalf of an organisation (a commune, or the metropolis) by its agents, to the
subscribers of a commune it is in charge of: the commune itself, or any commune for the
metropolis.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guichet.core.policies import SYSTEM, AccessPolicy, OwnerPolicy, PolicyDenied, register_policy
from guichet.territory.models import Organisation
from guichet.territory.selectors import organisation_ids_of

notification_policy = register_policy(
    OwnerPolicy("notifications.notification", owner_field="recipient_id")
)
subscription_policy = register_policy(OwnerPolicy("notifications.subscription"))
push_subscription_policy = register_policy(OwnerPolicy("notifications.push_subscription"))

BROADCASTERS = (Organisation.Kind.COMMUNE, Organisation.Kind.METROPOLIS)


class BroadcastPolicy(AccessPolicy):
    """Broadcast alerts. The object is the organisation on whose behalf the alert is sent:
    its agents see its broadcasts and may send one, when it is a commune or the metropolis."""

    name = "notifications.broadcast"

    def _can_view(self, actor, organisation) -> bool:
        return bool(
            getattr(actor, "is_authenticated", False)
            and organisation.pk in organisation_ids_of(actor)
        )

    def _can_act(self, actor, organisation, action: str) -> bool:
        return action == "broadcast" and organisation.kind in BROADCASTERS

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        """Broadcasts sent by the organisations ``actor`` works for."""
        if actor is SYSTEM:
            return queryset
        return queryset.filter(organisation_id__in=organisation_ids_of(actor))

    def require_broadcast(self, actor, *, organisation, commune) -> None:
        """Raise ``PolicyDenied`` unless ``actor`` may alert ``commune``'s subscribers on behalf
        of ``organisation`` (``forbidden`` when the commune is out of its reach)."""
        self.require_act(actor, organisation, "broadcast")
        in_reach = (
            commune.is_commune
            and commune.is_active
            and (organisation.pk == commune.pk or organisation.kind == Organisation.Kind.METROPOLIS)
        )
        if not in_reach:
            raise PolicyDenied(
                "forbidden",
                _("Vous ne pouvez pas diffuser d'alerte sur cette commune."),
                action="broadcast",
            )


broadcast_policy = register_policy(BroadcastPolicy())
