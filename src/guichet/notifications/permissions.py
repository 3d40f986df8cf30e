"""Who may broadcast an alert where."""

from guichet.territory.models import Organisation
from guichet.territory.selectors import organisation_ids_of


def can_broadcast(user, *, organisation: Organisation, commune: Organisation) -> bool:
    """Whether ``user`` may alert ``commune``'s subscribers on behalf of ``organisation``
    (``policies.broadcast_policy``, which the services ask)."""
    from guichet.core.policies import PolicyDenied
    from guichet.notifications.policies import broadcast_policy

    try:
        broadcast_policy.require_broadcast(user, organisation=organisation, commune=commune)
    except PolicyDenied:
        return False
    return True


def broadcast_organisations(user) -> list[Organisation]:
    """The organisations on whose behalf ``user`` may send alerts."""
    return list(
        Organisation.objects.filter(
            pk__in=organisation_ids_of(user),
            kind__in=[Organisation.Kind.COMMUNE, Organisation.Kind.METROPOLIS],
        ).order_by("name")
    )


def broadcast_communes(organisation: Organisation) -> list[Organisation]:
    from guichet.territory.selectors import communes

    if organisation.kind == Organisation.Kind.METROPOLIS:
        return list(communes())
    return [organisation] if organisation.is_commune and organisation.is_active else []
