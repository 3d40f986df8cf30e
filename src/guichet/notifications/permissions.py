"""Who may broadcast an alert where."""

from guichet.territory.models import Organisation
from guichet.territory.selectors import organisation_ids_of


def can_broadcast(user, *, organisation: Organisation, commune: Organisation) -> bool:
    """An agent of ``organisation`` may alert ``commune``'s subscribers when ``organisation`` is
    that commune, or the metropolis (in charge across its whole territory)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if organisation.pk not in organisation_ids_of(user):
        return False
    if not commune.is_commune or not commune.is_active:
        return False
    return organisation.pk == commune.pk or organisation.kind == Organisation.Kind.METROPOLIS


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
