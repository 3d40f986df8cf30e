"""The read audit: every agent read of personal data writes one access record.

Every door that shows an agent personal data (a case page, the agents' API, an attachment, an
export, a search, a list, the 360° view of a person) calls ``access_record`` once, after its
scoped selector has let the agent in and before the data leaves: a refused read raises first
and writes nothing. A citizen reading their own case is not an agent read and calls nothing.

Writing is one plain INSERT, with no read and no transaction of its own (Django's
``create()`` outside ``atomic``), so the agent's pages pay a fraction of a millisecond; the
table is read only by the auditor's pages (``core.selectors.access_records_for_auditor``).
"""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest

from guichet.core.models import AccessRecord

AccessDoor = AccessRecord.Door

#: Longest search or filter string kept (the column's size).
QUERY_MAX = AccessRecord._meta.get_field("query").max_length
PATH_MAX = AccessRecord._meta.get_field("path").max_length


def actor_label(actor: Any) -> str:
    """Who read, as the record keeps it once the account is erased: name and e-mail."""
    name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    email = getattr(actor, "email", "") or ""
    label = f"{name} <{email}>" if name and email else (name or email or f"#{actor.pk}")
    return label[:300]


def access_record(
    *,
    actor: Any,
    door: str,
    obj: models.Model | None = None,
    case: Any | None = None,
    attachment: Any | None = None,
    organisation_ids: Iterable[int | None] | None = None,
    request: HttpRequest | None = None,
    query: str = "",
    count: int | None = None,
) -> None:
    """Record that ``actor`` read ``obj`` (or a list, a search, an export) through ``door``.

    ``case``: the case read, or the case ``obj`` / ``attachment`` belongs to (its id and
    reference are kept, so the auditor finds every read of a case whatever the door).
    ``organisation_ids``: the organisations whose data was read; by default the case's. A
    list, a search or an export of an agent of several organisations writes one row for each
    (the auditor of each sees it), in the same single INSERT.
    ``query``: the search or filters of a list; ``count``: the rows an export or list held.
    """
    if obj is None:
        obj = attachment if attachment is not None else case
    if organisation_ids is None:
        organisation_ids = [case.organisation_id] if case is not None else [None]
    organisation_ids = sorted(set(organisation_ids), key=lambda i: (i is None, i)) or [None]
    fields = {
        "actor": actor if getattr(actor, "is_authenticated", False) else None,
        "actor_label": actor_label(actor) if getattr(actor, "is_authenticated", False) else "",
        "door": door,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "case_id": case.pk if case is not None else None,
        "case_reference": case.reference if case is not None else "",
        "attachment_id": attachment.pk if attachment is not None else None,
        "query": query[:QUERY_MAX],
        "count": count,
    }
    if request is not None:
        fields["method"] = request.method or ""
        fields["path"] = request.path[:PATH_MAX]
        fields["ip_address"] = request.META.get("REMOTE_ADDR") or None
    if len(organisation_ids) == 1:
        AccessRecord.objects.create(organisation_id=organisation_ids[0], **fields)
    else:
        AccessRecord.objects.bulk_create(
            [AccessRecord(organisation_id=org_id, **fields) for org_id in organisation_ids]
        )


def request_query(request: HttpRequest, *, without: Iterable[str] = ("page", "format")) -> str:
    """The request's filters as the record keeps them (its query string less paging)."""
    query = request.GET.copy()
    for key in without:
        query.pop(key, None)
    return query.urlencode()
