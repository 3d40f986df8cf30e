"""The cases part of a person's GDPR export and erasure."""

from django.db import transaction
from django.db.models import Q

from guichet.cases.models import Case, CaseAttachment, CaseDraft, CaseEvent, CaseMessage
from guichet.catalogue.schema import iter_fields

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
        for case in persons_cases(user).select_related("definition", "version")
    ]


#: form field types whose answers are contact details, blanked whatever they say
CONTACT_FIELD_TYPES = {"address", "phone", "email"}


def verified_emails(user) -> set[str]:
    """The addresses the person proved are theirs (allauth's verified e-mail addresses)."""
    from allauth.account.models import EmailAddress

    return {
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def persons_cases(user):
    """Her cases: filed with her account, or filed without one under an address she verified
    (an anonymous request, a mail to the town hall)."""
    mine = Q(requester=user)
    for email in verified_emails(user):
        mine |= Q(requester__isnull=True, contact_email__iexact=email)
    return Case.objects.filter(mine)


def erase(user) -> None:
    """Cases are public-service records kept for their legal duration: they are detached from
    the person and lose what identifies her (contact details, the contact fields of the form,
    her own messages and the files she gave, deleted from storage too); drafts are deleted."""
    cases = list(persons_cases(user).values_list("pk", flat=True))
    _files_delete(
        CaseAttachment.objects.filter(draft__owner=user)
        | CaseAttachment.objects.filter(case__in=cases, generated=False).filter(
            Q(message__isnull=True) | Q(message__from_citizen=True)
        )
    )
    CaseDraft.objects.filter(owner=user).delete()
    _scrub_case_data(user, cases)
    CaseMessage.objects.filter(case__in=cases, from_citizen=True).update(
        body="[effacé à la demande de l'usager]", author=None, email_sender=""
    )
    Case.objects.filter(pk__in=cases).update(
        requester=None,
        contact_name="",
        contact_email="",
        contact_phone="",
        contact_unverified=False,
        address="",
        search_text="",
        beneficiary_name="",
        reply_token="",
    )


def _files_delete(attachments) -> None:
    """Delete the rows now and their files once the erasure is committed (a rollback keeps
    both). Thumbnails of report photos go with their photo."""
    names = []
    for attachment in attachments.select_related("report_photo"):
        names.append(attachment.file.name)
        photo = getattr(attachment, "report_photo", None)
        if photo is not None and photo.thumbnail:
            names.append(photo.thumbnail.name)
    attachments.delete()
    storage = CaseAttachment._meta.get_field("file").storage

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)


def _blank_contact_fields(data: dict, fields: list[dict]) -> dict:
    """``data`` with the answers to address, phone and e-mail fields blanked (in repeated
    blocks too)."""
    data = dict(data)
    for field in fields:
        key, ftype = field.get("key"), field.get("type")
        if key not in data:
            continue
        if ftype in CONTACT_FIELD_TYPES:
            data[key] = {} if isinstance(data[key], dict) else ""
        elif ftype == "repeat" and isinstance(data[key], list):
            data[key] = [
                _blank_contact_fields(item, field.get("fields", []))
                if isinstance(item, dict)
                else item
                for item in data[key]
            ]
    return data


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


def _scrub_case_data(user, case_ids: list[int]) -> None:
    """Form answers and event details of the person's cases lose what identifies them."""
    contains = [n.lower() for n in (user.email, user.get_full_name()) if n]
    contains += [e for e in verified_emails(user) if e not in contains]
    equals = {n.strip().lower() for n in (user.first_name, user.last_name) if n.strip()}
    cases = Case.objects.filter(pk__in=case_ids)
    for case in cases.select_related("version").only("pk", "data", "version__form"):
        fields = [f for _page, f in iter_fields(case.version.form)]
        case.data = _scrub(
            _blank_contact_fields(case.data, fields), contains=contains, equals=equals
        )
        case.save(update_fields=["data"])
    for event in CaseEvent.objects.filter(case__in=cases).only("pk", "data"):
        event.data = _scrub(event.data, contains=contains, equals=equals)
        event.save(update_fields=["data"])
