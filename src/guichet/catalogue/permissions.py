"""Who may design and publish services."""

from guichet.core.permissions import is_platform_admin, powers_granted
from guichet.territory.models import Membership, Organisation


def can_design(user, organisation: Organisation) -> bool:
    """A designer (Membership.Role.DESIGNER) of one of the organisation's teams, or a platform
    admin, may edit and publish the organisation's service definitions."""
    if not getattr(user, "is_authenticated", False) or not powers_granted(user):
        return False
    if is_platform_admin(user):
        return True
    return Membership.objects.filter(
        user=user, team__organisation=organisation, role=Membership.Role.DESIGNER
    ).exists()


def designer_organisation_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not powers_granted(user):
        return set()
    if is_platform_admin(user):
        return set(Organisation.objects.values_list("id", flat=True))
    return set(
        Membership.objects.filter(user=user, role=Membership.Role.DESIGNER).values_list(
            "team__organisation_id", flat=True
        )
    )
