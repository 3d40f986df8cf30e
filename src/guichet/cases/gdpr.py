"""The cases part of a person's GDPR export and erasure."""

from guichet.cases.models import Case, CaseDraft, CaseEvent, CaseMessage

ERASED = "[effacé]"


def export(user) -> list[dict]:
    return [
        {
            "reference": case.reference,
            "service": case.definition.name,
            "status": case.citizen_status_label,
            "created_at": case.created_at.isoformat(),
            "channel": case.channel,
            "beneficiary": case.beneficiary_name,
            "data": case.data,
            "messages": [
                {"at": m.created_at.isoformat(), "from_citizen": m.from_citizen, "body": m.body}
                for m in case.messages.all()
            ],
        }
        for case in Case.objects.filter(requester=user).select_related("definition", "version")
    ]


def erase(user) -> None:
    """Cases are public-service records kept for their legal duration: they are detached from
    the account and the citizen's own messages are blanked; drafts are deleted."""
    CaseDraft.objects.filter(owner=user).delete()
    _scrub_case_data(user)
    CaseMessage.objects.filter(case__requester=user, from_citizen=True).update(
        body="[effacé à la demande de l'usager]", author=None
    )
    Case.objects.filter(requester=user).update(
        requester=None,
        contact_name="",
        contact_email="",
        contact_phone="",
        search_text="",
        beneficiary_name="",
    )


def _scrub(value, *, contains: list[str], equals: set[str]):
    """``value`` with every string naming the person (e-mail, full name, or exactly their
    first or last name) replaced by a marker; the structure of the answers is kept."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in equals or any(needle in low for needle in contains):
            return ERASED
        return value
    if isinstance(value, list):
        return [_scrub(v, contains=contains, equals=equals) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, contains=contains, equals=equals) for k, v in value.items()}
    return value


def _scrub_case_data(user) -> None:
    """Form answers and event details of the person's cases lose what identifies them."""
    contains = [n.lower() for n in (user.email, user.get_full_name()) if n]
    equals = {n.strip().lower() for n in (user.first_name, user.last_name) if n.strip()}
    cases = Case.objects.filter(requester=user)
    for case in cases.only("pk", "data"):
        case.data = _scrub(case.data, contains=contains, equals=equals)
        case.save(update_fields=["data"])
    for event in CaseEvent.objects.filter(case__in=cases).only("pk", "data"):
        event.data = _scrub(event.data, contains=contains, equals=equals)
        event.save(update_fields=["data"])
