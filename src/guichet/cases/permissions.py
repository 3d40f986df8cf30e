"""Who may see and act on a case."""

from guichet.territory.selectors import organisation_ids_of


def agent_can_access(user, case) -> bool:
    """An agent sees and acts only on cases their organisation is in charge of, and never, on
    the generic doors, on a case of a restricted service (disability files: their own app's
    policy decides)."""
    from guichet.services.registry import is_restricted

    return bool(
        getattr(user, "is_authenticated", False)
        and case.organisation_id in organisation_ids_of(user)
        and not is_restricted(case.definition.key)
    )


def citizen_owns(user, case) -> bool:
    return bool(getattr(user, "is_authenticated", False) and case.requester_id == user.pk)
