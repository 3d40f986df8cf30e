"""The cases part of a person's GDPR export and erasure."""

from guichet.cases.models import Case, CaseDraft, CaseMessage


def export(user) -> list[dict]:
    return [
        {
            "reference": case.reference,
            "service": case.definition.name,
            "status": case.citizen_status_label,
            "created_at": case.created_at.isoformat(),
            "channel": case.channel,
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
    CaseMessage.objects.filter(case__requester=user, from_citizen=True).update(
        body="[effacé à la demande de l'usager]", author=None
    )
    Case.objects.filter(requester=user).update(
        requester=None, contact_name="", contact_email="", contact_phone="", search_text=""
    )
