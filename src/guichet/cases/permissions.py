"""Who may see and act on a case."""

from guichet.territory.selectors import organisation_ids_of


def agent_can_access(user, case) -> bool:
    """An agent sees and acts only on cases their organisation is in charge of."""
    return bool(
        getattr(user, "is_authenticated", False)
        and case.organisation_id in organisation_ids_of(user)
    )


def citizen_owns(user, case) -> bool:
    return bool(getattr(user, "is_authenticated", False) and case.requester_id == user.pk)
