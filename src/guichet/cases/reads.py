"""The access records of the agents' reads of cases (``core.access``), one call per door.

Kept here so that each door (back-office pages, agents' API, public-space agent pages) records
with one line, the same way: the reader, the case and its organisation, the request.
"""

from typing import Any

from django.http import HttpRequest

from guichet.core.access import AccessDoor, access_record, request_query
from guichet.territory.selectors import agent_scope

__all__ = ["AccessDoor", "record_attachment", "record_case", "record_list", "record_person"]


def _reader(request: HttpRequest, actor: Any | None) -> Any:
    # The API's user is request.auth (bearer token or session); the pages' is request.user.
    return actor if actor is not None else request.user


def record_case(
    request: HttpRequest, case, *, door: str = AccessDoor.CASE_VIEW, obj=None, actor=None
):
    """An agent read a case (its page, the API's detail, a public-space report's page)."""
    access_record(actor=_reader(request, actor), door=door, obj=obj, case=case, request=request)


def record_attachment(request: HttpRequest, attachment, *, case=None, obj=None, actor=None) -> None:
    """An agent downloaded a case's attachment (or saw a hidden photo: ``obj``). ``case``:
    the attachment's case when the door has it at hand already (saves a query)."""
    access_record(
        actor=_reader(request, actor),
        door=AccessDoor.ATTACHMENT_DOWNLOAD,
        obj=obj,
        case=case if case is not None else attachment.case,
        attachment=attachment,
        request=request,
    )


def record_list(request: HttpRequest, door: str, count: int | None, *, actor=None) -> None:
    """An agent opened a list, ran a search or exported: one record with the filters and the
    number of rows, not one per row, for each of the agent's organisations."""
    reader = _reader(request, actor)
    access_record(
        actor=reader,
        door=door,
        organisation_ids=agent_scope(reader)[0],
        request=request,
        query=request_query(request),
        count=count,
    )


def record_person(request: HttpRequest, citizen) -> None:
    """An agent opened the 360° view of a person (found or not: the search is recorded)."""
    access_record(
        actor=request.user,
        door=AccessDoor.PERSON_VIEW,
        obj=citizen,
        organisation_ids=agent_scope(request.user)[0],
        request=request,
        query=request_query(request),
    )
